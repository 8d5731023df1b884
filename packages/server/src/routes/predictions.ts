import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ChurnError } from '../errors/index.js';
import { predictionRequestSchema } from '../scoring/index.js';

interface PredictionBody {
  customer_id: string;
  features: Record<string, number | string | null>;
}

const predictionResponse = {
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
    flags: {
      type: 'object',
      properties: {
        unseen_categories: { type: 'array', items: { type: 'string' } },
        missing_features: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;

/** `POST /v1/predictions`: score one customer with the champion model. */
export async function predictionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = ctx.scorer?.model.schema;
  if (!schema) throw new Error('prediction routes need a loaded model');
  app.post<{ Body: PredictionBody }>(
    '/v1/predictions',
    {
      schema: {
        tags: ['predictions'],
        summary: "Predict a customer's churn probability, risk level and recommended actions",
        body: predictionRequestSchema(schema),
        response: { 200: predictionResponse },
      },
    },
    async (request, reply) => {
      const scorer = ctx.scorer;
      if (!scorer) throw new ChurnError('CHURN_ERR_UNAVAILABLE', 'no model is loaded');
      const { customer_id, features } = request.body;
      const s = scorer.score(features);
      const predictionId = randomUUID();
      ctx.predictionLog.add({
        predictionId,
        customerId: customer_id,
        modelVersion: scorer.version,
        probability: s.probability,
        riskLevel: s.riskLevel,
        features,
      });
      ctx.metrics.predictions
        .labels({ risk_level: s.riskLevel, model_version: String(scorer.version) })
        .inc();
      void reply.header('x-model-version', String(scorer.version));
      return {
        prediction_id: predictionId,
        customer_id,
        churn_probability: s.probability,
        risk_level: s.riskLevel,
        model_version: scorer.version,
        recommendations: s.recommendations,
        flags: { unseen_categories: s.unseenCategories, missing_features: s.missing },
      };
    },
  );
}
