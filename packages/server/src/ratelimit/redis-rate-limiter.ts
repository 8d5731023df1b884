import { Redis } from 'ioredis';
import { type BucketPolicy, decide, type RateLimitDecision, type RateLimiter } from './rate-limiter.js';

// One atomic step of a token bucket stored as a hash {t: tokens, ts: milliseconds}. The clock is
// Redis's own TIME unless the caller passes one (ARGV[4]), so that every instance refills a shared
// bucket by the same clock. A full bucket is the same as none, so the key expires once it would
// have refilled.
const TAKE_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
elseif now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  ts = now
end
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return { allowed, tostring(tokens) }
`;

type TakeCommand = (
  key: string,
  rate: number,
  burst: number,
  cost: number,
  now: string,
) => Promise<[number, string]>;

export interface RedisRateLimiterOptions {
  readonly defaults: BucketPolicy;
  /** Prefix of every bucket key, e.g. `churn:ratelimit:`. */
  readonly prefix?: string;
  /** A clock in milliseconds; by default Redis's TIME, the one clock every instance shares. */
  readonly now?: () => number;
  /** How long one take may wait for Redis before it fails (the caller then fails open). */
  readonly commandTimeoutMs?: number;
  /** Called on connection errors (rate-limited by the caller if needed). */
  readonly onError?: (err: Error) => void;
}

/**
 * Token buckets in Redis, one Lua script per take: atomic, and shared by every instance that
 * uses the same Redis and prefix. Commands are not queued while Redis is unreachable: a take
 * fails at once (or after `commandTimeoutMs`), so that the caller can fail open.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis';
  private readonly prefix: string;

  private constructor(
    private readonly redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {
    this.prefix = options.prefix ?? 'churn:ratelimit:';
    redis.defineCommand('churnTakeToken', { numberOfKeys: 1, lua: TAKE_LUA });
  }

  /**
   * Connect to `url`. When Redis is unreachable at start the limiter is still returned (takes
   * fail until the client reconnects, which it keeps trying in the background).
   */
  static async connect(url: string, options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const redis = new Redis(url, {
      lazyConnect: true,
      // Takes issued in the same tick share one round trip: throughput at saturation.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    redis.on('error', (err: Error) => options.onError?.(err));
    const limiter = new RedisRateLimiter(redis, options);
    await redis.connect().catch((err: Error) => options.onError?.(err));
    return limiter;
  }

  async take(
    key: string,
    cost = 1,
    policy: BucketPolicy = this.options.defaults,
  ): Promise<RateLimitDecision> {
    const take = (this.redis as unknown as { churnTakeToken: TakeCommand }).churnTakeToken;
    const now = this.options.now ? String(this.options.now()) : '';
    const [allowed, tokens] = await take.call(
      this.redis,
      this.prefix + key,
      policy.ratePerSecond,
      policy.burst,
      cost,
      now,
    );
    return decide(allowed === 1, Number(tokens), cost, policy);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
