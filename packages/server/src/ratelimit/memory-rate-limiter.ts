import { type BucketPolicy, decide, type RateLimitDecision, type RateLimiter } from './rate-limiter.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets in this process's memory: exact, no I/O, not shared between instances. The
 * clock (milliseconds) is injectable so that tests refill buckets without sleeping.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly defaults: BucketPolicy,
    private readonly now: () => number = Date.now,
    private readonly maxBuckets = 100_000,
  ) {}

  async take(key: string, cost = 1, policy: BucketPolicy = this.defaults): Promise<RateLimitDecision> {
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxBuckets) this.sweep(now, policy);
      b = { tokens: policy.burst, at: now };
      this.buckets.set(key, b);
    } else if (now > b.at) {
      b.tokens = Math.min(policy.burst, b.tokens + ((now - b.at) * policy.ratePerSecond) / 1000);
      b.at = now;
    }
    const allowed = b.tokens >= cost;
    if (allowed) b.tokens -= cost;
    return decide(allowed, b.tokens, cost, policy);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  /** Forget buckets that have refilled (a full bucket is the same as none), else the oldest. */
  private sweep(now: number, policy: BucketPolicy): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * policy.ratePerSecond) / 1000 >= policy.burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
