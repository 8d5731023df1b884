import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Needs the Redis started by scripts/services.sh (npm test does that and exports REDIS_URL).
const REDIS_URL = process.env.REDIS_URL;

describe('redis smoke', () => {
  let redis: Redis;
  const prefix = `smoke:${randomUUID()}:`;

  beforeAll(async () => {
    if (!REDIS_URL) {
      throw new Error(
        'REDIS_URL is not set: start the services with `scripts/services.sh up` and ' +
          '`eval "$(scripts/services.sh env)"`, or run the tests through `npm test` / scripts/test.sh',
      );
    }
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 10_000 });
    await redis.connect();
  });

  afterAll(async () => {
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('sets and gets a value', async () => {
    await redis.set(`${prefix}greeting`, 'hello', 'EX', 60);
    expect(await redis.get(`${prefix}greeting`)).toBe('hello');
    expect(await redis.ttl(`${prefix}greeting`)).toBeGreaterThan(0);
  });

  it('evaluates a Lua script atomically', async () => {
    // Increment a counter by ARGV[1] and return the new value together with the key's previous existence.
    const script = `
      local existed = redis.call('EXISTS', KEYS[1])
      local value = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
      return { existed, value }
    `;
    const key = `${prefix}counter`;
    expect(await redis.eval(script, 1, key, 5)).toEqual([0, 5]);
    expect(await redis.eval(script, 1, key, 7)).toEqual([1, 12]);
    expect(await redis.get(key)).toBe('12');
  });
});
