import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ChurnError } from '../errors/index.js';
import { predictionRequestSchema } from '../scoring/index.js';
import { batchRoutes } from './batch.js';

interface PredictionBody {
  customer_id: string;
  features: Record<string, number | string | null>;
}

const reasonSchema = {
  type: 'object',
  properties: {
    feature: { type: 'string' },
    label: { type: 'string' },
    value: { type: ['number', 'string', 'null'] },
    typical: { type: ['number', 'string', 'null'] },
    contribution: { type: 'number' },
    direction: { type: 'string', enum: ['raises', 'lowers'] },
    text: { type: 'string' },
  },
} as const;

/** One prediction as the API answers it (also the items of a JSON batch answer). */
export const predictionResponse = {
  type: 'object',
  properties: {
    prediction_id: { type: 'string', format: 'uuid' },
    customer_id: { type: 'string' },
    churn_probability: { type: 'number' },
    risk_level: { type: 'string', enum: ['low', 'medium', 'high'] },
    model_version: { type: 'integer' },
    recommendations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          priority: { type: 'integer' },
          action: { type: 'string' },
          why: { type: 'string' },
        },
      },
    },
    explanation: {
      type: 'object',
      properties: {
        output_space: { type: 'string', enum: ['probability', 'log-odds'] },
        base_value: { type: 'number' },
        values: { type: 'object', additionalProperties: { type: 'number' } },
        probability_values: { type: 'object', additionalProperties: { type: 'number' } },
        reasons: {
          type: 'object',
          properties: {
            raising: { type: 'array', items: reasonSchema },
            lowering: { type: 'array', items: reasonSchema },
          },
        },
      },
    },
    flags: {
      type: 'object',
      properties: {
        unseen_categories: { type: 'array', items: { type: 'string' } },
        missing_features: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * `POST /v1/predictions`: score one customer with the model the router picks for them (the
 * response's `model_version` and the `x-model-version` header say which). Under shadow routing
 * the challenger scores the same request later, off the response path. `POST
 * /v1/predictions/batch` (see batch.ts) routes each row the same way.
 */
export async function predictionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = ctx.scorer?.model.schema;
  if (!schema) throw new Error('prediction routes need a loaded model');
  const { routing, predictionLog, metrics } = ctx;
  app.post<{ Body: PredictionBody; Querystring: { explain?: 'true' | 'false' } }>(
    '/v1/predictions',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['predictions'],
        summary: "Predict a customer's churn probability, risk level and recommended actions",
        body: predictionRequestSchema(schema),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            explain: { type: 'string', enum: ['true', 'false'], description: 'Add SHAP values and reasons' },
          },
        },
        response: { 200: predictionResponse },
      },
    },
    async (request, reply) => {
      // One snapshot for the whole request: a concurrent routing change never mixes two states.
      const snap = routing.snapshot;
      if (!snap) throw new ChurnError('CHURN_ERR_UNAVAILABLE', 'no model is loaded');
      const { customer_id, features } = request.body;
      const scorer = snap.strategy.route(customer_id);
      const s = request.query.explain === 'true' ? await scorer.explain(features) : scorer.score(features);
      if (snap.stats) routing.shadow(snap, features, s);
      const predictionId = randomUUID();
      const version = scorer.version;
      const label = String(version);
      predictionLog.add({
        predictionId,
        customerId: customer_id,
        modelVersion: version,
        probability: s.probability,
        riskLevel: s.riskLevel,
        features,
        unseenCategories: s.unseenCategories,
        missingFeatures: s.missing,
      });
      metrics.predictions.labels({ risk_level: s.riskLevel, model_version: label }).inc();
      void reply.header('x-model-version', label);
      void reply.header('x-routing-generation', snap.generation);
      return {
        prediction_id: predictionId,
        customer_id,
        churn_probability: s.probability,
        risk_level: s.riskLevel,
        model_version: version,
        recommendations: s.recommendations,
        flags: { unseen_categories: s.unseenCategories, missing_features: s.missing },
        ...('explanation' in s ? { explanation: s.explanation } : {}),
      };
    },
  );
  await app.register(async (scope) => batchRoutes(scope, ctx, schema));
}
