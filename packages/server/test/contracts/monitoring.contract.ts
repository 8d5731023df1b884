import { randomUUID } from 'node:crypto';
import { Rng } from '@churn/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/index.js';
import type { Database } from '../../src/db/index.js';
import {
  estimateCbpe,
  fitIsotonic,
  NO_CALIBRATION,
  PerformanceSnapshotJob,
  PerformanceSnapshotStore,
  PerformanceTracker,
  realizedMetrics,
  type TimeWindow,
} from '../../src/monitoring/index.js';
import { Metrics } from '../../src/plugins/metrics.js';

/** A prediction row; `at` in microseconds since the epoch (PostgreSQL keeps microseconds). */
interface P {
  id: string;
  customer: string;
  version: number;
  p: number;
  at: number;
}
interface F {
  prediction_id?: string;
  customer: string;
  churned: boolean;
  at: number;
}

const US = 1000;
const t = (iso: string): number => Date.parse(iso) * US;
const isoMicros = (us: number): string =>
  new Date(Math.floor(us / US)).toISOString().replace('Z', `${String(us % US).padStart(3, '0')}Z`);

async function insertPredictions(db: Database, rows: readonly P[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const params: unknown[] = [];
    const values = chunk.map((r, k) => {
      params.push(r.id, r.customer, r.version, r.p, isoMicros(r.at));
      const o = k * 5;
      return `($${o + 1}::uuid, $${o + 2}, $${o + 3}::int, $${o + 4}::float8, 'low', '{}', $${o + 5}::timestamptz)`;
    });
    await db.query(
      `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features, created_at)
       VALUES ${values.join(', ')}`,
      params,
    );
  }
}

async function insertFeedback(db: Database, rows: readonly F[]): Promise<void> {
  // One row at a time keeps the ids in array order (the join breaks observed_at ties by id).
  for (const r of rows) {
    await db.query(
      'INSERT INTO feedback (prediction_id, customer_id, churned, observed_at) VALUES ($1, $2, $3, $4::timestamptz)',
      [r.prediction_id ?? null, r.customer, r.churned, isoMicros(r.at)],
    );
  }
}

/** The join rule of performance-scan.ts, written again directly: label per prediction id. */
function expectedLabels(preds: readonly P[], feedback: readonly F[], version: number): Map<string, boolean> {
  const byId = new Map(preds.map((p) => [p.id, p]));
  const before = (a: P, b: P) => (a.at !== b.at ? a.at < b.at : a.id < b.id);
  const best = new Map<string, { churned: boolean; at: number; idx: number }>();
  feedback.forEach((f, idx) => {
    let target: P | undefined;
    const named = f.prediction_id ? byId.get(f.prediction_id) : undefined;
    if (named && named.version === version) target = named;
    else {
      for (const p of preds) {
        if (p.version !== version || p.customer !== f.customer || p.at > f.at) continue;
        if (!target || before(target, p)) target = p;
      }
    }
    if (!target) return;
    const cur = best.get(target.id);
    if (!cur || f.at > cur.at || (f.at === cur.at && idx > cur.idx))
      best.set(target.id, { churned: f.churned, at: f.at, idx });
  });
  return new Map([...best].map(([id, v]) => [id, v.churned]));
}

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const DAY: TimeWindow = {
  name: 'custom',
  from: new Date('2001-01-01T00:00:00Z'),
  to: new Date('2001-01-02T00:00:00Z'),
};

/**
 * The one suite performance tracking and alert storage pass on every Database (PGlite, PostgreSQL).
 * `open` returns an empty, migrated database of the suite's own.
 */
