import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { AppContext } from './app-context.js';
import { registerAuth, SECURITY_SCHEMES } from './auth/index.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerRateLimit } from './ratelimit/index.js';
import { datasetRoutes } from './routes/datasets.js';
import { driftRoutes } from './routes/drift.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { modelRoutes } from './routes/models.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { predictionRoutes } from './routes/predictions.js';
import { retrainingRoutes } from './routes/retraining.js';
import { routingRoutes } from './routes/routing.js';

/**
 * Build the HTTP application on its context. Requests are validated by the same JSON Schemas
 * that generate the OpenAPI document at /openapi.json and the interactive docs at /docs.
 */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    // Per-request logs would cost more than a prediction; metrics cover requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
  });
  registerErrorHandler(app);
  // Before any route: routes declare `config: { role }` (see registerAuth); then per-key limits.
  registerAuth(app, ctx.auth);
  registerRateLimit(app, {
    limiter: ctx.rateLimiter,
    defaults: { ratePerSecond: ctx.config.rateLimitRps, burst: ctx.config.rateLimitBurst },
    metrics: ctx.metrics,
    log: ctx.log,
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Churn platform API',
        version: '1.0.0',
        description: 'Churn predictions, explanations, model registry.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerMetrics(app, ctx.metrics);
  await app.register(async (scope) => healthRoutes(scope, ctx));
  await app.register(async (scope) => modelRoutes(scope, ctx));
  await app.register(async (scope) => datasetRoutes(scope, ctx));
  await app.register(async (scope) => feedbackRoutes(scope, ctx));
  await app.register(async (scope) => monitoringRoutes(scope, ctx));
  await app.register(async (scope) => driftRoutes(scope, ctx));
  await app.register(async (scope) => keyRoutes(scope, ctx));
  if (ctx.scorer) await app.register(async (scope) => predictionRoutes(scope, ctx));
  await app.register(async (scope) => routingRoutes(scope, ctx));
  await app.register(async (scope) => retrainingRoutes(scope, ctx));
  return app;
}
