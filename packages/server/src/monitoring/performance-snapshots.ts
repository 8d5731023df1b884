import type { AlertService } from '../alerts/index.js';
import type { Database } from '../db/index.js';
import type { MetricValues } from './cbpe.js';
import { type PerformanceReport, rollingWindow, type WindowName } from './performance.js';
import type { PerformanceTracker } from './performance-tracker.js';

/** One stored snapshot, as the history endpoint returns it. */
export interface PerformanceSnapshot {
  readonly taken_at: string;
  readonly model_version: number;
  readonly window: WindowName;
  readonly from: string;
  readonly to: string;
  readonly predictions: number;
  readonly labelled: number;
  readonly realized: MetricValues;
  readonly estimated: MetricValues;
  readonly calibration: string;
}

export interface SnapshotQuery {
  readonly version?: number;
  readonly window?: WindowName;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit?: number;
}

interface Row extends Record<string, unknown> {
  taken_at: Date | string;
  model_version: number;
  window_name: WindowName;
  window_from: Date | string;
  window_to: Date | string;
  predictions: string | number;
  labelled: string | number;
  realized_accuracy: number | null;
  realized_precision: number | null;
  realized_recall: number | null;
  realized_auc: number | null;
  estimated_accuracy: number | null;
  estimated_precision: number | null;
  estimated_recall: number | null;
  estimated_auc: number | null;
  calibration: string;
}

/** The `performance_snapshots` table: realized vs estimated over time, for the dashboard's charts. */
export class PerformanceSnapshotStore {
  constructor(private readonly db: Pick<Database, 'query'>) {}

  async save(report: PerformanceReport, takenAt = new Date()): Promise<void> {
    const r = report.realized;
    const e = report.estimated;
    await this.db.query(
      `INSERT INTO performance_snapshots (taken_at, model_version, window_name, window_from, window_to,
         predictions, labelled, realized_accuracy, realized_precision, realized_recall, realized_auc,
         estimated_accuracy, estimated_precision, estimated_recall, estimated_auc, calibration, report)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb)`,
      [
        takenAt.toISOString(),
        report.model_version,
        report.window,
        report.from,
        report.to,
        report.predictions,
        report.labelled,
        r.accuracy,
        r.precision,
        r.recall,
        r.roc_auc,
        e.accuracy,
        e.precision,
        e.recall,
        e.roc_auc,
        report.calibration.method,
        JSON.stringify(report),
      ],
    );
  }

  /** Snapshots in time order (the most recent `limit`, default 500). */
  async history(q: SnapshotQuery = {}): Promise<PerformanceSnapshot[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.version !== undefined) add('model_version = ?', q.version);
    if (q.window !== undefined) add('window_name = ?', q.window);
    if (q.from !== undefined) add('taken_at >= ?', q.from.toISOString());
    if (q.to !== undefined) add('taken_at < ?', q.to.toISOString());
    params.push(q.limit ?? 500);
    const rows = await this.db.query<Row>(
      `SELECT * FROM (
         SELECT id, taken_at, model_version, window_name, window_from, window_to, predictions, labelled,
                realized_accuracy, realized_precision, realized_recall, realized_auc,
                estimated_accuracy, estimated_precision, estimated_recall, estimated_auc, calibration
         FROM performance_snapshots ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY taken_at DESC, id DESC LIMIT $${params.length}) s
       ORDER BY taken_at, id`,
      params,
    );
    return rows.map((r) => ({
      taken_at: new Date(r.taken_at).toISOString(),
      model_version: Number(r.model_version),
      window: r.window_name,
      from: new Date(r.window_from).toISOString(),
      to: new Date(r.window_to).toISOString(),
      predictions: Number(r.predictions),
      labelled: Number(r.labelled),
      realized: {
        accuracy: r.realized_accuracy,
        precision: r.realized_precision,
        recall: r.realized_recall,
        roc_auc: r.realized_auc,
      },
      estimated: {
        accuracy: r.estimated_accuracy,
        precision: r.estimated_precision,
        recall: r.estimated_recall,
        roc_auc: r.estimated_auc,
      },
      calibration: r.calibration,
    }));
  }
}

type Labels3 = { version: string; window: string; kind: string };
/** Gauges the job sets (the platform's `Metrics` has them). */
export interface PerformanceGauges {
  readonly modelAuc: GaugeLike<Labels3>;
  readonly modelAccuracy: GaugeLike<Labels3>;
  readonly modelPrecision: GaugeLike<Labels3>;
  readonly modelRecall: GaugeLike<Labels3>;
  readonly modelPredictions: GaugeLike<{ version: string; window: string }>;
  readonly modelLabelled: GaugeLike<{ version: string; window: string }>;
}
interface GaugeLike<L> {
  set(labels: L, value: number): void;
  reset(): void;
}

/** Raise a `performance` alert when an AUC of a window falls below `below`. */
export interface AucAlertRule {
  readonly alerts: AlertService;
  readonly below: number;
  /** Labelled predictions needed before a realized AUC may alert (default 100). */
  readonly minLabelled?: number;
  /** Predictions needed before an estimated AUC may alert (default 100). */
  readonly minPredictions?: number;
}

export interface SnapshotJobOptions {
  /** Time between snapshots. */
  readonly intervalMs: number;
  readonly windows?: readonly Exclude<WindowName, 'custom'>[];
  readonly gauges?: PerformanceGauges;
  readonly aucAlert?: AucAlertRule;
  /** Handed every run's reports (the retraining policy plugs in here). */
  readonly onSnapshot?: (reports: readonly PerformanceReport[]) => void | Promise<void>;
  readonly onError?: (err: unknown) => void;
  /** Least time between the end of a run and a run asked for by {@link requestRun} (default 10 s). */
  readonly minGapMs?: number;
}

