import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ChurnError } from '../errors/index.js';

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
        // The prediction may still sit in the log's buffer: write it out before looking.
        await ctx.predictionLog.flush();
        const rows = await ctx.db.query<{ customer_id: string }>(
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
      const [row] = await ctx.db.query<{ id: string }>(
        `INSERT INTO feedback (prediction_id, customer_id, churned, observed_at)
         VALUES ($1, $2, $3, COALESCE($4::timestamptz, now())) RETURNING id`,
        [prediction_id ?? null, customerId, churned, observed_at ?? null],
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
