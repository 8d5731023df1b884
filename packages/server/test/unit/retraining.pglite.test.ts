import { datasetRows, generateCustomers } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { createEvent, EVENT_TYPES } from '../../src/events/index.js';
import type { RetrainingRun } from '../../src/retraining/index.js';
import { createTestKey } from '../helpers/keys.js';

// The retraining loop end to end on PGlite and the in-process bus, driven through the app:
// a champion trained on the reference generator serves customers of the `downturn` drift
// scenario (as `churn generate --drift downturn` makes them), their outcomes come back, a high
// drift alert arrives, and the loop retrains, gates and rolls the challenger out while traffic
// flows. Training runs on worker threads from packages/server/dist: build first (npm test does).

const drifted = generateCustomers({ rows: 900, seed: 12, drift: 'downturn' });
const labelled = datasetRows(drifted);
const stream = datasetRows(generateCustomers({ rows: 4000, seed: 13, drift: 'downturn' }));

let app: FastifyInstance;
let ctx: AppContext;
let admin: Record<string, string>;
let reader: Record<string, string>;
let champion: number;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const config = loadConfig({
    CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '0',
    CHURN_ROUTING_POLL_MS: '0',
    // The alert is published by the test (the drift monitors are not run, so none comes early).
    CHURN_EVENT_CONSUMERS: 'prediction-log-writer,retraining',
    CHURN_RETRAIN_STEP_SECONDS: '0',
    CHURN_RETRAIN_STEP_MAX_SECONDS: '40',
    CHURN_RETRAIN_MIN_REQUESTS: '60',
  });
  ctx = await createAppContext({ config, db });
  // The champion: gradient boosting on the reference population, trained by a job (so its
  // labelled training table is stored and becomes the challenger's reference rows).
  const job = await ctx.training.submit({
    dataset: { rows: 2500, seed: 11 },
    algorithm: 'gradient-boosting',
    params: { trees: 30, max_depth: 4 },
  });
  const done = await ctx.training.wait(job.id);
  expect(done.status).toBe('succeeded');
  champion = done.modelVersion as number;
  await ctx.routing.set({ strategy: 'single', champion }, { actor: 'test', reason: 'first champion' });
  app = await buildApp(ctx);
  admin = (await createTestKey(ctx, 'admin')).headers;
  reader = (await createTestKey(ctx, 'predict')).headers;
  // Production sees the downturn: predictions (one batch), then the outcomes of those customers.
  const batch = await app.inject({
    method: 'POST',
    url: '/v1/predictions/batch',
    headers: reader,
    payload: { customers: labelled.map((features, i) => ({ customer_id: `seen_${i}`, features })) },
  });
  const { results } = batch.json() as { results: { prediction_id: string }[] };
  expect(results).toHaveLength(labelled.length);
  for (let i = 0; i < labelled.length; i++) {
    const fb = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: reader,
      payload: { prediction_id: results[i].prediction_id, churned: drifted.target?.[i] === 1 },
    });
    expect(fb.statusCode).toBeLessThan(300);
  }
}, 120_000);
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

let served = 0;
/** Send downturn customers through the API until the run has finished; returns the run. */
async function trafficUntilFinished(id: string, limitMs = 45_000): Promise<RetrainingRun> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    for (let k = 0; k < 20; k++) {
      const i = served++ % stream.length;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/predictions',
        headers: reader,
        payload: { customer_id: `live_${served}`, features: stream[i] },
      });
      expect(res.statusCode).toBe(200);
    }
    const run = (await app.inject({ url: `/v1/retraining/runs/${id}`, headers: reader })).json();
    if (run.status !== 'running') return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.step} after ${limitMs} ms`);
  }
}

const auditActions = async (run: string) =>
  (
    await ctx.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE actor = 'retraining' AND (after->>'run' = $1 OR reason LIKE $2) ORDER BY id`,
      [run, `run ${run}:%`],
    )
  ).map((r) => r.action);

