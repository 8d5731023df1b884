import { randomUUID } from 'node:crypto';
import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { type EventEnvelope, predictionScoredEvent } from '../../src/events/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { createTestKey } from '../helpers/keys.js';

// The drift and outlier monitors on the in-process bus and PGlite: predictions published as
// `prediction.scored` events, reports, outliers, alerts and events read back.

type Features = Record<string, number | string | null>;
let ctx: AppContext;
let app: FastifyInstance;
let predict: Record<string, string>;
let version: number;
const seen: Record<'drift' | 'outliers' | 'deadLetter', EventEnvelope[]> = {
  drift: [],
  outliers: [],
  deadLetter: [],
};

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const training = generateCustomers({ rows: 6000, seed: 3 });
  const model = await trainModel(training, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 30, threads: 1 },
  });
  const registry = new ModelRegistry(db);
  version = await registry.register(model);
  await registry.setAlias('champion', version);
  const config = loadConfig({
    CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '0',
    CHURN_DEMO_TRAFFIC: 'off',
    CHURN_DRIFT_WINDOW_ROWS: '2000',
    CHURN_DRIFT_CHECK_EVERY: '1000',
    CHURN_OUTLIER_WINDOW_ROWS: '200',
  });
  ctx = await createAppContext({ config, db });
  app = await buildApp(ctx);
  predict = (await createTestKey(ctx, 'predict')).headers;
  for (const topic of ['drift', 'outliers', 'deadLetter'] as const)
    ctx.events.bus.subscribe({
      group: `test-${topic}`,
      topics: [ctx.events.topics[topic]],
      handler: async (batch) => {
        seen[topic].push(...batch);
      },
    });
});

afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

/** Publish customers as served predictions (scored by the champion) and wait for every consumer. */
async function serve(rows: readonly Features[], modelVersion = version): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, features] of rows.entries()) {
    const predictionId = randomUUID();
    ids.push(predictionId);
    ctx.events.bus.publish(
      ctx.events.topics.predictions,
      predictionScoredEvent(
        {
          predictionId,
          customerId: `cus_${i}`,
          modelVersion,
          probability: 0.3,
          riskLevel: 'medium',
          features,
        },
        'test',
      ),
    );
  }
  await ctx.events.bus.flush();
  return ids;
}

const reports = async () => ctx.monitors.driftReports.list({ version, limit: 1000 });
const get = (url: string, headers = predict) => app.inject({ method: 'GET', url, headers });

