import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Severity as a gauge value: none 0, low 1, medium 2, high 3. */
export const SEVERITY_LEVEL = { none: 0, low: 1, medium: 2, high: 3 } as const;

/** The drift and outlier monitors' Prometheus metrics (`churn_drift_*`, `churn_outlier*`). */
export class MonitorMetrics {
  readonly driftChecks: Counter<'version' | 'window' | 'severity'>;
  readonly driftSeverity: Gauge<'version'>;
  readonly driftFeaturePValue: Gauge<'version' | 'feature'>;
  readonly driftCheckSeconds: Histogram<'window'>;
  readonly outliersScored: Counter<'version'>;
  readonly outliers: Counter<'version'>;
  readonly outlierRate: Gauge<'version'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.driftChecks = new Counter({
      name: 'churn_drift_checks_total',
      help: 'Drift checks run by the drift monitor, by model version, window kind and severity',
      labelNames: ['version', 'window', 'severity'],
      registers,
    });
    this.driftSeverity = new Gauge({
      name: 'churn_drift_severity',
      help: 'Severity of the latest drift check per model version (0 none, 1 low, 2 medium, 3 high)',
      labelNames: ['version'],
      registers,
    });
    this.driftFeaturePValue = new Gauge({
      name: 'churn_drift_feature_p_value',
      help: 'Corrected (Bonferroni) p-value of the latest drift check per model version and feature',
      labelNames: ['version', 'feature'],
      registers,
    });
    this.driftCheckSeconds = new Histogram({
      name: 'churn_drift_check_duration_seconds',
      help: 'Time of one drift check (the statistics, not storing the report), by window kind',
      labelNames: ['window'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.outliersScored = new Counter({
      name: 'churn_outlier_checked_total',
      help: 'Predictions checked by the outlier monitor, by model version',
      labelNames: ['version'],
      registers,
    });
    this.outliers = new Counter({
      name: 'churn_outliers_total',
      help: 'Predictions flagged as outliers (Isolation Forest, range or unseen category), by model version',
      labelNames: ['version'],
      registers,
    });
    this.outlierRate = new Gauge({
      name: 'churn_outlier_rate',
      help: "Share of outliers among a model version's last checked predictions (the alert window)",
      labelNames: ['version'],
      registers,
    });
  }
}