describe('closed-loop retraining', () => {
  let promoted: RetrainingRun;

  it('ignores a drift alert that is not high, then retrains on a high one and promotes the challenger', async () => {
    const alert = (severity: string) =>
      createEvent(
        EVENT_TYPES.driftAlert,
        String(champion),
        {
          model_version: champion,
          severity,
          drifted_features: [
            { name: 'days_since_last_order', p_adjusted: 1e-12, effect: 0.5, importance: 0.3 },
            { name: 'order_frequency', p_adjusted: 1e-9, effect: 0.4, importance: 0.2 },
          ],
          window: 'count',
          report_id: 1,
        },
        'drift-monitor',
      );
    ctx.events.publish('drift', alert('medium'));
    await ctx.events.bus.flush();
    expect(await ctx.retraining.list()).toEqual([]);

    ctx.events.publish('drift', alert('high'));
    await ctx.events.bus.flush();
    const [started] = await ctx.retraining.list();
    expect(started).toMatchObject({ status: 'running', champion_version: champion });
    expect(started.trigger).toMatchObject({
      kind: 'drift',
      decision: expect.stringMatching(/^high drift on/),
    });

    promoted = await trafficUntilFinished(started.id);
    expect(promoted.error).toBeNull();
    expect(promoted).toMatchObject({ status: 'promoted', step: 'done' });
    const challenger = promoted.challenger_version as number;
    expect(challenger).toBeGreaterThan(champion);
    for (const gate of ['holdout_gate', 'shadow', 'canary_10', 'canary_50', 'promote'])
      expect(promoted.gates[gate]?.passed, gate).toBe(true);
    const holdout = promoted.gates.holdout_gate.observed;
    expect(holdout.challenger_auc as number).toBeGreaterThanOrEqual((holdout.champion_auc as number) - 0.005);
    expect(promoted.gates.shadow.observed.comparisons).toBeGreaterThanOrEqual(60);
    expect(promoted.gates.canary_10.observed.challenger_requests).toBeGreaterThanOrEqual(60);
    // Recent outcomes (70 % of 900) plus the champion's 2500 training rows; 30 % held out.
    expect(promoted.data).toMatchObject({ recent_rows: 900, holdout_rows: 270, reference_rows: 2500 });

    // The challenger is the champion now, its lineage names the old one, routing serves it alone.
    expect(await ctx.registry.aliases()).toEqual({ champion: challenger, challenger: champion });
    expect((await ctx.registry.get(challenger)).parent).toBe(champion);
    expect(ctx.routing.snapshot?.spec).toEqual({ strategy: 'single', champion: challenger });
    const job = (await app.inject({ url: `/v1/jobs/${promoted.job_id}`, headers: reader })).json();
    expect(job).toMatchObject({ status: 'succeeded', modelVersion: challenger });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/predictions',
      headers: reader,
      payload: { customer_id: 'after', features: stream[0] },
    });
    expect(res.json().model_version).toBe(challenger);

    // Every step is audited, in order, with the routing changes it made.
    const actions = await auditActions(promoted.id);
    expect(actions).toEqual([
      'retraining.started',
      'retraining.data',
      'retraining.train',
      'retraining.trained',
      'retraining.holdout',
      'retraining.gate.holdout_gate',
      'retraining.register',
      'retraining.shadow',
      'routing.set',
      'retraining.gate.shadow',
      'retraining.canary_10',
      'routing.set',
      'retraining.gate.canary_10',
      'retraining.canary_50',
      'routing.set',
      'retraining.gate.canary_50',
      'retraining.promote',
      'routing.promote',
      'retraining.promoted',
    ]);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('churn_retraining_runs_total{status="promoted"} 1');
  });

  it('does not start again inside the cooldown', async () => {
    const run = await ctx.retraining.consider({
      kind: 'drift',
      alert: {
        model_version: promoted.challenger_version as number,
        severity: 'high',
        drifted_features: [{ name: 'total_orders', importance: 0.9 }],
      },
    });
    expect(run).toBeNull();
    expect(await ctx.retraining.list()).toHaveLength(1);
  });

  it('rolls back to the champion by itself when a gate fails', async () => {
    const before = ctx.routing.snapshot?.spec;
    const newChampion = promoted.challenger_version as number;
    // An impossible latency budget: the shadow gate must fail.
    const run = await ctx.retraining.startManual({
      actor: 'test',
      reason: 'failing gate',
      gates: { holdoutMargin: 1, latencyBudgetMs: 0 },
    });
    expect(run.trigger).toMatchObject({ kind: 'manual', gate_overrides: { latencyBudgetMs: 0 } });
    // Without traffic the run trains, passes the holdout gate and waits in the shadow step.
    await vi.waitFor(async () => expect((await ctx.retraining.get(run.id)).step).toBe('shadow'), {
      timeout: 30_000,
      interval: 100,
    });
    expect((await app.inject('/metrics')).body).toContain(`churn_retraining_step{run="${run.id}"} 4`);
    const finished = await trafficUntilFinished(run.id);
    expect(finished).toMatchObject({ status: 'rolled_back', step: 'shadow' });
    expect(finished.error).toMatch(/^shadow gate failed: challenger latency [\d.]+ ms > budget 0 ms/);
    expect(finished.gates.shadow.passed).toBe(false);
    expect(ctx.routing.snapshot?.spec).toEqual(before);
    expect((await ctx.registry.aliases()).champion).toBe(newChampion);
    const actions = await auditActions(run.id);
    expect(actions.slice(-3)).toEqual(['retraining.gate.shadow', 'routing.set', 'retraining.rolled_back']);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('churn_retraining_runs_total{status="rolled_back"} 1');
    expect(metrics).not.toContain(`churn_retraining_step{run="${run.id}"}`);
  });

  it('lets an admin start and cancel a run through the API, one at a time', async () => {
    const start = (payload: object, headers = admin) =>
      app.inject({ method: 'POST', url: '/v1/retraining/runs', headers, payload });
    expect((await start({ reason: 'x' }, reader)).statusCode).toBe(403);
    const missing = await start({});
    expect([missing.statusCode, missing.json().error.code]).toEqual([400, 'CHURN_ERR_VALIDATION']);
    expect(
      missing
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .join(),
    ).toMatch(/reason/);
    const res = await start({ reason: 'new season' });
    expect(res.statusCode).toBe(202);
    const run = res.json();
    expect(run).toMatchObject({ status: 'running', trigger: { kind: 'manual', reason: 'new season' } });
    expect(res.headers.location).toBe(`/v1/retraining/runs/${run.id}`);
    const again = await start({ reason: 'twice' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'CHURN_ERR_CONFLICT']);

    const cancel = (id: string) =>
      app.inject({ method: 'POST', url: `/v1/retraining/runs/${id}/cancel`, headers: admin });
    const cancelled = await cancel(run.id);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({
      status: 'cancelled',
      error: expect.stringMatching(/^cancelled by key:/),
    });
    expect((await cancel(run.id)).statusCode).toBe(409);
    const unknown = await app.inject({
      url: '/v1/retraining/runs/00000000-0000-4000-8000-000000000000',
      headers: reader,
    });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'CHURN_ERR_NOT_FOUND']);
    const list = (await app.inject({ url: '/v1/retraining/runs?status=cancelled', headers: reader })).json();
    expect(list.runs.map((r: RetrainingRun) => r.id)).toEqual([run.id]);
    expect(ctx.routing.snapshot?.spec).toEqual({ strategy: 'single', champion: promoted.challenger_version });
  });
});
