import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, parseCsvText, trainModel } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import {
  canaryBucket,
  InProcessNotifier,
  ProbabilityScorer,
  RoutingService,
} from '../../src/routing/index.js';
import { Scorer } from '../../src/scoring/index.js';
import { createTestKey } from '../helpers/keys.js';

const customers = generateCustomers({ rows: 3000, seed: 31 });
const records = datasetRows(customers, 0, 400);
let app: FastifyInstance;
let ctx: AppContext;
let admin: Record<string, string>;
let reader: Record<string, string>;
let adminActor: string;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const registry = new ModelRegistry(db);
  const v1 = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 20, threads: 1 },
  });
  const v2 = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'random-forest',
    forest: { nTrees: 10, maxDepth: 8, threads: 1 },
  });
  await registry.register(v1);
  await registry.register(v2);
  await registry.setAlias('champion', 1);
  await registry.setAlias('challenger', 2);
  ctx = await createAppContext({ config: loadConfig({ CHURN_ROUTING_POLL_MS: '0' }), db });
  app = await buildApp(ctx);
  const a = await createTestKey(ctx, 'admin', 'routing-admin');
  admin = a.headers;
  adminActor = `key:${a.id} (routing-admin)`;
  reader = (await createTestKey(ctx, 'predict')).headers;
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

const put = (payload: object, headers = admin) =>
  app.inject({ method: 'PUT', url: '/v1/routing', payload, headers });
const post = (url: string, payload: object = {}, headers = admin) =>
  app.inject({ method: 'POST', url, payload, headers });
const predict = (i: number, id = `cus_${i}`) =>
  app.inject({
    method: 'POST',
    url: '/v1/predictions',
    payload: { customer_id: id, features: records[i] },
    headers: reader,
  });
const aliases = () => ctx.registry.aliases();

