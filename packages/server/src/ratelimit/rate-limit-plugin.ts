import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ChurnError } from '../errors/index.js';
import type { Metrics } from '../plugins/metrics.js';
import type { BucketPolicy, RateLimiter } from './rate-limiter.js';

export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  /** The bucket of a key without its own limit (CHURN_RATE_LIMIT_RPS / _BURST). */
  readonly defaults: BucketPolicy;
  readonly metrics: Metrics;
  readonly log: Logger;
}

const WARN_EVERY_MS = 10_000;

/**
 * Per-key rate limits on every authenticated request (register after the auth hook). Each
 * limited response carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (IETF
 * draft names); a refusal is a 429 CHURN_ERR_RATE_LIMITED with Retry-After.
 *
 * When the limiter fails (Redis unreachable or slow) the request passes unlimited: an outage of
 * the rate-limit store must not take the API down. Each failure counts in
 * churn_rate_limit_failures_total and a warning is logged at most every 10 s.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const { limiter, defaults, metrics, log } = options;
  let lastWarning = 0;
  app.addHook('onRequest', async (request, reply) => {
    const principal = request.apiKey;
    if (!principal) return;
    const policy = principal.rateLimit
      ? { ratePerSecond: principal.rateLimit.rps, burst: principal.rateLimit.burst }
      : defaults;
    let d: Awaited<ReturnType<RateLimiter['take']>>;
    try {
      d = await limiter.take(principal.id, 1, policy);
    } catch (err) {
      metrics.rateLimitFailures.inc();
      const now = Date.now();
      if (now - lastWarning >= WARN_EVERY_MS) {
        lastWarning = now;
        log.warn(
          { err, limiter: limiter.kind },
          'rate limiter unavailable: requests pass unlimited (fail open)',
        );
      }
      return;
    }
    void reply.header('ratelimit-limit', d.limit);
    void reply.header('ratelimit-remaining', d.remaining);
    void reply.header('ratelimit-reset', d.resetSeconds);
    if (!d.allowed) {
      metrics.rateLimitRejections.labels({ role: principal.role }).inc();
      void reply.header('retry-after', d.retryAfterSeconds);
      throw new ChurnError(
        'CHURN_ERR_RATE_LIMITED',
        `API key ${principal.id} is over its rate limit (${policy.ratePerSecond}/s, burst ${policy.burst}): retry in ${d.retryAfterSeconds} s`,
      );
    }
  });
}
