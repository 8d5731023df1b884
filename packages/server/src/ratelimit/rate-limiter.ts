/** A token bucket's size and refill speed. */
export interface BucketPolicy {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Bucket size: the most requests allowed at once (and the advertised limit). */
  readonly burst: number;
}

/** The outcome of one `take`, with what the RateLimit-* headers report. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** The bucket size (RateLimit-Limit). */
  readonly limit: number;
  /** Whole tokens left after this request (RateLimit-Remaining). */
  readonly remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  readonly resetSeconds: number;
  /** Seconds to wait before the same request can pass (Retry-After); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/**
 * Per-key token buckets: a bucket starts full (`burst` tokens) and refills at `ratePerSecond`;
 * a request takes `cost` tokens or is refused, taking none. Implementations: in memory (one
 * process) and Redis (atomic, shared by every instance).
 */
export interface RateLimiter {
  /** Which implementation, for logs. */
  readonly kind: 'memory' | 'redis';
  take(key: string, cost?: number, policy?: BucketPolicy): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** The decision for a bucket left with `tokens` (fractional) after a take. */
export function decide(
  allowed: boolean,
  tokens: number,
  cost: number,
  policy: BucketPolicy,
): RateLimitDecision {
  const { ratePerSecond: rate, burst } = policy;
  return {
    allowed,
    limit: burst,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.max(0, Math.ceil((burst - tokens) / rate)),
    retryAfterSeconds: allowed
      ? 0
      : cost > burst
        ? Math.ceil(burst / rate)
        : Math.max(1, Math.ceil((cost - tokens) / rate)),
  };
}
