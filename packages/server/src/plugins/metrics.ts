import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { EventMetrics } from '../events/metrics.js';
import { MonitorMetrics } from '../monitors/metrics.js';

/** The platform's Prometheus metrics, in one registry served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'churn_http_request_duration_seconds',
    help: 'HTTP request latency by route, method, status and model version',
    labelNames: ['route', 'method', 'status', 'model_version'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: 'churn_predictions_total',
    help: 'Predictions served by risk level and model version',
    labelNames: ['risk_level', 'model_version'] as const,
    registers: [this.registry],
  });
  /** The event stream: published, outboxed, consumed, dead-lettered, delivery time. */
  readonly events = new EventMetrics(this.registry);
  /** The drift and outlier monitors: checks, severities, p-values, outliers. */
  readonly monitors = new MonitorMetrics(this.registry);
  readonly trainingJobs = new Counter({
    name: 'churn_training_jobs_total',
    help: 'Finished training jobs by outcome and algorithm',
    labelNames: ['status', 'algorithm'] as const,
    registers: [this.registry],
  });
  readonly trainingDuration = new Histogram({
    name: 'churn_training_job_duration_seconds',
    help: 'Wall time of training jobs, from start to registration',
    labelNames: ['algorithm'] as const,
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  readonly rateLimitRejections = new Counter({
    name: 'churn_rate_limit_rejections_total',
    help: 'Requests refused with 429 by the per-key rate limit, by the key role',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });
  readonly rateLimitFailures = new Counter({
    name: 'churn_rate_limit_failures_total',
    help: 'Requests let through unlimited because the rate limiter (Redis) failed',
    registers: [this.registry],
  });

  /** 1 for the routing state being served (strategy and the versions it routes to). */
  readonly routingState = new Gauge({
    name: 'churn_routing_state',
    help: 'The routing state served by this process (value 1), by strategy, champion and challenger',
    labelNames: ['strategy', 'champion', 'challenger'] as const,
    registers: [this.registry],
  });
  readonly routingGeneration = new Gauge({
    name: 'churn_routing_generation',
    help: 'Generation of the routing state served by this process',
    registers: [this.registry],
  });
  readonly shadowAgreement = new Gauge({
    name: 'churn_shadow_agreement_ratio',
    help: 'Share of shadowed requests where champion and challenger gave the same risk level',
    labelNames: ['champion', 'challenger'] as const,
    registers: [this.registry],
  });
  readonly shadowCorrelation = new Gauge({
    name: 'churn_shadow_probability_correlation',
    help: 'Pearson correlation of champion and challenger probabilities on shadowed requests',
    labelNames: ['champion', 'challenger'] as const,
    registers: [this.registry],
  });
  readonly shadowMeanAbsDiff = new Gauge({
    name: 'churn_shadow_mean_abs_difference',
    help: 'Mean absolute difference of champion and challenger probabilities on shadowed requests',
    labelNames: ['champion', 'challenger'] as const,
    registers: [this.registry],
  });
  readonly shadowComparisons = new Gauge({
    name: 'churn_shadow_comparisons',
    help: 'Requests scored by both champion and shadow challenger (this process)',
    labelNames: ['champion', 'challenger'] as const,
    registers: [this.registry],
  });
  readonly shadowDropped = new Counter({
    name: 'churn_shadow_dropped_total',
    help: 'Shadow scorings dropped because the shadow queue was full',
    registers: [this.registry],
  });
  /** Performance per model version and window, realized (labelled) or estimated (CBPE). */
  readonly modelAuc = performanceGauge(this.registry, 'churn_model_auc', 'ROC AUC');
  readonly modelAccuracy = performanceGauge(this.registry, 'churn_model_accuracy', 'Accuracy at 0.5');
  readonly modelPrecision = performanceGauge(this.registry, 'churn_model_precision', 'Precision at 0.5');
  readonly modelRecall = performanceGauge(this.registry, 'churn_model_recall', 'Recall at 0.5');
  readonly modelPredictions = new Gauge({
    name: 'churn_model_window_predictions',
    help: 'Predictions served in the window by model version (at the last performance snapshot)',
    labelNames: ['version', 'window'] as const,
    registers: [this.registry],
  });
  readonly modelLabelled = new Gauge({
    name: 'churn_model_window_labelled_predictions',
    help: 'Predictions in the window with an observed outcome, by model version',
    labelNames: ['version', 'window'] as const,
    registers: [this.registry],
  });
  readonly alertsRaised = new Counter({
    name: 'churn_alerts_raised_total',
    help: 'Alert raises by kind, severity and outcome (new, repeat within cooldown, escalated)',
    labelNames: ['kind', 'severity', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertWebhookFailures = new Counter({
    name: 'churn_alert_webhook_failures_total',
    help: 'Alert webhook deliveries that failed on every attempt',
    registers: [this.registry],
  });
  readonly retrainingRuns = new Counter({
    name: 'churn_retraining_runs_total',
    help: 'Finished retraining runs by outcome (promoted, rejected, rolled_back, failed, cancelled)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly retrainingStep = new Gauge({
    name: 'churn_retraining_step',
    help: 'Step of a running retraining run: 1 train, 2 holdout gate, 3 register, 4 shadow, 5 canary 10 %, 6 canary 50 %, 7 promote',
    labelNames: ['run'] as const,
    registers: [this.registry],
  });
  /** Called before each scrape, to copy state kept elsewhere (e.g. routing) into gauges. */
  private readonly scrapeHooks: (() => void)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'churn_' });
  }

  /** Run `hook` before every scrape of /metrics. */
  onScrape(hook: () => void): void {
    this.scrapeHooks.push(hook);
  }

  /** The Prometheus text of every metric, after the scrape hooks ran. */
  async scrape(): Promise<string> {
    for (const hook of this.scrapeHooks) hook();
    return this.registry.metrics();
  }
}

/** Time every request and serve /metrics. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    if (route === '/metrics') return;
    const version = (reply.getHeader('x-model-version') as string | undefined) ?? '';
    metrics.httpDuration
      .labels({ route, method: request.method, status: String(reply.statusCode), model_version: version })
      .observe(reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.scrape();
  });
}

function performanceGauge(registry: Registry, name: string, what: string) {
  return new Gauge({
    name,
    help: `${what} per model version and window, realized from outcomes or estimated by CBPE (kind)`,
    labelNames: ['version', 'window', 'kind'] as const,
    registers: [registry],
  });
}
