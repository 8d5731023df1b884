import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../auth/index.js';
import { RUN_STATUSES, type RunStatus } from '../retraining/index.js';

const gate = {
  type: 'object',
  properties: {
    passed: { type: 'boolean' },
    reason: { type: 'string' },
    observed: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
    thresholds: { type: 'object', additionalProperties: { type: 'number' } },
    at: { type: 'string', format: 'date-time' },
  },
} as const;

/** A retraining run as the API answers it. */
const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    trigger: {
      type: 'object',
      additionalProperties: true,
      description: 'drift, performance or manual, and why',
    },
    status: { type: 'string', enum: RUN_STATUSES },
    step: {
      type: 'string',
      description: 'train, holdout_gate, register, shadow, canary_10, canary_50, promote, done',
    },
    champion_version: { type: ['integer', 'null'] },
    challenger_version: { type: ['integer', 'null'] },
    job_id: { type: ['string', 'null'], description: 'The training job (GET /v1/jobs/{id})' },
    gates: { type: 'object', additionalProperties: gate },
    data: {
      type: 'object',
      additionalProperties: true,
      description: 'What the challenger trained and was judged on',
    },
    started_at: { type: 'string', format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
    error: { type: ['string', 'null'] },
  },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

const actor = (request: FastifyRequest) => actorOf(request.apiKey ?? null);

/**
 * Closed-loop retraining runs: `GET /v1/retraining/runs`, `GET /v1/retraining/runs/{id}` (each
 * step's gate with the numbers it judged), `POST /v1/retraining/runs` (an admin starts one, with
 * a reason) and `POST /v1/retraining/runs/{id}/cancel` (routing goes back to the champion).
 */
export async function retrainingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { retraining } = ctx;
  app.get<{ Querystring: { status?: RunStatus; limit?: number } }>(
    '/v1/retraining/runs',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['retraining'],
        summary: 'Retraining runs, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: RUN_STATUSES },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1–999, default 50' },
          },
        },
        response: { 200: { type: 'object', properties: { runs: { type: 'array', items: runSchema } } } },
      },
    },
    async (request) => ({
      runs: await retraining.list({ status: request.query.status, limit: Number(request.query.limit ?? 50) }),
    }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/retraining/runs/:id',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['retraining'],
        summary: 'One retraining run: status, step, gates, data',
        params: idParams,
        response: { 200: runSchema },
      },
    },
    async (request) => retraining.get(request.params.id),
  );
  app.post<{ Body: { reason: string } }>(
    '/v1/retraining/runs',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['retraining'],
        summary: 'Start a retraining run now (one at a time; no cooldown for a manual run)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: {
            reason: { type: 'string', minLength: 1, maxLength: 1000, description: 'Kept in the audit log' },
          },
        },
        response: { 202: runSchema },
      },
    },
    async (request, reply) => {
      const run = await retraining.startManual({ actor: actor(request), reason: request.body.reason });
      void reply.header('location', `/v1/retraining/runs/${run.id}`);
      return reply.code(202).send(run);
    },
  );
  app.post<{ Params: { id: string } }>(
    '/v1/retraining/runs/:id/cancel',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['retraining'],
        summary: 'Cancel a running run: its job is cancelled and routing returns to the champion',
        params: idParams,
        response: { 200: runSchema },
      },
    },
    async (request) => retraining.cancel(request.params.id, actor(request)),
  );
}
