/**
 * The drift and outlier monitors: consumers of `prediction.scored` events that compare served
 * features with each model's stored training reference and Isolation Forest, store drift reports
 * and outliers, raise alerts and publish `drift.alert` / `outlier.detected`. See docs/drift.md.
 *
 * @example
 * ```ts
 * const monitors = startMonitors({ config, db, registry, events, alerts, metrics, log });
 * await monitors.driftReports.list({ version: 2, limit: 10 });
 * ```
 */
import type { Logger } from 'pino';
import type { AlertService } from '../alerts/index.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { EventService } from '../events/index.js';
import type { Metrics } from '../plugins/metrics.js';
import type { ModelRegistry } from '../registry/index.js';
import { DriftMonitor } from './drift-monitor.js';
import { MonitoredModels } from './model-cache.js';
import { OutlierMonitor } from './outlier-monitor.js';
import { DriftReportStore, OutlierStore } from './stores.js';

export {
  DRIFT_MONITOR_GROUP,
  type DriftAlertPayload,
  DriftMonitor,
  type DriftMonitorOptions,
  MIN_CHECK_ROWS,
} from './drift-monitor.js';
export { MonitorMetrics, SEVERITY_LEVEL } from './metrics.js';
export { MonitoredModels } from './model-cache.js';
export {
  encodeFeatures,
  type FeatureLayout,
  type ImportanceSource,
  type MonitoredModel,
  monitoredModel,
  useShapImportance,
} from './monitored-model.js';
export {
  OUTLIER_MONITOR_GROUP,
  type OutlierDetectedPayload,
  OutlierMonitor,
  type OutlierMonitorOptions,
} from './outlier-monitor.js';
export {
  DriftReportStore,
  type NewOutlier,
  OutlierStore,
  type StoredDriftReport,
  type StoredOutlier,
  type WindowKind,
} from './stores.js';
export { BoundedTimeWindow, RecentIds } from './windows.js';

export interface MonitorDeps {
  readonly config: Config;
  readonly db: Database;
  readonly registry: Pick<ModelRegistry, 'load'>;
  readonly events: EventService;
  readonly alerts: AlertService;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** The monitors as the application context holds them. */
export interface Monitors {
  readonly driftReports: DriftReportStore;
  readonly outliers: OutlierStore;
  /** The consumers, when this process runs them (CHURN_EVENT_CONSUMERS). */
  readonly drift: DriftMonitor | null;
  readonly outlier: OutlierMonitor | null;
  stop(): Promise<void>;
}

/** Build the stores and start the drift and outlier consumers this process runs. */
export function startMonitors(deps: MonitorDeps): Monitors {
  const { config, db, events, alerts, metrics, log } = deps;
  const models = new MonitoredModels(deps.registry);
  const driftReports = new DriftReportStore(db);
  const outliers = new OutlierStore(db);
  const drift = new DriftMonitor({
    models,
    store: driftReports,
    alerts,
    topics: events.topics,
    publish: (e) => events.publish('drift', e),
    windowRows: config.driftWindowRows,
    windowSeconds: config.driftWindowSeconds,
    checkEvery: config.driftCheckEvery,
    metrics: metrics.monitors,
    log: log.child({ component: 'drift-monitor' }),
  });
  const outlier = new OutlierMonitor({
    models,
    store: outliers,
    alerts,
    topics: events.topics,
    publish: (e) => events.publish('outliers', e),
    alertRate: config.outlierAlertRate,
    windowRows: config.outlierWindowRows,
    metrics: metrics.monitors,
    log: log.child({ component: 'outlier-monitor' }),
  });
  const driftRuns = events.start('drift-monitor', drift.subscription());
  if (driftRuns) drift.start();
  const outlierRuns = events.start('outlier-monitor', outlier.subscription());
  return {
    driftReports,
    outliers,
    drift: driftRuns ? drift : null,
    outlier: outlierRuns ? outlier : null,
    stop: () => drift.stop(),
  };
}
