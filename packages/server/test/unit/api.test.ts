import {
  CUSTOMER_SCHEMA,
  datasetRows,
  generateCustomers,
  predictDataset,
  takeRows,
  trainModel,
} from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { createTestKey } from '../helpers/keys.js';

const customers = generateCustomers({ rows: 3000, seed: 21 });
const records = datasetRows(customers, 0, 20);
let app: FastifyInstance;
let ctx: AppContext;
/** A predict-role key: every /v1 route here needs one (the auth tests cover refusals). */
let auth: Record<string, string>;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const registry = new ModelRegistry(db);
  const model = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 20, threads: 1 },
  });
  const version = await registry.register(model);
  await registry.setAlias('champion', version);
  ctx = await createAppContext({ config: loadConfig({}), db });
  app = await buildApp(ctx);
  auth = (await createTestKey(ctx, 'predict')).headers;
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

const predict = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/v1/predictions',
    payload: body as object,
    headers: { ...auth, ...headers },
  });

describe('POST /v1/predictions', () => {
  it('scores a customer like the model does and logs the prediction', async () => {
    const res = await predict({ customer_id: 'cus_1', features: records[0] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const expected = predictDataset(ctx.scorer!.model, takeRows(customers, [0]))[0];
    expect(body.churn_probability).toBe(expected);
    expect(body).toMatchObject({ customer_id: 'cus_1', model_version: 1 });
    expect(['low', 'medium', 'high']).toContain(body.risk_level);
    expect(body.prediction_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.recommendations.length).toBeGreaterThan(0);
    await ctx.predictionLog.flush();
    const rows = await ctx.db.query<{ customer_id: string }>(
      'SELECT customer_id FROM predictions WHERE prediction_id = $1',
      [body.prediction_id],
    );
    expect(rows).toEqual([{ customer_id: 'cus_1' }]);
  });

  it('explains on request: SHAP values adding up to the output, reasons and reason-driven actions', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/predictions?explain=true',
      headers: auth,
      payload: { customer_id: 'cus_ex', features: { ...records[5], failed_payment_count: 3 } },
    });
    expect(res.statusCode).toBe(200);
    const { explanation, churn_probability, recommendations } = res.json();
    expect(explanation.output_space).toBe('log-odds');
    const values = Object.values(explanation.values) as number[];
    expect(values).toHaveLength(21);
    const margin = explanation.base_value + values.reduce((a, b) => a + b, 0);
    expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(churn_probability, 9);
    const pv = Object.values(explanation.probability_values) as number[];
    expect(1 / (1 + Math.exp(-explanation.base_value)) + pv.reduce((a, b) => a + b, 0)).toBeCloseTo(
      churn_probability,
      9,
    );
    expect(explanation.reasons.raising.length).toBeGreaterThan(0);
    for (const r of explanation.reasons.raising) expect(r.contribution).toBeGreaterThan(0);
    expect(typeof explanation.reasons.raising[0].text).toBe('string');
    expect(recommendations.length).toBeGreaterThan(0);
    const plain = (await predict({ customer_id: 'cus_ex', features: records[5] })).json();
    expect(plain.explanation).toBeUndefined();
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/predictions?explain=yes',
      headers: auth,
      payload: { customer_id: 'c', features: records[5] },
    });
    expect([bad.statusCode, bad.json().error.details[0].path]).toEqual([400, '/querystring/explain']);
  });

  it('explains concurrent requests each on its own row (explanations run on a worker thread)', async () => {
    const answers = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        app.inject({
          method: 'POST',
          url: '/v1/predictions?explain=true',
          headers: auth,
          payload: { customer_id: `cus_c${i}`, features: records[10 + i] },
        }),
      ),
    );
    const probabilities = new Set<number>();
    for (const res of answers) {
      expect(res.statusCode).toBe(200);
      const { explanation, churn_probability } = res.json();
      const values = Object.values(explanation.values) as number[];
      const margin = explanation.base_value + values.reduce((a, b) => a + b, 0);
      expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(churn_probability, 9);
      probabilities.add(churn_probability);
    }
    expect(probabilities.size).toBe(4);
  });

  it('scores an unknown category and a null value, and flags them', async () => {
    const res = await predict({
      customer_id: 'cus_2',
      features: { ...records[1], payment_method: 'crypto', email_open_rate: null },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().flags).toEqual({
      unseen_categories: ['payment_method'],
      missing_features: ['email_open_rate'],
    });
  });

  it.each([
    ['a wrong type', { total_orders: 'many' }, '/features/total_orders'],
    ['an out-of-range value', { email_open_rate: 1.5 }, '/features/email_open_rate'],
    ['a negative count', { total_orders: -1 }, '/features/total_orders'],
    ['an extra field', { favourite_colour: 'blue' }, '/features/favourite_colour'],
  ])('refuses %s with CHURN_ERR_VALIDATION and the field path', async (_name, patch, path) => {
    const res = await predict({ customer_id: 'c', features: { ...records[2], ...patch } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('CHURN_ERR_VALIDATION');
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses a missing field, naming it', async () => {
    const { total_orders: _dropped, ...rest } = records[3];
    const res = await predict({ customer_id: 'c', features: rest });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toContainEqual({
      path: '/features/total_orders',
      message: 'is required',
    });
  });

  it('refuses malformed JSON, a missing body field and an oversized body with 4xx codes', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/predictions',
      payload: '{"customer_id": ',
      headers: { ...auth, 'content-type': 'application/json' },
    });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'CHURN_ERR_VALIDATION']);
    const noId = await predict({ features: records[0] });
    expect(noId.json().error.details).toContainEqual({ path: '/customer_id', message: 'is required' });
    const big = await predict({ customer_id: 'x'.repeat(2_000_000), features: records[0] });
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'CHURN_ERR_PAYLOAD_TOO_LARGE']);
    const xml = await app.inject({
      method: 'POST',
      url: '/v1/predictions',
      payload: '<customer/>',
      headers: { ...auth, 'content-type': 'application/xml' },
    });
    expect([xml.statusCode, xml.json().error.code]).toEqual([415, 'CHURN_ERR_UNSUPPORTED_MEDIA_TYPE']);
  });
});

