import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ChurnError } from '../errors/index.js';
import { createEvent, EVENT_TYPES } from '../events/index.js';

interface FeedbackBody {
  prediction_id?: string;
  customer_id?: string;
  churned: boolean;
  observed_at?: string;
}

/** `POST /v1/feedback`: record the real outcome for a prediction or a customer. */
export async function feedbackRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: FeedbackBody }>(
    '/v1/feedback',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['feedback'],
        summary: 'Record whether a customer churned (for a prediction id or a customer id)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['churned'],
          anyOf: [{ required: ['prediction_id'] }, { required: ['customer_id'] }],
          properties: {
            prediction_id: { type: 'string', format: 'uuid' },
            customer_id: { type: 'string', minLength: 1, maxLength: 200 },
            churned: { type: 'boolean' },
            observed_at: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    async (request, reply) => {
      const { prediction_id, churned, observed_at } = request.body;
      let customerId = request.body.customer_id;
      if (prediction_id) {
        // A prediction this process just served may not be in the table yet (it travels as an
        // event to the prediction-log writer): the log remembers recent ones.
        await ctx.predictionLog.flush();
        const recent = ctx.predictionLog.recent(prediction_id);
        const rows = recent
          ? [{ customer_id: recent.customerId }]
          : await ctx.db.query<{ customer_id: string }>(
              'SELECT customer_id FROM predictions WHERE prediction_id = $1',
              [prediction_id],
            );
        if (rows.length === 0)
          throw new ChurnError('CHURN_ERR_NOT_FOUND', `prediction ${prediction_id} does not exist`);
        if (customerId && customerId !== rows[0].customer_id) {
          throw new ChurnError('CHURN_ERR_VALIDATION', 'customer_id does not match the prediction', [
            { path: '/customer_id', message: `the prediction is for ${rows[0].customer_id}` },
          ]);
        }
        customerId = rows[0].customer_id;
      }
      const [row] = await ctx.db.query<{ id: string; observed_at: Date | string }>(
        `INSERT INTO feedback (prediction_id, customer_id, churned, observed_at)
         VALUES ($1, $2, $3, COALESCE($4::timestamptz, now())) RETURNING id, observed_at`,
        [prediction_id ?? null, customerId, churned, observed_at ?? null],
      );
      ctx.events.publish(
        'feedback',
        createEvent(
          EVENT_TYPES.feedbackReceived,
          customerId as string,
          {
            feedback_id: Number(row.id),
            prediction_id: prediction_id ?? null,
            customer_id: customerId,
            churned,
            observed_at: new Date(row.observed_at).toISOString(),
          },
          'api',
        ),
      );
      void reply.status(201);
      return {
        feedback_id: Number(row.id),
        prediction_id: prediction_id ?? null,
        customer_id: customerId,
        churned,
      };
    },
  );
}