describe('routing API', () => {
  it('starts with the champion alone and shows the state to a predict key', async () => {
    const res = await app.inject({ url: '/v1/routing', headers: reader });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ generation: 0, strategy: 'single', champion: 1, shadow: null });
    const served = await predict(0);
    expect([served.json().model_version, served.headers['x-routing-generation']]).toEqual([1, '0']);
  });

  it('documents the routing and batch endpoints in the OpenAPI document', async () => {
    const doc = (await app.inject('/openapi.json')).json();
    const put = doc.paths['/v1/routing'].put.requestBody.content['application/json'].schema;
    expect(put.properties.strategy.enum).toEqual(['single', 'shadow', 'canary', 'blue_green']);
    expect(Object.keys(doc.paths['/v1/predictions/batch'].post.requestBody.content).sort()).toEqual([
      'application/json',
      'text/csv',
    ]);
    for (const path of ['/v1/routing/promote', '/v1/routing/rollback', '/v1/routing/history'])
      expect(doc.paths[path]).toBeDefined();
  });

  it('refuses changes without an admin key', async () => {
    expect((await put({ strategy: 'shadow' }, {})).statusCode).toBe(401);
    const res = await put({ strategy: 'shadow' }, reader);
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'CHURN_ERR_FORBIDDEN']);
  });

  it.each([
    ['a percentage over 100', { strategy: 'canary', percent: 150 }, '/percent'],
    ['a negative percentage', { strategy: 'canary', percent: -1 }, '/percent'],
    ['a canary without percentage', { strategy: 'canary' }, '/percent'],
    ['an unknown version', { strategy: 'shadow', challenger: 9 }, '/challenger'],
    ['a challenger equal to the champion', { strategy: 'shadow', champion: 2, challenger: 2 }, '/challenger'],
    ['an unknown strategy', { strategy: 'random' }, '/strategy'],
    ['a field the strategy does not use', { strategy: 'single', blue: 1 }, '/blue'],
    ['a non-integer version', { strategy: 'single', champion: 1.5 }, '/champion'],
    ['an unknown field', { strategy: 'single', weight: 3 }, '/weight'],
  ])('refuses %s with CHURN_ERR_VALIDATION and the field path', async (_name, payload, path) => {
    const res = await put(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('CHURN_ERR_VALIDATION');
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('shadows: v1 answers, v2 is compared off the response path, statistics and metrics follow', async () => {
    const res = await put({ strategy: 'shadow', reason: 'compare v2' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ generation: 1, strategy: 'shadow', champion: 1, challenger: 2 });
    const v1 = ctx.routing.snapshot?.strategy.primary;
    for (let i = 0; i < 100; i++) {
      const body = (await predict(i)).json();
      expect(body.model_version).toBe(1);
      expect(body.churn_probability).toBe(v1?.score(records[i]).probability);
    }
    await vi.waitFor(() => expect(ctx.routing.shadowQueue.size).toBe(0));
    const { shadow } = (await app.inject({ url: '/v1/routing', headers: reader })).json();
    expect(shadow).toMatchObject({ champion: 1, challenger: 2, count: 100 });
    expect(shadow.agreement_rate).toBeGreaterThan(0.3);
    expect(shadow.correlation).toBeGreaterThan(0.3);
    expect(shadow.mean_abs_difference).toBeGreaterThan(0);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/churn_shadow_agreement_ratio\{champion="1",challenger="2"\} 0\.\d+/);
    expect(metrics).toContain('churn_shadow_comparisons{champion="1",challenger="2"} 100');
    expect(metrics).toContain('churn_routing_state{strategy="shadow",champion="1",challenger="2"} 1');
    expect(metrics).toContain('churn_routing_generation 1');
    expect(metrics).toMatch(
      /churn_http_request_duration_seconds_bucket\{le="[\d.]+",route="\/v1\/predictions",method="POST",status="200",model_version="1"\}/,
    );
  });

  it("scores the shadow with a probability-only scorer identical to the full scorer's answer", async () => {
    const full = await ctx.registry.load(2).then((m) => new Scorer(m, 2));
    const lean = new ProbabilityScorer(full.model, 2);
    const odd = [
      { ...records[0], payment_method: 'crypto', email_open_rate: null },
      Object.fromEntries(CUSTOMER_SCHEMA.features.map((f) => [f.name, null])),
      ...records.slice(1, 200),
    ];
    for (const r of odd) {
      const s = full.score(r);
      expect(lean.probability(r)).toBe(s.probability);
      expect(lean.riskLevel(s.probability)).toBe(s.riskLevel);
    }
  });

  it('canaries a sticky share of customers by a hash of their id', async () => {
    const res = await put({ strategy: 'canary', percent: 40 });
    expect(res.json()).toMatchObject({ strategy: 'canary', percent: 40, champion: 1, challenger: 2 });
    let toV2 = 0;
    for (let i = 0; i < 200; i++) {
      const id = `canary_${i}`;
      const first = (await predict(i, id)).json().model_version;
      expect(first).toBe(canaryBucket(id) < 4000 ? 2 : 1);
      expect((await predict(i, id)).json().model_version).toBe(first);
      if (first === 2) toV2++;
    }
    expect(toV2).toBeGreaterThan(50);
    expect(toV2).toBeLessThan(110);
  });

  it('promotes after a health check in one swap, and audits who, from, to and why', async () => {
    await put({ strategy: 'shadow' });
    const res = await post('/v1/routing/promote', { reason: 'v2 wins' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ strategy: 'shadow', champion: 2, challenger: 1, reason: 'v2 wins' });
    expect(body.health_check.version).toBe(2);
    expect(body.health_check.rows).toBeGreaterThan(20);
    expect(await aliases()).toMatchObject({ champion: 2, challenger: 1 });
    expect((await predict(3)).json().model_version).toBe(2);
    const [audit] = await ctx.db.query<Record<string, unknown>>(
      'SELECT actor, action, before, after, reason FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    expect(audit).toMatchObject({ actor: adminActor, action: 'routing.promote', reason: 'v2 wins' });
    expect(audit.before).toMatchObject({ strategy: 'shadow', champion: 1, challenger: 2 });
    expect(audit.after).toMatchObject({
      strategy: 'shadow',
      champion: 2,
      challenger: 1,
      aliases: { champion: 2 },
    });
  });

  it('refuses to promote the version that already serves', async () => {
    const res = await post('/v1/routing/promote', { version: 2 });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'CHURN_ERR_CONFLICT']);
    const unknown = await post('/v1/routing/promote', { version: 42 });
    expect([unknown.statusCode, unknown.json().error.details[0].path]).toEqual([400, '/version']);
  });

  it('rolls back step by step, aliases included, until there is nothing left', async () => {
    const back = (await post('/v1/routing/rollback', { reason: 'v2 regressed' })).json();
    expect(back).toMatchObject({ strategy: 'shadow', champion: 1, challenger: 2 });
    expect(await aliases()).toMatchObject({ champion: 1, challenger: 2 });
    expect((await predict(3)).json().model_version).toBe(1);
    const history = (await app.inject({ url: '/v1/routing/history', headers: admin })).json().changes;
    expect(history[0]).toMatchObject({ action: 'rollback', actor: adminActor, reason: 'v2 regressed' });
    // Earlier states, newest first: canary, shadow, the implicit single champion.
    const strategies: string[] = [];
    for (;;) {
      const res = await post('/v1/routing/rollback');
      if (res.statusCode !== 200) {
        expect([res.statusCode, res.json().error.code]).toEqual([409, 'CHURN_ERR_CONFLICT']);
        break;
      }
      strategies.push(res.json().strategy);
    }
    expect(strategies).toEqual(['canary', 'shadow', 'single']);
    expect(ctx.routing.snapshot?.spec).toEqual({ strategy: 'single', champion: 1 });
  });

  it('switches blue-green instantly between two warm versions', async () => {
    await put({ strategy: 'blue_green', blue: 1, green: 2 });
    expect((await predict(5)).json().model_version).toBe(1);
    const t0 = performance.now();
    const res = await put({ strategy: 'blue_green', blue: 1, green: 2, active: 'green' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(res.json()).toMatchObject({ active: 'green', serving: 2, candidate: 1 });
    expect((await predict(5)).json().model_version).toBe(2);
    expect(await aliases()).toMatchObject({ champion: 2, challenger: 1 });
    // Flipping the color alone keeps each color's version.
    const back = (await put({ strategy: 'blue_green', active: 'blue' })).json();
    expect(back).toMatchObject({ blue: 1, green: 2, active: 'blue', serving: 1 });
    expect((await put({ strategy: 'blue_green', active: 'green' })).json()).toMatchObject({
      blue: 1,
      serving: 2,
    });
    // Promote on blue-green: the standby takes over.
    const promoted = (
      await app.inject({ method: 'POST', url: '/v1/routing/promote', headers: admin })
    ).json();
    expect(promoted).toMatchObject({ strategy: 'blue_green', active: 'blue', serving: 1 });
  });
});

describe('a second router on the same database', () => {
  it('picks a change up by its safety-net poll alone, and never goes back a generation', async () => {
    const other = new RoutingService({
      db: ctx.db,
      registry: ctx.registry,
      notifier: new InProcessNotifier(),
      pollMs: 50,
    });
    await other.start();
    try {
      expect(other.snapshot?.generation).toBe(ctx.routing.snapshot?.generation);
      const t0 = performance.now();
      const changed = (await put({ strategy: 'canary', champion: 2, challenger: 1, percent: 5 })).json();
      await vi.waitFor(() => expect(other.snapshot?.generation).toBe(changed.generation), { timeout: 1_000 });
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(other.snapshot?.spec).toEqual({ strategy: 'canary', champion: 2, challenger: 1, percent: 5 });
      await other.refresh();
      expect(other.snapshot?.generation).toBe(changed.generation);
    } finally {
      await other.close();
    }
  });
});

describe('POST /v1/predictions/batch', () => {
  const batch = (payload: string | object, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/predictions/batch',
      payload,
      headers: { ...reader, ...headers },
    });

  it('scores JSON rows in order, routed like single predictions, with per-row errors', async () => {
    await put({ strategy: 'canary', champion: 1, challenger: 2, percent: 50 });
    const rows = records.slice(0, 30).map((features, i) => ({ customer_id: `b_${i}`, features }));
    rows[7] = { customer_id: 'b_7', features: { ...records[7], total_orders: -3 } };
    const { features: _f, ...noFeatures } = rows[9];
    (rows as unknown[])[9] = noFeatures;
    const res = await batch({ customers: rows });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json();
    expect([body.count, body.scored, body.failed]).toEqual([30, 28, 2]);
    expect(body.results.map((r: { index: number }) => r.index)).toEqual([...Array(30).keys()]);
    expect(body.results[7].error.details).toEqual([
      { path: '/customers/7/features/total_orders', message: 'must be >= 0' },
    ]);
    expect(body.results[9].error.details).toEqual([
      { path: '/customers/9/features', message: 'is required' },
    ]);
    for (const i of [0, 1, 2, 3, 4, 12]) {
      const single = (await predict(i, `b_${i}`)).json();
      expect(body.results[i]).toMatchObject({
        customer_id: `b_${i}`,
        churn_probability: single.churn_probability,
        model_version: single.model_version,
        risk_level: single.risk_level,
      });
    }
  });

  it('reads CSV and answers CSV when asked', async () => {
    const names = CUSTOMER_SCHEMA.features.map((f) => f.name);
    const lines = [
      ['customer_id', ...names, 'churned'].join(','),
      ...records.slice(0, 5).map((r, i) => [`csv_${i}`, ...names.map((n) => r[n] ?? ''), '0'].join(',')),
    ];
    lines[3] = lines[3].replace(/^csv_2,\d+/, 'csv_2,abc');
    const res = await batch(`${lines.join('\n')}\n`, { 'content-type': 'text/csv', accept: 'text/csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const [head, ...out] = parseCsvText(res.body).map((r) => r.fields);
    expect(head).toEqual([
      'index',
      'customer_id',
      'prediction_id',
      'churn_probability',
      'risk_level',
      'model_version',
      'recommendations',
      'error',
    ]);
    expect(out).toHaveLength(5);
    expect(out[2]).toEqual([
      '2',
      'csv_2',
      '',
      '',
      '',
      '',
      '',
      'line 4, column "customer_age_days" "abc" is not a number',
    ]);
    const first = out[0];
    expect(first[2]).toMatch(/^[0-9a-f-]{36}$/);
    const single = (await predict(0, 'csv_0')).json();
    expect(Number(first[3])).toBe(single.churn_probability);
    expect(Number(first[5])).toBe(single.model_version);
  });

  it('scores the full 10,000 customers of a maximal batch', async () => {
    const customers = Array.from({ length: 10_000 }, (_, i) => ({
      customer_id: `max_${i}`,
      features: records[i % records.length],
    }));
    const t0 = performance.now();
    const res = await batch({ customers });
    const seconds = (performance.now() - t0) / 1000;
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect([body.count, body.scored, body.failed, body.results.length]).toEqual([10_000, 10_000, 0, 10_000]);
    expect(body.results[9_999]).toMatchObject({ index: 9_999, customer_id: 'max_9999' });
    console.log(`10,000-customer JSON batch answered in ${seconds.toFixed(2)} s`);
  });

  it('refuses more than 10,000 customers, a CSV without the schema columns and broken CSV', async () => {
    const one = { customer_id: 'x', features: records[0] };
    const big = await batch({ customers: Array.from({ length: 10_001 }, () => one) });
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'CHURN_ERR_PAYLOAD_TOO_LARGE']);
    const header = `customer_id,${CUSTOMER_SCHEMA.features.map((f) => f.name).join(',')}`;
    const row = `x,${CUSTOMER_SCHEMA.features.map((f) => records[0][f.name] ?? '').join(',')}`;
    const bigCsv = await batch([header, ...Array(10_001).fill(row)].join('\n'), {
      'content-type': 'text/csv',
    });
    expect([bigCsv.statusCode, bigCsv.json().error.code]).toEqual([413, 'CHURN_ERR_PAYLOAD_TOO_LARGE']);
    const noCol = await batch('customer_id,total_orders\nx,3\n', { 'content-type': 'text/csv' });
    expect([noCol.statusCode, noCol.json().error.code]).toEqual([400, 'CHURN_ERR_BAD_DATA']);
    expect(noCol.json().error.details[0]).toEqual({
      path: 'line 1, column "customer_age_days"',
      message: 'is missing from the header',
    });
    const ragged = await batch(`${header}\n${row}\nx,1\n`, { 'content-type': 'text/csv' });
    expect([ragged.statusCode, ragged.json().error.code]).toEqual([400, 'CHURN_ERR_BAD_DATA']);
    expect(ragged.json().error.details[0].path).toBe('line 3');
    const empty = await batch({ customers: [] });
    expect([empty.statusCode, empty.json().error.details[0].path]).toEqual([400, '/customers']);
  });
});
