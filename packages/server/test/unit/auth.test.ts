import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { hashApiKey, verifyApiKey } from '../../src/auth/api-key.js';
import { ApiKeyStore, Authenticator } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { MemoryRateLimiter, type RateLimiter } from '../../src/ratelimit/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { createTestKey } from '../helpers/keys.js';

// The API's keys, roles and rate limits on real routes: PGlite and a memory limiter whose clock
// the tests move by hand.
const customers = generateCustomers({ rows: 1500, seed: 5 });
const features = datasetRows(customers, 0, 1)[0];
const clock = { now: 1_700_000_000_000 };
let app: FastifyInstance;
let ctx: AppContext;
let predict: Awaited<ReturnType<typeof createTestKey>>;
let admin: Awaited<ReturnType<typeof createTestKey>>;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const registry = new ModelRegistry(db);
  const model = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 10, threads: 1 },
  });
  await registry.setAlias('champion', await registry.register(model));
  const config = loadConfig({ CHURN_RATE_LIMIT_RPS: '1000' });
  ctx = await createAppContext({
    config,
    db,
    rateLimiter: new MemoryRateLimiter({ ratePerSecond: 1000, burst: 2000 }, () => clock.now),
  });
  app = await buildApp(ctx);
  // Two routes as another module would add them: one declaring nothing, one declared public.
  app.get('/v1/undeclared', async () => ({ ok: true }));
  app.get('/v1/opened', { config: { role: 'public' } }, async () => ({ ok: true }));
  [predict, admin] = [await createTestKey(ctx, 'predict'), await createTestKey(ctx, 'admin')];
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

type Who = 'none' | 'predict' | 'admin';
const headersOf = (who: Who): Record<string, string> =>
  who === 'none' ? {} : who === 'predict' ? predict.headers : admin.headers;

const ROUTES: [string, string, () => object | undefined][] = [
  ['POST', '/v1/predictions', () => ({ customer_id: 'c1', features })],
  ['POST', '/v1/feedback', () => ({ customer_id: 'c1', churned: false })],
  ['GET', '/v1/models', () => undefined],
  ['GET', '/v1/models/1', () => undefined],
  ['GET', '/v1/schema', () => undefined],
  ['GET', '/v1/keys', () => undefined],
  ['POST', '/v1/keys', () => ({ name: 'matrix', role: 'predict' })],
];
const NEEDS: Record<string, 'predict' | 'admin'> = {
  '/v1/predictions': 'predict',
  '/v1/feedback': 'predict',
  '/v1/models': 'predict',
  '/v1/models/1': 'predict',
  '/v1/schema': 'predict',
  '/v1/keys': 'admin',
};

describe('roles', () => {
  it.each(
    ROUTES.flatMap(([method, url, body]) =>
      (['none', 'predict', 'admin'] as Who[]).map((who) => [method, url, who, body] as const),
    ),
  )('%s %s with %s key', async (method, url, who, body) => {
    const res = await app.inject({ method: method as 'GET', url, headers: headersOf(who), payload: body() });
    const needed = NEEDS[url];
    const expected =
      who === 'none'
        ? 401
        : who === 'predict' && needed === 'admin'
          ? 403
          : method === 'POST' && url !== '/v1/predictions'
            ? 201
            : 200;
    expect(res.statusCode, res.body).toBe(expected);
    if (expected === 401) {
      expect(res.json().error.code).toBe('CHURN_ERR_UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    if (expected === 403) {
      expect(res.json().error.code).toBe('CHURN_ERR_FORBIDDEN');
      expect(res.json().error.message).toContain('admin role');
    }
  });

  it('leaves the service routes open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/']) {
      expect((await app.inject(url)).statusCode, url).toBe(200);
    }
    expect((await app.inject('/v1/nothing')).statusCode).toBe(404);
  });

  it('closes a route that declares no role to all but admin keys, and opens a public one', async () => {
    expect((await app.inject('/v1/undeclared')).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/undeclared', headers: predict.headers })).statusCode).toBe(403);
    expect((await app.inject({ url: '/v1/undeclared', headers: admin.headers })).statusCode).toBe(200);
    expect((await app.inject('/v1/opened')).statusCode).toBe(200);
  });

  it('declares both security schemes in the OpenAPI document, on protected routes only', async () => {
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKeyHeader: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    expect(doc.paths['/v1/predictions'].post.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths['/v1/keys'].post.description).toContain('admin role');
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
  });
});