describe('POST /v1/feedback', () => {
  it('records an outcome for a prediction just served, and for a customer', async () => {
    const served = (await predict({ customer_id: 'cus_fb', features: records[4] })).json();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: auth,
      payload: { prediction_id: served.prediction_id, churned: true },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      customer_id: 'cus_fb',
      churned: true,
      prediction_id: served.prediction_id,
    });
    const byCustomer = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: auth,
      payload: { customer_id: 'cus_x', churned: false },
    });
    expect(byCustomer.statusCode).toBe(201);
    const rows = await ctx.db.query<{ customer_id: string; churned: boolean }>(
      'SELECT customer_id, churned FROM feedback ORDER BY id',
    );
    expect(rows).toEqual([
      { customer_id: 'cus_fb', churned: true },
      { customer_id: 'cus_x', churned: false },
    ]);
  });

  it.each([
    ['no identifier', { churned: true }, 400, 'CHURN_ERR_VALIDATION'],
    ['a non-boolean outcome', { customer_id: 'c', churned: 'yes' }, 400, 'CHURN_ERR_VALIDATION'],
    [
      'an unknown prediction',
      { prediction_id: '00000000-0000-4000-8000-000000000000', churned: true },
      404,
      'CHURN_ERR_NOT_FOUND',
    ],
  ])('refuses %s', async (_name, payload, status, code) => {
    const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload, headers: auth });
    expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
  });
});

describe('service endpoints', () => {
  it('answers health and readiness', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ database: 'ok (pglite)', model: 'v1 loaded' });
  });

  it('documents the API from the validating schemas', async () => {
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    const body = doc.paths['/v1/predictions'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties.features.properties)).toEqual(
      CUSTOMER_SCHEMA.features.map((f) => f.name),
    );
    expect((await app.inject('/docs/')).statusCode).toBe(200);
  });

  it('lists models with lineage and aliases', async () => {
    const { models } = (await app.inject({ url: '/v1/models', headers: auth })).json();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ version: 1, algorithm: 'gradient-boosting', aliases: ['champion'] });
    const one = (await app.inject({ url: '/v1/models/1', headers: auth })).json();
    expect(one).toMatchObject({ version: 1 });
    expect((await app.inject({ url: '/v1/models/7', headers: auth })).json().error.code).toBe(
      'CHURN_ERR_NOT_FOUND',
    );
    expect((await app.inject({ url: '/v1/models/abc', headers: auth })).json().error.details[0].path).toBe(
      '/params/version',
    );
    expect((await app.inject({ url: '/v1/models/abc', headers: auth })).json().error.details[0].path).toBe(
      '/params/version',
    );
  });

  it('exposes Prometheus metrics', async () => {
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/churn_predictions_total\{risk_level="\w+",model_version="1"\} \d+/);
    expect(text).toContain('churn_http_request_duration_seconds_bucket');
  });

  it('answers unknown routes with CHURN_ERR_NOT_FOUND', async () => {
    const res = await app.inject('/v2/nothing');
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'CHURN_ERR_NOT_FOUND']);
  });
});