/**
 * Every `intervalMs`: a report per model version that served predictions in the last 7 days and
 * per window (24 h and 7 d), stored as snapshots, copied into the Prometheus gauges
 * (`churn_model_auc{version,window,kind="realized|estimated"}` and siblings), checked against the
 * AUC alert rule, and handed to `onSnapshot`. Runs never overlap.
 */
export class PerformanceSnapshotJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;
  /** A run asked for by requestRun, waiting for its turn. */
  private requested: NodeJS.Timeout | null = null;
  private lastEnd = 0;
  private readonly windows: readonly Exclude<WindowName, 'custom'>[];
  private readonly listeners: ((reports: readonly PerformanceReport[]) => void | Promise<void>)[] = [];

  constructor(
    private readonly tracker: PerformanceTracker,
    private readonly store: PerformanceSnapshotStore,
    private readonly options: SnapshotJobOptions,
  ) {
    this.windows = options.windows ?? ['24h', '7d'];
    if (options.onSnapshot) this.listeners.push(options.onSnapshot);
  }

  /**
   * Hand every run's reports to `listener` as well (e.g. the retraining policy checking
   * "realized or estimated AUC below a threshold"). A listener's failure is reported to onError
   * and does not stop the others.
   */
  onSnapshot(listener: (reports: readonly PerformanceReport[]) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.running = this.runOnce().catch((err) => this.options.onError?.(err));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * A run soon, because the data changed (outcomes arrived): now if the last run ended at least
   * `minGapMs` ago, else once it has; requests while one waits or runs make one more run at most.
   * Nothing when snapshots are off (intervalMs 0).
   */
  requestRun(): void {
    if (this.requested || this.options.intervalMs <= 0) return;
    const wait = Math.max(0, this.lastEnd + (this.options.minGapMs ?? 10_000) - Date.now());
    this.requested = setTimeout(() => {
      this.requested = null;
      if (this.busy) return void this.requestRun();
      this.running = this.runOnce().catch((err) => this.options.onError?.(err));
    }, wait);
    this.requested.unref();
  }

  /** Stop the timer and wait for a run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.requested) clearTimeout(this.requested);
    this.requested = null;
    await this.running;
  }

  /** One snapshot of every active version and window, now. */
  async runOnce(now = new Date()): Promise<PerformanceReport[]> {
    this.busy = true;
    try {
      const widest = this.windows.includes('7d') ? '7d' : this.windows[0];
      const versions = await this.tracker.versions(rollingWindow(widest, now));
      const reports: PerformanceReport[] = [];
      for (const version of versions) {
        for (const name of this.windows) {
          const report = await this.tracker.report(version, rollingWindow(name, now));
          await this.store.save(report, now);
          reports.push(report);
        }
      }
      this.setGauges(reports);
      await this.checkAuc(reports);
      for (const listener of this.listeners) {
        try {
          await listener(reports);
        } catch (err) {
          this.options.onError?.(err);
        }
      }
      return reports;
    } finally {
      this.busy = false;
      this.lastEnd = Date.now();
    }
  }

  private setGauges(reports: readonly PerformanceReport[]): void {
    const g = this.options.gauges;
    if (!g) return;
    // Versions that stopped serving drop out of the gauges.
    for (const gauge of [
      g.modelAuc,
      g.modelAccuracy,
      g.modelPrecision,
      g.modelRecall,
      g.modelPredictions,
      g.modelLabelled,
    ])
      gauge.reset();
    for (const r of reports) {
      const base = { version: String(r.model_version), window: r.window };
      g.modelPredictions.set(base, r.predictions);
      g.modelLabelled.set(base, r.labelled);
      for (const [kind, m] of [
        ['realized', r.realized],
        ['estimated', r.estimated],
      ] as const) {
        const labels = { ...base, kind };
        if (m.roc_auc !== null) g.modelAuc.set(labels, m.roc_auc);
        if (m.accuracy !== null) g.modelAccuracy.set(labels, m.accuracy);
        if (m.precision !== null) g.modelPrecision.set(labels, m.precision);
        if (m.recall !== null) g.modelRecall.set(labels, m.recall);
      }
    }
  }

  private async checkAuc(reports: readonly PerformanceReport[]): Promise<void> {
    const rule = this.options.aucAlert;
    if (!rule) return;
    for (const r of reports) {
      const checks = [
        { kind: 'realized', auc: r.realized.roc_auc, enough: r.labelled >= (rule.minLabelled ?? 100) },
        {
          kind: 'estimated',
          auc: r.estimated.roc_auc,
          enough: r.predictions >= (rule.minPredictions ?? 100),
        },
      ] as const;
      for (const c of checks) {
        if (c.auc === null || !c.enough || c.auc >= rule.below) continue;
        await rule.alerts.raise({
          kind: 'performance',
          severity: c.kind === 'realized' ? 'high' : 'medium',
          dedup_key: `performance:auc:v${r.model_version}:${r.window}:${c.kind}`,
          title: `Model v${r.model_version} ${c.kind} AUC ${c.auc.toFixed(3)} over ${r.window} is below ${rule.below}`,
          details: {
            model_version: r.model_version,
            window: r.window,
            kind: c.kind,
            roc_auc: c.auc,
            threshold: rule.below,
            predictions: r.predictions,
            labelled: r.labelled,
            calibration: r.calibration.method,
          },
        });
      }
    }
  }
}