describe('API keys on requests', () => {
  const models = (headers: Record<string, string>) => app.inject({ url: '/v1/models', headers });

  it('accepts Authorization: Bearer (any case) and X-API-Key', async () => {
    expect((await models({ authorization: `Bearer ${predict.key}` })).statusCode).toBe(200);
    expect((await models({ authorization: `bearer ${predict.key}` })).statusCode).toBe(200);
    expect((await models({ 'x-api-key': predict.key })).statusCode).toBe(200);
    expect(
      (await models({ 'x-api-key': predict.key, authorization: `Bearer ${predict.key}` })).statusCode,
    ).toBe(200);
  });

  it.each([
    ['an empty bearer', () => ({ authorization: 'Bearer ' })],
    ['another scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['a key of the wrong form', () => ({ authorization: 'Bearer not-a-key-at-all-0123456789' })],
    ['an unknown key', () => ({ authorization: `Bearer ck_0123456789abcdef_${'A'.repeat(43)}` })],
    ['a known id with a wrong secret', () => ({ 'x-api-key': `ck_${predict.id}_${'B'.repeat(43)}` })],
    ['two different keys', () => ({ authorization: `Bearer ${predict.key}`, 'x-api-key': admin.key })],
  ])('refuses %s with 401', async (_name, headers: () => Record<string, string>) => {
    const h = headers();
    const res = await models(h);
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'CHURN_ERR_UNAUTHENTICATED']);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="churn"');
    expect(res.body).not.toContain(predict.key);
  });

  it('creates, lists and revokes keys through the API: revocation is immediate, all audited', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: admin.headers,
      payload: { name: 'partner', role: 'predict' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key, role, name } = created.json();
    expect([role, name]).toEqual(['predict', 'partner']);
    expect(key).toMatch(/^ck_[a-z0-9]+_[\w-]+$/);
    const use = () => app.inject({ url: '/v1/schema', headers: { 'x-api-key': key } });
    expect((await use()).statusCode).toBe(200);

    const list = await app.inject({ url: '/v1/keys', headers: admin.headers });
    const listed = list.json().keys.find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({
      id,
      name: 'partner',
      role: 'predict',
      revoked_at: null,
      created_by: `key:${admin.id} (test-admin)`,
    });
    expect(list.body).not.toContain(key.slice(-20));
    expect(list.body).not.toMatch(/"(hash|salt|key)"/);

    const revoked = await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: admin.headers });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();
    expect((await use()).statusCode).toBe(401);

    const again = await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: admin.headers });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'CHURN_ERR_CONFLICT']);
    const unknown = await app.inject({
      method: 'DELETE',
      url: '/v1/keys/ffffffffffffffff',
      headers: admin.headers,
    });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'CHURN_ERR_NOT_FOUND']);

    const audit = await ctx.db.query<{ actor: string; action: string }>(
      "SELECT actor, action FROM audit_log WHERE after->>'id' = $1 ORDER BY id",
      [id],
    );
    const actor = `key:${admin.id} (test-admin)`;
    expect(audit).toEqual([
      { actor, action: 'api_key.create' },
      { actor, action: 'api_key.revoke' },
    ]);
  });

  it('refuses bad key requests with CHURN_ERR_VALIDATION and the field path', async () => {
    const post = (payload: object) =>
      app.inject({ method: 'POST', url: '/v1/keys', headers: admin.headers, payload });
    const bad = await post({ name: 'x', role: 'root' });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'CHURN_ERR_VALIDATION']);
    expect(bad.json().error.details[0].path).toBe('/role');
    expect((await post({ role: 'admin' })).json().error.details).toContainEqual({
      path: '/name',
      message: 'is required',
    });
    expect(
      (await post({ name: 'x', role: 'admin', rate_limit: { rps: 0, burst: 1 } })).json().error.details[0]
        .path,
    ).toBe('/rate_limit/rps');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and RateLimit-* headers, then lets the key through after the refill', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: admin.headers,
      payload: { name: 'slow', role: 'predict', rate_limit: { rps: 1, burst: 3 } },
    });
    const key = created.json().key as string;
    const call = () => app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${key}` } });
    for (const remaining of ['2', '1', '0']) {
      const ok = await call();
      expect(ok.statusCode).toBe(200);
      expect([ok.headers['ratelimit-limit'], ok.headers['ratelimit-remaining']]).toEqual(['3', remaining]);
    }
    const refused = await call();
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'CHURN_ERR_RATE_LIMITED']);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['ratelimit-reset']).toBe('3');
    // Other keys have their own buckets.
    expect((await app.inject({ url: '/v1/models', headers: predict.headers })).statusCode).toBe(200);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/churn_rate_limit_rejections_total\{role="predict"\} 1/);
    clock.now += 1_000;
    const back = await call();
    expect([back.statusCode, back.headers['ratelimit-remaining']]).toEqual([200, '0']);
    expect((await call()).statusCode).toBe(429);
  });

  it('fails open when the limiter fails: the request passes and the failure is counted', async () => {
    const broken: RateLimiter = {
      kind: 'redis',
      take: async () => {
        throw new Error('connection refused');
      },
      close: async () => {},
    };
    const other = await createAppContext({ config: ctx.config, db: ctx.db, rateLimiter: broken });
    const otherApp = await buildApp(other);
    try {
      const res = await otherApp.inject({ url: '/v1/models', headers: predict.headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
      expect((await otherApp.inject('/metrics')).body).toMatch(/churn_rate_limit_failures_total 1/);
    } finally {
      await otherApp.close();
    }
  });
});

describe('Authenticator', () => {
  it('verifies a key once, re-reads its row after the TTL, and sees a revocation made elsewhere then', async () => {
    let now = 0;
    const store = new ApiKeyStore(ctx.db);
    let finds = 0;
    const counting = Object.assign(Object.create(store), {
      find: (id: string) => {
        finds++;
        return store.find(id);
      },
    }) as ApiKeyStore;
    const auth = new Authenticator(counting, { ttlMs: 5_000, now: () => now });
    const { record, key } = await store.create({ name: 'cached', role: 'predict', createdBy: 't' });
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(key)));
    expect(results.every((p) => p?.id === record.id)).toBe(true);
    for (let i = 0; i < 100; i++) await auth.authenticate(key);
    expect(finds).toBe(1);
    // Revoked by another process: still trusted here until the TTL has passed.
    await ctx.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [record.id]);
    now += 4_999;
    expect(await auth.authenticate(key)).not.toBeNull();
    now += 1;
    expect(await auth.authenticate(key)).toBeNull();
    expect(finds).toBe(2);
    // Refusals are cached too: no lookup per wrong key.
    expect(await auth.authenticate(key)).toBeNull();
    expect(finds).toBe(2);
    expect((await store.find(record.id))?.lastUsedAt).not.toBeNull();
  });

  it('verifies many keys at once through its queue, each with the right answer', async () => {
    const { salt, hash } = await hashApiKey(predict.key);
    const wrong = `ck_${predict.id}_${'C'.repeat(43)}`;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => verifyApiKey(i % 2 ? wrong : predict.key, salt, hash)),
    );
    expect(results).toEqual([true, false, true, false, true, false, true]);
  });

  it('issues in-process keys that work on the app but are never stored', async () => {
    const key = ctx.auth.issueInternalKey('demo-traffic', 'predict');
    expect((await app.inject({ url: '/v1/models', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/keys', headers: { 'x-api-key': key } })).statusCode).toBe(403);
    const id = /^ck_([a-z0-9]+)_/.exec(key)?.[1];
    expect(await ctx.apiKeys.find(id as string)).toBeNull();
  });
});
