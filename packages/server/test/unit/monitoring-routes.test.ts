import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { createTestKey } from '../helpers/keys.js';

// The monitoring and alert endpoints on a real app (PGlite), with keys of each role.
let app: FastifyInstance;
let ctx: AppContext;
let predict: Record<string, string>;
let admin: Record<string, string>;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  ctx = await createAppContext({ config: loadConfig({ CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '0' }), db });
  app = await buildApp(ctx);
  predict = (await createTestKey(ctx, 'predict')).headers;
  admin = (await createTestKey(ctx, 'admin')).headers;
  // Version 7 served three customers in the last hours; two outcomes came back.
  const rows: [string, string, number, number][] = [
    ['00000000-0000-4000-8000-000000000001', 'x1', 0.9, 30],
    ['00000000-0000-4000-8000-000000000002', 'x2', 0.4, 20],
    ['00000000-0000-4000-8000-000000000003', 'x3', 0.7, 10],
  ];
  for (const [id, customer, p, ago] of rows)
    await db.query(
      `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features, created_at)
       VALUES ($1, $2, 7, $3, 'high', '{}', $4)`,
      [id, customer, p, minutesAgo(ago)],
    );
  await db.query(
    `INSERT INTO feedback (prediction_id, customer_id, churned, observed_at)
     VALUES ('00000000-0000-4000-8000-000000000001', 'x1', true, $1), (NULL, 'x2', true, $1)`,
    [minutesAgo(5)],
  );
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

const get = (url: string, headers = predict) => app.inject({ method: 'GET', url, headers });
const post = (url: string, headers = admin) => app.inject({ method: 'POST', url, headers });

describe('GET /v1/monitoring/performance', () => {
  it('reports realized beside estimated performance per version over the last 24 h', async () => {
    const res = await get('/v1/monitoring/performance');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.window).toBe('24h');
    expect(body.reports).toHaveLength(1);
    const [r] = body.reports;
    expect(r).toMatchObject({ model_version: 7, predictions: 3, labelled: 2, labelled_churned: 2 });
    // 0.9 churned (TP), 0.4 churned (FN): accuracy 1/2, precision 1, recall 1/2; one class → no AUC.
    expect(r.realized).toEqual({ accuracy: 0.5, precision: 1, recall: 0.5, roc_auc: null });
    // TP .9 + .7, FP .1 + .3, FN .4, TN .6 on raw probabilities.
    expect(r.estimated.accuracy).toBeCloseTo(2.2 / 3, 12);
    expect(r.calibration.method).toBe('none');
    const week = (await get('/v1/monitoring/performance?window=7d&version=7')).json();
    expect(week.window).toBe('7d');
    expect(week.reports[0].predictions).toBe(3);
  });

  it('takes an explicit [from, to)', async () => {
    const res = await get(`/v1/monitoring/performance?from=${minutesAgo(25)}&to=${minutesAgo(15)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      window: 'custom',
      reports: [{ model_version: 7, predictions: 1, labelled: 1 }],
    });
  });

  it.each([
    ['window=30d', '/querystring/window'],
    ['version=abc', '/querystring/version'],
    ['from=yesterday', '/querystring/from'],
    ['bogus=1', '/querystring/bogus'],
    [`from=${minutesAgo(5)}&to=${minutesAgo(10)}`, '/querystring/to'],
    [`window=7d&from=${minutesAgo(10)}`, '/querystring/window'],
    [`to=${minutesAgo(10)}`, '/querystring/from'],
    [`from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z`, '/querystring/from'],
  ])('refuses %s with a 400 naming %s', async (query, path) => {
    const res = await get(`/v1/monitoring/performance?${query}`);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('CHURN_ERR_VALIDATION');
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('needs an API key', async () => {
    expect((await get('/v1/monitoring/performance', {})).statusCode).toBe(401);
  });
});

describe('GET /v1/monitoring/performance/history', () => {
  it('returns the stored snapshots', async () => {
    await ctx.performance.job.runOnce();
    const res = await get('/v1/monitoring/performance/history?version=7&window=24h');
    expect(res.statusCode).toBe(200);
    const { snapshots } = res.json();
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({ model_version: 7, window: '24h', predictions: 3, labelled: 2 });
    expect(snapshots[0].realized.accuracy).toBe(0.5);
    expect((await get('/v1/monitoring/performance/history?limit=0')).statusCode).toBe(400);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('churn_model_accuracy{version="7",window="24h",kind="realized"} 0.5');
  });
});

describe('/v1/alerts', () => {
  it('lists, acknowledges and resolves alerts, by role', async () => {
    const { alert } = await ctx.alerts.raise({
      kind: 'drift',
      severity: 'high',
      dedup_key: 'routes:drift',
      title: 'Drift on total_orders',
      details: { psi: 0.4 },
    });
    const list = await get('/v1/alerts?status=open&severity=high');
    expect(list.statusCode).toBe(200);
    expect(list.json().alerts).toEqual([alert]);
    expect((await get('/v1/alerts?severity=urgent')).json().error.details[0].path).toBe(
      '/querystring/severity',
    );

    expect((await post(`/v1/alerts/${alert.id}/acknowledge`, predict)).statusCode).toBe(403);
    const ack = await post(`/v1/alerts/${alert.id}/acknowledge`);
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ id: alert.id, status: 'acknowledged' });
    expect((await get('/v1/alerts?status=open')).json().alerts).toEqual([]);
    expect((await post(`/v1/alerts/${alert.id}/resolve`)).json().status).toBe('resolved');
    const conflict = await post(`/v1/alerts/${alert.id}/acknowledge`);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('CHURN_ERR_CONFLICT');
    expect((await post('/v1/alerts/424242/resolve')).json().error.code).toBe('CHURN_ERR_NOT_FOUND');
    const bad = await post('/v1/alerts/abc/resolve');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('/params/id');
  });
});
