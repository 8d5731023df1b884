import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ChurnError } from '../errors/index.js';
import { predictionRequestSchema } from '../scoring/index.js';

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

/** `POST /v1/predictions`: score one customer with the champion model. */
export async function predictionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = ctx.scorer?.model.schema;
  if (!schema) throw new Error('prediction routes need a loaded model');
  app.post<{ Body: PredictionBody; Querystring: { explain?: 'true' | 'false' } }>(
    '/v1/predictions',
    {
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
      const scorer = ctx.scorer;
      if (!scorer) throw new ChurnError('CHURN_ERR_UNAVAILABLE', 'no model is loaded');
      const { customer_id, features } = request.body;
      const explain = request.query.explain === 'true';
      const s = explain ? scorer.explain(features) : scorer.score(features);
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
        ...('explanation' in s ? { explanation: s.explanation } : {}),
      };
    },
  );
}