export function monitoringContract(name: string, open: () => Promise<Database>): void {
  describe(`Monitoring contract: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => db?.close());

    it('joins outcomes by prediction id and by customer, and computes the metrics derived by hand', async () => {
      const P1: P[] = [
        { id: uuid(1), customer: 'A', version: 1, p: 0.8, at: t('2001-01-01T01:00:00Z') },
        { id: uuid(2), customer: 'A', version: 1, p: 0.3, at: t('2001-01-01T05:00:00Z') },
        { id: uuid(3), customer: 'B', version: 1, p: 0.6, at: t('2001-01-01T02:00:00Z') },
        { id: uuid(4), customer: 'C', version: 1, p: 0.2, at: t('2001-01-01T03:00:00Z') },
        { id: uuid(5), customer: 'D', version: 1, p: 0.9, at: t('2001-01-01T04:00:00Z') },
        { id: uuid(6), customer: 'E', version: 1, p: 0.7, at: t('2000-12-31T23:00:00Z') },
        // A shadow version scored B at the same time.
        { id: uuid(7), customer: 'B', version: 2, p: 0.4, at: t('2001-01-01T02:00:00Z') },
      ];
      await insertPredictions(db, P1);
      await insertFeedback(db, [
        // Names A's first prediction: labels it (churned).
        { prediction_id: uuid(1), customer: 'A', churned: true, at: t('2001-01-01T06:00:00Z') },
        // By customer at 05:30: A's latest v1 prediction then is the 05:00 one.
        { customer: 'A', churned: false, at: t('2001-01-01T05:30:00Z') },
        // By customer: B's v1 and v2 predictions; later overridden by the next outcome.
        { customer: 'B', churned: true, at: t('2001-01-01T02:30:00Z') },
        // Names B's v1 prediction, observed later: wins for v1, and labels v2 by customer.
        { prediction_id: uuid(3), customer: 'B', churned: false, at: t('2001-01-01T03:00:00Z') },
        // Observed before C's only prediction: labels nothing.
        { customer: 'C', churned: true, at: t('2001-01-01T02:59:00Z') },
        // Labels E's prediction of the day before: outside the window.
        { customer: 'E', churned: true, at: t('2001-01-01T00:30:00Z') },
      ]);
      const tracker = new PerformanceTracker(db);
      expect(await tracker.versions(DAY)).toEqual([1, 2]);

      const v1 = await tracker.report(1, DAY);
      expect(v1).toMatchObject({ model_version: 1, predictions: 5, labelled: 3, labelled_churned: 1 });
      // Labelled: 0.8 → churned (TP), 0.3 → stayed (TN), 0.6 → stayed (FP).
      expect(v1.realized).toEqual({ accuracy: 2 / 3, precision: 1 / 2, recall: 1, roc_auc: 1 });
      // No outcome observed before the window: raw probabilities, and the report says so.
      expect(v1.calibration).toMatchObject({ method: 'none', reference: null, reference_size: 0 });
      // Expected TP = .8 + .6 + .9, FP = .2 + .4 + .1, FN = .3 + .2, TN = .7 + .8.
      expect(v1.estimated.accuracy).toBeCloseTo(3.8 / 5, 12);
      expect(v1.estimated.precision).toBeCloseTo(2.3 / 3, 12);
      expect(v1.estimated.recall).toBeCloseTo(2.3 / 2.8, 12);
      expect(v1.estimate_error.accuracy).toBeCloseTo(3.8 / 5 - 2 / 3, 12);

      const v2 = await tracker.report(2, DAY);
      expect(v2).toMatchObject({ predictions: 1, labelled: 1, labelled_churned: 0 });
      expect(v2.realized).toEqual({ accuracy: 1, precision: 0, recall: 0, roc_auc: null });
      expect((await tracker.report(9, DAY)).predictions).toBe(0);
    });

    it('matches metrics computed directly on a constructed set, page by page (microsecond ties)', async () => {
      const rng = new Rng(42);
      const version = 3;
      const base = t('2001-03-01T00:00:00Z');
      const preds: P[] = [];
      for (let i = 0; i < 3000; i++) {
        // Many predictions share a timestamp (to the microsecond), across page boundaries.
        const at = base + Math.floor(rng.next() * 400) * 1_000_003 + (i % 7 === 0 ? 0 : rng.int(999));
        preds.push({ id: randomUUID(), customer: `c${rng.int(1200)}`, version, p: rng.int(1000) / 1000, at });
      }
      // A few of another version for the same customers, and some outside the window.
      for (let i = 0; i < 300; i++)
        preds.push({
          id: randomUUID(),
          customer: `c${rng.int(1200)}`,
          version: 4,
          p: rng.next(),
          at: base + i,
        });
      const window: TimeWindow = {
        name: 'custom',
        from: new Date(base / US + 60_000),
        to: new Date(base / US + 350_000),
      };
      const feedback: F[] = [];
      for (let i = 0; i < 1800; i++) {
        const p = preds[rng.int(preds.length)];
        const churned = rng.next() < p.p;
        const at = p.at + rng.int(50_000_000);
        feedback.push(
          rng.next() < 0.5
            ? { prediction_id: p.id, customer: p.customer, churned, at }
            : { customer: p.customer, churned, at },
        );
      }
      await insertPredictions(db, preds);
      await insertFeedback(db, feedback);

      const inWindow = preds.filter(
        (p) => p.version === version && p.at >= window.from.getTime() * US && p.at < window.to.getTime() * US,
      );
      const labels = expectedLabels(preds, feedback, version);
      const labelled = inWindow.filter((p) => labels.has(p.id));
      const y = Uint8Array.from(labelled, (p) => (labels.get(p.id) ? 1 : 0));
      const scores = Float64Array.from(labelled, (p) => p.p);
      expect(labelled.length).toBeGreaterThan(300);

      const small = await new PerformanceTracker(db, { pageSize: 97 }).report(version, window);
      const large = await new PerformanceTracker(db).report(version, window);
      expect(small.predictions).toBe(inWindow.length);
      expect(small.labelled).toBe(labelled.length);
      expect(small.labelled_churned).toBe(y.reduce((a, b) => a + b, 0));
      expect(small.realized).toEqual(realizedMetrics(y, scores));
      const estimated = estimateCbpe(
        inWindow.map((p) => p.p),
        NO_CALIBRATION,
      );
      expect(small.estimated.roc_auc).toBeCloseTo(estimated.roc_auc!, 12);
      expect(small.estimated.accuracy).toBeCloseTo(estimated.accuracy!, 12);
      expect(large).toEqual(small);
    });

    it('calibrates on outcomes observed before the window, or on validation rows given to it', async () => {
      const rng = new Rng(8);
      const version = 5;
      const truth = (x: number) => 0.25 + 0.5 * x;
      const refStart = t('2001-05-01T00:00:00Z');
      const window: TimeWindow = {
        name: 'custom',
        from: new Date('2001-05-02T00:00:00Z'),
        to: new Date('2001-05-03T00:00:00Z'),
      };
      const ref: P[] = [];
      const feedback: F[] = [];
      for (let i = 0; i < 600; i++) {
        const p: P = {
          id: randomUUID(),
          customer: `r${i}`,
          version,
          p: rng.int(100) / 100,
          at: refStart + i * US,
        };
        ref.push(p);
        feedback.push({
          prediction_id: p.id,
          customer: p.customer,
          churned: rng.next() < truth(p.p),
          at: p.at + 1,
        });
      }
      const live: P[] = [];
      for (let i = 0; i < 800; i++)
        live.push({
          id: randomUUID(),
          customer: `l${i}`,
          version,
          p: rng.int(100) / 100,
          at: window.from.getTime() * US + i * US,
        });
      await insertPredictions(db, [...ref, ...live]);
      await insertFeedback(db, feedback);

      const tracker = new PerformanceTracker(db, { minReference: 200 });
      const report = await tracker.report(version, window);
      expect(report.calibration).toMatchObject({
        method: 'isotonic',
        reference: 'feedback',
        reference_size: 600,
      });
      const cal = fitIsotonic(
        Uint8Array.from(feedback, (f) => (f.churned ? 1 : 0)),
        Float64Array.from(ref, (p) => p.p),
      );
      const expected = estimateCbpe(
        live.map((p) => p.p),
        cal,
      );
      expect(report.estimated.roc_auc).toBeCloseTo(expected.roc_auc!, 12);
      expect(report.estimated.accuracy).toBeCloseTo(expected.accuracy!, 12);
      expect(report.labelled).toBe(0);
      expect(report.realized.roc_auc).toBeNull();

      const validation = { y: Uint8Array.of(0, 1, 0, 1, 1), p: Float64Array.of(0.1, 0.2, 0.3, 0.8, 0.9) };
      const strict = new PerformanceTracker(db, { minReference: 5 });
      strict.setReference(version, validation);
      const fromValidation = await strict.report(version, window);
      expect(fromValidation.calibration).toMatchObject({
        method: 'isotonic',
        reference: 'validation',
        reference_size: 5,
      });
      expect(fromValidation.estimated.accuracy).toBeCloseTo(
        estimateCbpe(
          live.map((p) => p.p),
          fitIsotonic(validation.y, validation.p),
        ).accuracy!,
        12,
      );
      // Too few reference rows: raw probabilities, with the reason.
      const demanding = await new PerformanceTracker(db, { minReference: 601 }).report(version, window);
      expect(demanding.calibration.method).toBe('none');
      expect(demanding.calibration.note).toMatch(/600 labelled reference rows/);
    });

    it('reports the bias of the estimate on miscalibrated probabilities, and calibration removes it', async () => {
      const rng = new Rng(99);
      const version = 6;
      // The model is overconfident: the true churn probability is flatter than its score.
      const truth = (x: number) => 0.25 + 0.5 * x;
      const score = () => Math.round(1000 / (1 + Math.exp(-(1.6 * rng.normal() - 0.9)))) / 1000;
      const window: TimeWindow = {
        name: 'custom',
        from: new Date('2001-06-01T00:00:00Z'),
        to: new Date('2001-06-02T00:00:00Z'),
      };
      const preds: P[] = Array.from({ length: 3000 }, (_, i) => ({
        id: randomUUID(),
        customer: `m${i}`,
        version,
        p: score(),
        at: window.from.getTime() * US + i * 1000 * US,
      }));
      await insertPredictions(db, preds);
      const params: unknown[] = [];
      const values = preds.map((p, k) => {
        params.push(p.id, p.customer, rng.next() < truth(p.p), isoMicros(p.at + 3600 * 1000 * US));
        return `($${4 * k + 1}::uuid, $${4 * k + 2}, $${4 * k + 3}::boolean, $${4 * k + 4}::timestamptz)`;
      });
      await db.query(
        `INSERT INTO feedback (prediction_id, customer_id, churned, observed_at) VALUES ${values.join(', ')}`,
        params,
      );
      const tracker = new PerformanceTracker(db);
      const raw = await tracker.report(version, window);
      expect(raw.calibration.method).toBe('none');
      expect(raw.labelled).toBe(3000);
      // Realized AUC is about 0.65 and the raw estimate about 0.83: the bias is reported.
      expect(raw.estimate_error.roc_auc).toBeGreaterThan(0.1);
      expect(raw.estimate_error.accuracy).toBeGreaterThan(0.05);
      // Validation rows of the same (miscalibrated) model: the estimate comes back to the truth.
      const vp = Float64Array.from({ length: 20_000 }, score);
      tracker.setReference(version, {
        p: vp,
        y: Uint8Array.from(vp, (x) => (rng.next() < truth(x) ? 1 : 0)),
      });
      const calibrated = await tracker.report(version, window);
      expect(calibrated.calibration).toMatchObject({ method: 'isotonic', reference: 'validation' });
      expect(Math.abs(calibrated.estimate_error.roc_auc!)).toBeLessThan(0.04);
      expect(Math.abs(calibrated.estimate_error.accuracy!)).toBeLessThan(0.04);
    });

    it('stores snapshots, sets the gauges and raises an AUC alert', async () => {
      const metrics = new Metrics();
      const store = new PerformanceSnapshotStore(db);
      const alerts = new AlertService(db, { metrics });
      const job = new PerformanceSnapshotJob(new PerformanceTracker(db), store, {
        intervalMs: 0,
        gauges: metrics,
        aucAlert: { alerts, below: 0.99, minLabelled: 1, minPredictions: 1 },
      });
      const heard: string[] = [];
      job.onSnapshot((rs) => {
        heard.push(...rs.map((r) => `${r.model_version}/${r.window}`));
      });
      job.onSnapshot(() => {
        throw new Error('a failing listener does not stop the run');
      });
      const now = new Date('2001-01-02T00:00:00Z');
      const reports = await job.runOnce(now);
      // Versions 1 and 2 served in the last 7 days, each in both windows.
      expect(reports.map((r) => `${r.model_version}/${r.window}`)).toEqual([
        '1/24h',
        '1/7d',
        '2/24h',
        '2/7d',
      ]);
      expect(heard).toEqual(['1/24h', '1/7d', '2/24h', '2/7d']);
      await job.runOnce(new Date(now.getTime() + 60_000));
      const history = await store.history({ version: 1, window: '24h' });
      expect(history).toHaveLength(2);
      expect(history[0]).toMatchObject({
        taken_at: now.toISOString(),
        model_version: 1,
        window: '24h',
        predictions: 5,
        labelled: 3,
        realized: { accuracy: 2 / 3, roc_auc: 1 },
        calibration: 'none',
      });
      expect(history[0].estimated.accuracy).toBeCloseTo(3.8 / 5, 12);
      expect(await store.history({ version: 1, window: '24h', limit: 1 })).toEqual([history[1]]);
      const text = await metrics.registry.metrics();
      expect(text).toContain('churn_model_auc{version="1",window="24h",kind="realized"} 1');
      expect(text).toMatch(/churn_model_auc\{version="1",window="24h",kind="estimated"\} 0\.\d+/);
      // The 7-day window also holds E's prediction of Dec 31, labelled on Jan 1.
      expect(text).toContain('churn_model_window_labelled_predictions{version="1",window="7d"} 4');
      expect(text).toContain('churn_model_window_predictions{version="1",window="7d"} 6');
      // Realized AUCs are 1 (v1) or undefined (v2, one class); the estimated ones are below 0.99:
      // one alert per version and window, the second run's repeats counted into them.
      const raised = await alerts.list({ kind: 'performance' });
      expect(raised.map((a) => a.dedup_key).sort()).toEqual([
        'performance:auc:v1:24h:estimated',
        'performance:auc:v1:7d:estimated',
        'performance:auc:v2:24h:estimated',
        'performance:auc:v2:7d:estimated',
      ]);
      expect(raised.every((a) => a.count === 2 && a.severity === 'medium')).toBe(true);
    });

    it('de-duplicates alerts within the cooldown and opens a new one after it', async () => {
      let clock = Date.parse('2030-01-01T00:00:00Z');
      const alerts = new AlertService(db, {
        cooldownMs: 60_000,
        cooldowns: { drift: 10_000, 'drift:critical': 1_000 },
        now: () => new Date(clock),
      });
      expect(alerts.cooldownFor('drift', 'high')).toBe(10_000);
      expect(alerts.cooldownFor('drift', 'critical')).toBe(1_000);
      expect(alerts.cooldownFor('outlier', 'low')).toBe(60_000);
      const input = {
        kind: 'drift',
        severity: 'high',
        dedup_key: 'drift:v1:total_orders',
        title: 'drift',
      } as const;
      const first = await alerts.raise({ ...input, details: { psi: 0.3 } });
      expect(first.outcome).toBe('new');
      clock += 9_000;
      const repeat = await alerts.raise({ ...input, details: { psi: 0.4 } });
      expect(repeat).toMatchObject({
        outcome: 'repeat',
        alert: { id: first.alert.id, count: 2, details: { psi: 0.4 } },
      });
      expect(repeat.alert.last_seen).toBe(new Date(clock).toISOString());
      expect(repeat.alert.first_seen).toBe(first.alert.first_seen);
      // The cooldown runs from the last sighting: 9 s later is still inside it.
      clock += 9_000;
      expect((await alerts.raise(input)).alert).toMatchObject({ id: first.alert.id, count: 3 });
      // A higher severity escalates the open alert.
      clock += 1_000;
      const escalated = await alerts.raise({ ...input, severity: 'critical' });
      expect(escalated).toMatchObject({
        outcome: 'escalated',
        alert: { id: first.alert.id, severity: 'critical', count: 4 },
      });
      // Quiet for longer than the cooldown: a new alert.
      clock += 10_001;
      const later = await alerts.raise(input);
      expect(later.outcome).toBe('new');
      expect(later.alert.id).not.toBe(first.alert.id);

      // Acknowledged alerts keep de-duplicating; resolved ones do not.
      clock += 1_000;
      expect((await alerts.acknowledge(later.alert.id, 'tester')).status).toBe('acknowledged');
      expect((await alerts.raise(input)).alert).toMatchObject({
        id: later.alert.id,
        status: 'acknowledged',
        count: 2,
      });
      expect((await alerts.resolve(later.alert.id, 'tester')).status).toBe('resolved');
      const afterResolve = await alerts.raise(input);
      expect(afterResolve.outcome).toBe('new');
      await expect(alerts.acknowledge(later.alert.id)).rejects.toMatchObject({ code: 'CHURN_ERR_CONFLICT' });
      await expect(alerts.resolve(999_999)).rejects.toMatchObject({ code: 'CHURN_ERR_NOT_FOUND' });
      expect((await alerts.resolve(later.alert.id)).status).toBe('resolved');

      const open = await alerts.list({ kind: 'drift', status: 'open' });
      expect(open.map((a) => a.id)).toEqual([afterResolve.alert.id, first.alert.id]);
      expect(await alerts.list({ kind: 'drift', severity: 'critical' })).toHaveLength(1);
      const [audit] = await db.query<{ actor: string; action: string }>(
        "SELECT actor, action FROM audit_log WHERE action = 'alert.resolved' ORDER BY id LIMIT 1",
      );
      expect(audit).toEqual({ actor: 'tester', action: 'alert.resolved' });
      await expect(alerts.raise({ ...input, severity: 'urgent' as never })).rejects.toMatchObject({
        code: 'CHURN_ERR_VALIDATION',
        details: [{ path: '/severity' }],
      });
    });

    it('counts concurrent raises of one key into one alert', async () => {
      const alerts = new AlertService(db);
      const input = {
        kind: 'outlier',
        severity: 'low',
        dedup_key: 'outlier:burst',
        title: 'outliers',
      } as const;
      const results = await Promise.all(Array.from({ length: 8 }, () => alerts.raise(input)));
      expect(results.filter((r) => r.outcome === 'new')).toHaveLength(1);
      const [alert] = await alerts.list({ kind: 'outlier' });
      expect(alert.count).toBe(8);
    });
  });
}
