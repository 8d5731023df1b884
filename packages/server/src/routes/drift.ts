import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';

// Query strings and path parameters are text: the app validates without type coercion.
const VERSION = { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } as const;
const LIMIT = { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } as const;
const QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { version: VERSION, limit: LIMIT },
} as const;

interface ListQuery {
  version?: string;
  limit?: string;
}

const query = (q: ListQuery) => ({
  version: q.version ? Number(q.version) : undefined,
  limit: q.limit ? Math.min(Number(q.limit), 1000) : undefined,
});

/** Drift reports and outliers the monitors stored (role predict). */
export async function driftRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: ListQuery }>(
    '/v1/monitoring/drift',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['monitoring'],
        summary: 'The latest drift reports (newest first), of one model version or all',
        description:
          'Each report is one check of a window (the last N rows, or the rows of the last T seconds) ' +
          'of served features against the model’s training reference: severity, summary and per ' +
          'feature the test, statistic, p-value, corrected p-value, PSI, effect size and verdict. ' +
          'limit: default 50, at most 1000.',
        querystring: QUERY,
      },
    },
    async (request) => ({ reports: await ctx.monitors.driftReports.list(query(request.query)) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/monitoring/drift/:id',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['monitoring'],
        summary: 'One drift report',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
        },
      },
    },
    async (request) => ctx.monitors.driftReports.get(Number(request.params.id)),
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/monitoring/outliers',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['monitoring'],
        summary: 'The latest outliers (newest first) with their reasons, of one model version or all',
        description: 'limit: default 50, at most 1000.',
        querystring: QUERY,
      },
    },
    async (request) => ({ outliers: await ctx.monitors.outliers.list(query(request.query)) }),
  );
}
