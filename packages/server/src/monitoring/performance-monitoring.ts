import type { Logger } from 'pino';
import { type Alert, AlertService } from '../alerts/index.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { EventEnvelope } from '../events/index.js';
import type { Metrics } from '../plugins/metrics.js';
import { PerformanceSnapshotJob, PerformanceSnapshotStore } from './performance-snapshots.js';
import { PerformanceTracker } from './performance-tracker.js';

/** Performance tracking as the application context holds it. */
export interface PerformanceMonitoring {
  readonly tracker: PerformanceTracker;
  readonly snapshots: PerformanceSnapshotStore;
  /** Started on creation when CHURN_PERFORMANCE_SNAPSHOT_SECONDS > 0; stopped by closeAppContext. */
  readonly job: PerformanceSnapshotJob;
}

export interface MonitoringDeps {
  readonly config: Config;
  readonly db: Database;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Hands alert changes to the event bus. */
  readonly publish?: (event: EventEnvelope<Alert>) => void;
}

/** The alert service from the configuration (cooldowns, webhook). */
export function configuredAlerts(deps: MonitoringDeps): AlertService {
  const { config, db, metrics, log } = deps;
  const cooldowns = Object.fromEntries(Object.entries(config.alertCooldowns).map(([k, s]) => [k, s * 1000]));
  return new AlertService(db, {
    cooldownMs: config.alertCooldownSeconds * 1000,
    cooldowns,
    webhook: config.alertWebhookUrl ? { url: config.alertWebhookUrl } : undefined,
    publish: deps.publish,
    metrics,
    onError: (err, what) =>
      log.warn({ err: (err as Error)?.message ?? String(err) }, `alerts: ${what} failed`),
  });
}

/** Tracker, snapshot store and the periodic snapshot job, started. */
export function startPerformanceMonitoring(
  deps: MonitoringDeps,
  alerts: AlertService,
): PerformanceMonitoring {
  const { config, db, metrics, log } = deps;
  const tracker = new PerformanceTracker(db);
  const snapshots = new PerformanceSnapshotStore(db);
  const job = new PerformanceSnapshotJob(tracker, snapshots, {
    intervalMs: config.performanceSnapshotSeconds * 1000,
    gauges: metrics,
    aucAlert: config.alertAucBelow === undefined ? undefined : { alerts, below: config.alertAucBelow },
    onError: (err) => log.error({ err }, 'performance snapshot failed'),
  });
  job.start();
  return { tracker, snapshots, job };
}
