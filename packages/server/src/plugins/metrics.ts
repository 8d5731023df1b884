import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'churn_' });
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
    return metrics.registry.metrics();
  });
}
