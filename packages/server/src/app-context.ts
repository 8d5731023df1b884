import { type Logger, pino } from 'pino';
import type { AlertService } from './alerts/index.js';
import { ApiKeyStore, Authenticator } from './auth/index.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import {
  type EventEnvelope,
  EventService,
  predictionLogWriter,
  predictionPublisher,
} from './events/index.js';
import { DatasetStore, TrainingService } from './jobs/index.js';
import {
  configuredAlerts,
  type PerformanceMonitoring,
  performanceTrackerConsumer,
  startPerformanceMonitoring,
} from './monitoring/index.js';
import { type Monitors, startMonitors } from './monitors/index.js';
import { Metrics } from './plugins/metrics.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './ratelimit/index.js';
import { ModelRegistry } from './registry/index.js';
import { type RetrainingOrchestrator, startRetraining } from './retraining/index.js';
import { type RoutingService, startRouting } from './routing/index.js';
import { PredictionLog, type Scorer } from './scoring/index.js';

/** The services route handlers depend on, built once at start-up. */
export interface AppContext {
  readonly config: Config;
  readonly db: Database;
  readonly registry: ModelRegistry;
  readonly metrics: Metrics;
  readonly predictionLog: PredictionLog;
  /** The champion's scorer (the routing state's serving version); null until a model is registered. */
  readonly scorer: Scorer | null;
  /** The model router: every prediction is scored through its current snapshot. */
  readonly routing: RoutingService;
  readonly log: Logger;
  /** API keys (hashed) in the database. */
  readonly apiKeys: ApiKeyStore;
  /** Checks request keys against `apiKeys`, with a short-lived verified-key cache. */
  readonly auth: Authenticator;
  /** Per-key token buckets: Redis when REDIS_URL is set, else memory. */
  readonly rateLimiter: RateLimiter;
  /** Stored datasets and background training jobs (one at a time, on a worker thread). */
  readonly training: TrainingService;
  /** The event bus (Kafka or in-process) and the event consumers this process runs. */
  readonly events: EventService;
  /** Alerts with dedup and cooldown: stored, published on the event bus, posted to the webhook. */
  readonly alerts: AlertService;
  /** Realized and CBPE-estimated performance per model version, and its periodic snapshots. */
  readonly performance: PerformanceMonitoring;
  /** Drift reports and outliers, and the drift and outlier consumers this process runs. */
  readonly monitors: Monitors;
  /** Closed-loop retraining: policy, runs, gated rollout (docs in src/retraining). */
  readonly retraining: RetrainingOrchestrator;
}

export interface ContextOptions {
  readonly config: Config;
  /** An open, migrated database. */
  readonly db: Database;
  readonly log?: Logger;
  /** A rate limiter to use instead of the configured one (tests: a memory limiter on a fake clock). */
  readonly rateLimiter?: RateLimiter;
}

/**
 * Build the application context on an open database: the one place that wires the platform's
 * services together, used by `npm start` and by the tests alike.
 */
export async function createAppContext(options: ContextOptions): Promise<AppContext> {
  const { config, db } = options;
  const log = options.log ?? pino({ level: 'silent' });
  const registry = new ModelRegistry(db);
  const metrics = new Metrics();
  const routing = await startRouting(config, db, registry, metrics, log);
  const apiKeys = new ApiKeyStore(db);
  const training = new TrainingService({
    db,
    registry,
    log,
    metrics,
    datasets: new DatasetStore(db, config.datasetMaxMb * 1024 * 1024),
  });
  // Jobs a stopped process left running are marked failed; queued ones start.
  await training.start();
  const events = new EventService({ config, db, log, metrics: metrics.events });
  events.start('prediction-log-writer', predictionLogWriter(db, events.topics));
  // Alerts of every kind travel on the alerts topic of the bus (drift-alerts for now).
  const publish = (e: EventEnvelope<object>) => events.publish('drift', e);
  const monitoringDeps = { config, db, metrics, log, publish };
  const alerts = configuredAlerts(monitoringDeps);
  // Served predictions become events; the prediction-log writer consumer stores them.
  const predictionLog = new PredictionLog(predictionPublisher(events.bus), (err) =>
    log.error({ err }, 'prediction log flush failed'),
  );
  const performance = startPerformanceMonitoring(monitoringDeps, alerts);
  events.start('performance-tracker', performanceTrackerConsumer(performance.job, events.topics));
  const flushPredictions = async () => {
    await predictionLog.flush();
    await events.bus.flush();
  };
  const retraining = startRetraining(
    { db, registry, routing, training, metrics, log, alerts, tracker: performance.tracker, flushPredictions },
    config,
    events,
    performance,
  );
  return {
    config,
    db,
    registry,
    metrics,
    predictionLog,
    get scorer() {
      return routing.snapshot?.strategy.primary ?? null;
    },
    routing,
    log,
    apiKeys,
    auth: new Authenticator(apiKeys, { log }),
    rateLimiter: options.rateLimiter ?? (await configuredRateLimiter(config, log)),
    training,
    events,
    alerts,
    performance,
    monitors: startMonitors({ config, db, registry, events, alerts, metrics, log }),
    retraining,
  };
}

/** Redis token buckets when REDIS_URL is set (shared by every instance), else in memory. */
async function configuredRateLimiter(config: Config, log: Logger): Promise<RateLimiter> {
  const defaults = { ratePerSecond: config.rateLimitRps, burst: config.rateLimitBurst };
  if (!config.redisUrl) return new MemoryRateLimiter(defaults);
  let lastWarning = 0;
  return RedisRateLimiter.connect(config.redisUrl, {
    defaults,
    onError: (err) => {
      if (Date.now() - lastWarning < 10_000) return;
      lastWarning = Date.now();
      log.warn(
        { err: err.message },
        'rate-limit Redis unreachable: requests pass unlimited until it is back',
      );
    },
  });
}

/** Release what the context holds (pending writes first), then the database. */
export async function closeAppContext(ctx: AppContext): Promise<void> {
  // First: a run in progress leaves the routing to the champion while routing still works.
  await ctx.retraining.close();
  await ctx.performance.job.stop();
  await ctx.monitors.stop();
  await ctx.alerts.flush();
  await ctx.training.close();
  await ctx.routing.close();
  await ctx.predictionLog.flush();
  await ctx.events.close();
  await ctx.rateLimiter.close();
  await ctx.db.close();
}