describe('drift and outlier monitors', () => {
  it('checks every 1,000 rows and finds no drift in customers like the training ones', async () => {
    await serve(datasetRows(generateCustomers({ rows: 3000, seed: 101 })));
    const stored = await reports();
    expect(stored).toHaveLength(3);
    expect(stored.map((r) => r.rows).sort()).toEqual([1000, 2000, 2000]);
    for (const r of stored) {
      expect(r.window).toBe('count');
      expect(['none', 'low']).toContain(r.severity);
      expect(r.features).toHaveLength(21);
    }
    expect(seen.drift.filter((e) => e.type === 'drift.alert')).toHaveLength(0);
    expect(await ctx.alerts.list({ kind: 'drift' })).toHaveLength(0);
    // About 1 % of normal rows pass the Isolation Forest threshold: far below the 5 % alert rate.
    const outliers = await ctx.monitors.outliers.list({ version, limit: 1000 });
    expect(outliers.length).toBeLessThan(150);
    expect(await ctx.alerts.list({ kind: 'outlier' })).toHaveLength(0);
  });

  it('publishes, stores and alerts on planted outliers, each with its reasons', async () => {
    const normal = datasetRows(generateCustomers({ rows: 200, seed: 202 }));
    const planted = normal.slice(0, 40).map((r, i) => {
      if (i % 3 === 0) return { ...r, total_orders: -3 };
      if (i % 3 === 1) return { ...r, payment_method: 'bitcoin' };
      return { ...r, avg_order_value: 1e7 };
    });
    const ids = await serve([...normal.slice(40), ...planted]);
    const plantedIds = ids.slice(160);
    const events = seen.outliers.filter((e) => plantedIds.includes(e.payload.prediction_id as string));
    expect(events).toHaveLength(40);
    for (const e of events) {
      expect(e.type).toBe('outlier.detected');
      const i = plantedIds.indexOf(e.payload.prediction_id as string);
      const reasons = (e.payload.reasons as string[]).join('; ');
      if (i % 3 === 0) expect(reasons).toContain('total_orders = -3 outside [0,');
      else if (i % 3 === 1) expect(reasons).toContain("payment_method 'bitcoin' never seen");
      else expect(reasons).toContain('avg_order_value = 10000000');
    }
    const res = await get(`/v1/monitoring/outliers?version=${version}&limit=40`);
    expect(res.statusCode).toBe(200);
    const stored = res.json().outliers as { prediction_id: string; reasons: string[] }[];
    expect(stored).toHaveLength(40);
    expect(new Set(stored.map((o) => o.prediction_id))).toEqual(new Set(plantedIds));
    // The last 200 predictions hold at least 40 outliers: 20 % ≥ twice the 5 % rate → high.
    const [alert] = await ctx.alerts.list({ kind: 'outlier' });
    expect(alert).toMatchObject({ severity: 'high', dedup_key: `outlier:v${version}:rate` });
    expect(alert.details.rate as number).toBeGreaterThanOrEqual(0.2);
  });

  it('reports high drift naming the payment features, alerts and publishes drift.alert', async () => {
    const before = (await reports()).length;
    await serve(datasetRows(generateCustomers({ rows: 2000, seed: 303, drift: 'payment-shift' })));
    const stored = await reports();
    expect(stored.length).toBe(before + 2);
    const latest = stored[0];
    expect(latest.severity).toBe('high');
    const drifted = latest.features.filter((f) => f.drift).map((f) => f.name);
    expect(drifted).toEqual(expect.arrayContaining(['payment_method', 'failed_payment_count']));
    const alerts = await ctx.alerts.list({ kind: 'drift', severity: 'high' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0].dedup_key).toBe(`drift:v${version}:high`);
    const published = seen.drift.filter((e) => e.type === 'drift.alert');
    expect(published.length).toBeGreaterThanOrEqual(1);
    const last = published.at(-1)!;
    expect(last.key).toBe(String(version));
    expect(last.payload).toMatchObject({
      model_version: version,
      severity: 'high',
      window: 'count',
      rows: 2000,
      report_id: latest.id,
    });
    // Gain until the mean |SHAP| weights, computed on a worker thread, are ready.
    expect(['gain', 'mean_abs_shap']).toContain(last.payload.importance_source);
    const names = (last.payload.drifted_features as { name: string; importance: number }[]).map(
      (f) => f.name,
    );
    expect(names).toEqual(expect.arrayContaining(['payment_method', 'failed_payment_count']));
    const one = await get(`/v1/monitoring/drift/${latest.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: latest.id, severity: 'high', model_version: version });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`churn_drift_severity{version="${version}"} 3`);
    expect(metrics).toMatch(/churn_drift_checks_total\{version="\d+",window="count",severity="high"\} [1-9]/);
    expect(metrics).toMatch(/churn_drift_feature_p_value\{version="\d+",feature="payment_method"\} /);
  });

  it('dead-letters payloads it cannot use and keeps consuming', async () => {
    const before = (await reports()).length;
    const good = datasetRows(generateCustomers({ rows: 1000, seed: 404 }));
    const { total_orders: _, ...withoutOrders } = good[0];
    ctx.events.bus.publishRaw(ctx.events.topics.predictions, 'x', Buffer.from('{not json'));
    await serve([withoutOrders]);
    await serve([good[1]], 999);
    await serve([{ ...good[2], total_revenue: 'lots' }]);
    await serve(good);
    const letters = seen.deadLetter.map((e) => e.payload as { group: string; reason: string });
    for (const group of ['drift-monitor', 'outlier-monitor']) {
      const reasons = letters.filter((l) => l.group === group).map((l) => l.reason);
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^malformed JSON/),
          'rejected by the consumer: /payload/features/total_orders: is required',
          'rejected by the consumer: /payload/model_version: model version 999 is not registered',
          'rejected by the consumer: /payload/features/total_revenue: must be a finite number or null',
        ]),
      );
    }
    // The 1,000 good rows after the bad ones made one more check.
    expect((await reports()).length).toBe(before + 1);
  });

  it('sees a prediction served over HTTP', async () => {
    const checked = async () =>
      (await ctx.metrics.monitors.outliersScored.get()).values.find(
        (v) => v.labels.version === String(version),
      )?.value ?? 0;
    const before = await checked();
    const [features] = datasetRows(generateCustomers({ rows: 1, seed: 505 }));
    const res = await app.inject({
      method: 'POST',
      url: '/v1/predictions',
      headers: predict,
      payload: { customer_id: 'http_1', features: { ...features, payment_method: 'bitcoin' } },
    });
    expect(res.statusCode).toBe(200);
    await ctx.predictionLog.flush();
    expect(await checked()).toBe(before + 1);
    const [latest] = await ctx.monitors.outliers.list({ version, limit: 1 });
    expect(latest).toMatchObject({ prediction_id: res.json().prediction_id, customer_id: 'http_1' });
    expect(latest.reasons).toContain("payment_method 'bitcoin' never seen");
  });

  it('serves reports by role, with 400 and 404 for bad requests', async () => {
    const list = await get(`/v1/monitoring/drift?version=${version}&limit=2`);
    expect(list.statusCode).toBe(200);
    expect(list.json().reports).toHaveLength(2);
    // 3 checks of normal rows, 2 during the payment shift, 1 after the bad events.
    expect((await get('/v1/monitoring/drift')).json().reports).toHaveLength(6);
    const missing = await get('/v1/monitoring/drift/987654');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('CHURN_ERR_NOT_FOUND');
    for (const [url, path] of [
      ['/v1/monitoring/drift?limit=0', '/querystring/limit'],
      ['/v1/monitoring/outliers?version=x', '/querystring/version'],
      ['/v1/monitoring/drift/abc', '/params/id'],
    ]) {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await get('/v1/monitoring/drift', {})).statusCode).toBe(401);
  });
});
