import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketPolicy, RateLimiter } from '../../src/ratelimit/index.js';

/** A clock the suite moves by hand, in milliseconds. */
export interface TestClock {
  now: number;
}

/**
 * The one suite every RateLimiter (memory, Redis) passes. `open` builds a limiter on the given
 * default policy whose time is `clock.now`, so that refills need no sleeping.
 */
export function rateLimiterContract(
  name: string,
  open: (defaults: BucketPolicy, clock: () => number) => Promise<RateLimiter>,
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const clock: TestClock = { now: 1_700_000_000_000 };
    const policy: BucketPolicy = { ratePerSecond: 2, burst: 5 };
    let limiter: RateLimiter;
    // Unique bucket names: a shared store (Redis) may hold buckets of earlier runs.
    const key = (label: string) => `${label}-${randomUUID()}`;
    beforeAll(async () => {
      limiter = await open(policy, () => clock.now);
    });
    afterAll(async () => limiter?.close());

    it('starts full, counts down the burst, then refuses with Retry-After', async () => {
      const k = key('burst');
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push(await limiter.take(k));
      expect(seen.map((d) => [d.allowed, d.remaining, d.limit, d.retryAfterSeconds])).toEqual([
        [true, 4, 5, 0],
        [true, 3, 5, 0],
        [true, 2, 5, 0],
        [true, 1, 5, 0],
        [true, 0, 5, 0],
      ]);
      // Five tokens missing at two per second: full again in 3 s.
      expect(seen[4].resetSeconds).toBe(3);
      const refused = await limiter.take(k);
      expect(refused).toEqual({
        allowed: false,
        limit: 5,
        remaining: 0,
        resetSeconds: 3,
        retryAfterSeconds: 1,
      });
    });

    it('refills at the rate, never above the burst, and a refusal takes nothing', async () => {
      const k = key('refill');
      for (let i = 0; i < 5; i++) await limiter.take(k);
      expect((await limiter.take(k)).allowed).toBe(false);
      clock.now += 500; // one token
      expect(await limiter.take(k)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.take(k)).allowed).toBe(false);
      clock.now += 1_000; // two tokens
      expect((await limiter.take(k)).allowed).toBe(true);
      expect((await limiter.take(k)).allowed).toBe(true);
      expect((await limiter.take(k)).allowed).toBe(false);
      clock.now += 60_000;
      expect(await limiter.take(k)).toMatchObject({ allowed: true, remaining: 4 });
    });

    it('charges the cost, refuses a cost above what is left, and one above the burst always', async () => {
      const k = key('cost');
      expect(await limiter.take(k, 3)).toMatchObject({ allowed: true, remaining: 2 });
      const short = await limiter.take(k, 3);
      expect(short).toMatchObject({ allowed: false, remaining: 2, retryAfterSeconds: 1 });
      expect(await limiter.take(k, 2)).toMatchObject({ allowed: true, remaining: 0 });
      clock.now += 60_000;
      expect((await limiter.take(k, 6)).allowed).toBe(false);
      expect(await limiter.take(k, 5)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('keeps one bucket per key and takes a per-call policy', async () => {
      const [a, b] = [key('a'), key('b')];
      for (let i = 0; i < 5; i++) await limiter.take(a);
      expect((await limiter.take(a)).allowed).toBe(false);
      expect(await limiter.take(b)).toMatchObject({ allowed: true, remaining: 4 });
      const own = { ratePerSecond: 100, burst: 50 };
      const c = key('c');
      expect(await limiter.take(c, 1, own)).toMatchObject({ allowed: true, limit: 50, remaining: 49 });
      for (let i = 0; i < 49; i++) await limiter.take(c, 1, own);
      expect((await limiter.take(c, 1, own)).allowed).toBe(false);
      clock.now += 10; // one token at 100/s
      expect((await limiter.take(c, 1, own)).allowed).toBe(true);
    });

    it('lets exactly the burst through when takes race', async () => {
      const k = key('race');
      const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter.take(k)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds >= 1)).toBe(true);
    });
  });
}
