export { type CbpeEstimate, estimateCbpe, type MetricValues, realizedMetrics } from './cbpe.js';
export { type Calibration, type CalibrationMethod, fitIsotonic, NO_CALIBRATION } from './cbpe-calibration.js';
export {
  type CalibrationInfo,
  type PerformanceReport,
  type ReferenceSet,
  rollingWindow,
  type TimeWindow,
  WINDOW_MS,
  type WindowName,
} from './performance.js';
export { PERFORMANCE_TRACKER_GROUP, performanceTrackerConsumer } from './performance-consumer.js';
export {
  configuredAlerts,
  type MonitoringDeps,
  type PerformanceMonitoring,
  startPerformanceMonitoring,
} from './performance-monitoring.js';
export { labelledBefore, SCAN_PAGE_SIZE, type ScanResult, scanWindow } from './performance-scan.js';
export {
  type AucAlertRule,
  type PerformanceGauges,
  type PerformanceSnapshot,
  PerformanceSnapshotJob,
  PerformanceSnapshotStore,
  type SnapshotJobOptions,
  type SnapshotQuery,
} from './performance-snapshots.js';
export { PerformanceTracker, type PerformanceTrackerOptions } from './performance-tracker.js';
