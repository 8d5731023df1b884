import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { featuresJsonSchema } from '../scoring/index.js';

/** Model registry reads and the feature schema. */
export async function modelRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/v1/models',
    { schema: { tags: ['models'], summary: 'Registered model versions with lineage and aliases' } },
    async () => ({
      models: await ctx.registry.list(),
    }),
  );
  app.get<{ Params: { version: string } }>(
    '/v1/models/:version',
    {
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
    { schema: { tags: ['models'], summary: "The champion's feature schema" } },
    async () => {
      const schema = ctx.scorer?.model.schema;
      return { schema: schema ?? null, json_schema: schema ? featuresJsonSchema(schema) : null };
    },
  );
}
