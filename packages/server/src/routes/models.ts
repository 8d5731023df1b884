import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../auth/index.js';
import { type JobStatus, type TrainingRequest, trainingRequestSchema } from '../jobs/index.js';
import { featuresJsonSchema } from '../scoring/index.js';

const jobIdParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;

/** Model registry reads, the feature schema, and training new versions as background jobs. */
export async function modelRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/v1/models',
    {
      config: { role: 'predict' },
      schema: { tags: ['models'], summary: 'Registered model versions with lineage and aliases' },
    },
    async () => ({
      models: await ctx.registry.list(),
    }),
  );
  app.get<{ Params: { version: string } }>(
    '/v1/models/:version',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['models'],
        summary: 'One model version',
        params: {
          type: 'object',
          // Path parameters are text: bodies are validated without type coercion.
          properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
          required: ['version'],
        },
      },
    },
    async (request) => ctx.registry.get(Number(request.params.version)),
  );
  app.get(
    '/v1/schema',
    { config: { role: 'predict' }, schema: { tags: ['models'], summary: "The champion's feature schema" } },
    async () => {
      const schema = ctx.scorer?.model.schema;
      return { schema: schema ?? null, json_schema: schema ? featuresJsonSchema(schema) : null };
    },
  );
  app.post<{ Body: TrainingRequest }>(
    '/v1/models',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['models'],
        summary: 'Train a new version from a stored or generated dataset, as a background job',
        description:
          'Answers 202 with the job at once; follow its progress at status_url. On success the version ' +
          'is registered with its lineage (parent: the given one, else the champion at submission).',
        body: trainingRequestSchema,
      },
    },
    async (request, reply) => {
      const job = await ctx.training.submit(request.body, { createdBy: actorOf(request.apiKey) });
      const statusUrl = `/v1/jobs/${job.id}`;
      void reply.status(202).header('location', statusUrl);
      return { job_id: job.id, status: job.status, status_url: statusUrl, job };
    },
  );
  app.get<{ Querystring: { status?: JobStatus; limit?: string } }>(
    '/v1/jobs',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['models'],
        summary: 'Recent training jobs, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1-999, default 50' },
          },
        },
      },
    },
    async (request) => ({
      jobs: await ctx.training.list({
        status: request.query.status,
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
      }),
    }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['models'],
        summary: 'A training job: status, progress (0-1), stage, error, and the version it registered',
        params: jobIdParams,
      },
    },
    async (request) => ctx.training.get(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/cancel',
    {
      config: { role: 'admin' },
      schema: { tags: ['models'], summary: 'Cancel a queued or running training job', params: jobIdParams },
    },
    async (request) => ctx.training.cancel(request.params.id),
  );
}
