import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { type ApiKeyRecord, actorOf, ROLES, type Role } from '../auth/index.js';

interface CreateBody {
  name: string;
  role: Role;
  rate_limit?: { rps: number; burst: number };
}

const keyProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string', enum: ROLES },
  created_at: { type: 'string', format: 'date-time' },
  last_used_at: { type: ['string', 'null'], format: 'date-time' },
  revoked_at: { type: ['string', 'null'], format: 'date-time' },
  created_by: { type: 'string' },
  rate_limit: {
    type: ['object', 'null'],
    properties: { rps: { type: 'number' }, burst: { type: 'integer' } },
  },
} as const;

const keySchema = { type: 'object', properties: keyProperties } as const;

const toJson = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  created_at: k.createdAt,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
  created_by: k.createdBy,
  rate_limit: k.rateLimit,
});

/** API key management (admin): create (the key is shown once), list, revoke. Audited. */
export async function keyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: CreateBody }>(
    '/v1/keys',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the key is in this response only',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
            role: { type: 'string', enum: ROLES },
            rate_limit: {
              type: 'object',
              additionalProperties: false,
              required: ['rps', 'burst'],
              description: "This key's own token bucket instead of the configured default",
              properties: {
                rps: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
                burst: { type: 'integer', minimum: 1, maximum: 2e9 },
              },
            },
          },
        },
        response: {
          201: { type: 'object', properties: { ...keyProperties, key: { type: 'string' } } },
        },
      },
    },
    async (request, reply) => {
      const { name, role, rate_limit } = request.body;
      const { record, key } = await ctx.apiKeys.create({
        name,
        role,
        createdBy: actorOf(request.apiKey),
        rateLimit: rate_limit,
      });
      void reply.status(201);
      return { ...toJson(record), key };
    },
  );

  app.get(
    '/v1/keys',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Every API key, active and revoked, without secrets',
        response: { 200: { type: 'object', properties: { keys: { type: 'array', items: keySchema } } } },
      },
    },
    async () => ({ keys: (await ctx.apiKeys.list()).map(toJson) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key (at once in this process, within seconds in the others)',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[a-z0-9]{8,32}$' } },
        },
        response: { 200: keySchema },
      },
    },
    async (request) => {
      const record = await ctx.apiKeys.revoke(request.params.id, actorOf(request.apiKey));
      ctx.auth.forget(record.id);
      return toJson(record);
    },
  );
}
