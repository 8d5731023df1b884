import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { type RateLimiter, RedisRateLimiter } from '../../src/ratelimit/index.js';
import { rateLimiterContract } from '../contracts/rate-limiter.contract.js';
import { createTestKey } from '../helpers/keys.js';

const url = process.env.REDIS_URL;
if (!url)
  throw new Error('REDIS_URL is not set: run the integration tests through `npm test` (scripts/test.sh)');
const REDIS_URL: string = url;

// Every bucket of this file lives under its own prefix, removed at the end.
const prefix = `test:ratelimit:${randomUUID()}:`;
const opened: RateLimiter[] = [];
const open = async (options: Parameters<typeof RedisRateLimiter.connect>[1]) => {
  const limiter = await RedisRateLimiter.connect(REDIS_URL, { prefix, ...options });
  opened.push(limiter);
  return limiter;
};

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  for (const l of opened) await l.close();
});

rateLimiterContract('Redis (passed clock)', (defaults, clock) => open({ defaults, now: clock }));

describe('RedisRateLimiter', () => {
  const policy = { ratePerSecond: 1, burst: 3 };

  it('shares one bucket between instances, on Redis TIME', async () => {
    const [a, b] = [await open({ defaults: policy }), await open({ defaults: policy })];
    const k = `shared-${randomUUID()}`;
    const decisions = await Promise.all([a.take(k), b.take(k), a.take(k), b.take(k), a.take(k), b.take(k)]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    expect((await b.take(k)).remaining).toBe(0);
  });

  it('refills by Redis TIME, and the bucket expires once it would be full', async () => {
    const limiter = await open({ defaults: { ratePerSecond: 20, burst: 2 } });
    const k = `time-${randomUUID()}`;
    expect((await limiter.take(k, 2)).allowed).toBe(true);
    expect((await limiter.take(k)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 120)); // 2.4 tokens at 20/s, capped at 2
    expect(await limiter.take(k)).toMatchObject({ allowed: true, remaining: 1 });
    const redis = new Redis(REDIS_URL);
    const ttl = await redis.pttl(`${prefix}${k}`);
    redis.disconnect();
    // One token short at 20/s: full in 50 ms, kept 1 s longer.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_050);
  });

  it('fails fast, not hangs, when Redis is unreachable', async () => {
    const errors: Error[] = [];
    const limiter = await RedisRateLimiter.connect('redis://127.0.0.1:1', {
      defaults: policy,
      onError: (e) => errors.push(e),
    });
    opened.push(limiter);
    const t0 = performance.now();
    await expect(limiter.take('k')).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('lets requests through unlimited (fail open) when the configured Redis is down', async () => {
    const db = await openPglite();
    await migrate(db);
    const ctx = await createAppContext({ config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), db });
    const app = await buildApp(ctx);
    try {
      expect(ctx.rateLimiter.kind).toBe('redis');
      const admin = await createTestKey(ctx, 'admin');
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ url: '/v1/keys', headers: admin.headers });
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
      expect((await app.inject('/metrics')).body).toMatch(/churn_rate_limit_failures_total 3/);
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });
});
