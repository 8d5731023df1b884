import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../src/ratelimit/index.js';
import { rateLimiterContract } from '../contracts/rate-limiter.contract.js';

rateLimiterContract('memory', async (defaults, clock) => new MemoryRateLimiter(defaults, clock));

describe('MemoryRateLimiter', () => {
  it('keeps its buckets to itself: two instances are two budgets', async () => {
    const policy = { ratePerSecond: 1, burst: 1 };
    const [a, b] = [new MemoryRateLimiter(policy, () => 0), new MemoryRateLimiter(policy, () => 0)];
    expect((await a.take('k')).allowed).toBe(true);
    expect((await a.take('k')).allowed).toBe(false);
    expect((await b.take('k')).allowed).toBe(true);
  });

  it('stays bounded: refilled buckets are dropped first, then the oldest', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ ratePerSecond: 1, burst: 2 }, () => now, 3);
    for (const k of ['a', 'b', 'c']) await limiter.take(k, 2);
    now += 500; // half a token each: none full yet, so the oldest ('a') goes
    await limiter.take('d', 2);
    // 'c' still owes its tokens; 'a' was forgotten, so it starts full again.
    expect((await limiter.take('c', 2)).allowed).toBe(false);
    expect((await limiter.take('a', 2)).allowed).toBe(true);
  });
});
