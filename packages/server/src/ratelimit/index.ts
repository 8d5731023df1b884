export { MemoryRateLimiter } from './memory-rate-limiter.js';
export { registerRateLimit } from './rate-limit-plugin.js';
export { type BucketPolicy, decide, type RateLimitDecision, type RateLimiter } from './rate-limiter.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
