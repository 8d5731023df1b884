import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../auth/index.js';
import { ChurnError } from '../errors/index.js';
import { type GeneratedDatasetSpec, generatedDatasetSchema } from '../jobs/index.js';

interface GenerateBody {
  name?: string;
  generate: GeneratedDatasetSpec;
}

const nameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;

/**
 * Stored training tables: `POST /v1/datasets` takes a CSV (`text/csv`, every row checked before
 * anything is stored) or, as JSON, a spec of synthetic customers to generate.
 */
export async function datasetRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const limit = ctx.training.datasets.maxBytes;
  // CSV bodies stay bytes: they are checked and compressed on a worker thread, not parsed here.
  app.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'buffer', bodyLimit: limit },
    (_r, body, done) => done(null, body),
  );
  app.post<{ Body: Buffer | GenerateBody | string; Querystring: { name?: string } }>(
    '/v1/datasets',
    {
      config: { role: 'admin' },
      bodyLimit: limit,
      schema: {
        tags: ['datasets'],
        summary: 'Store a dataset: upload a CSV (text/csv) or generate synthetic customers (JSON)',
        description:
          `A CSV of up to ${Math.round(limit / 1024 / 1024)} MB; a malformed one is refused with ` +
          'the line and column, and nothing is stored. The target column is chosen when training.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { ...nameSchema, description: 'Name of an uploaded CSV' } },
        },
        body: {
          content: {
            // Bytes, checked by the full read on the worker thread (this schema only documents).
            'text/csv': { schema: { description: 'The CSV, UTF-8, header first' } },
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['generate'],
                properties: { name: nameSchema, generate: generatedDatasetSchema },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const by = actorOf(request.apiKey);
      const body = request.body;
      let info: Awaited<ReturnType<typeof ctx.training.datasets.get>>;
      if (typeof body === 'string') {
        throw new ChurnError(
          'CHURN_ERR_UNSUPPORTED_MEDIA_TYPE',
          'send a CSV as text/csv, or a generation spec as application/json',
        );
      }
      if (Buffer.isBuffer(body)) {
        if (body.byteLength === 0) throw new ChurnError('CHURN_ERR_BAD_DATA', 'the CSV is empty (no header)');
        const name = request.query.name ?? `upload-${new Date().toISOString()}.csv`;
        info = await ctx.training.datasets.add(body, { name, source: 'upload', createdBy: by });
      } else {
        info = await ctx.training.datasets.generate(body.generate, { name: body.name, createdBy: by });
      }
      void reply.status(201).header('location', `/v1/datasets/${info.id}`);
      return info;
    },
  );
  app.get<{ Querystring: { limit?: string } }>(
    '/v1/datasets',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['datasets'],
        summary: 'Stored datasets, newest first (without their content)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1-999, default 100' },
          },
        },
      },
    },
    async (request) => ({
      datasets: await ctx.training.datasets.list(
        request.query.limit === undefined ? undefined : Number(request.query.limit),
      ),
    }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/datasets/:id',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['datasets'],
        summary: 'One stored dataset: rows, columns, data hash, origin',
        params: {
          type: 'object',
          properties: { id: { type: 'string', format: 'uuid' } },
          required: ['id'],
        },
      },
    },
    async (request) => ctx.training.datasets.get(request.params.id),
  );
}
