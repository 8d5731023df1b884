import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../auth/index.js';
import { ChurnError } from '../errors/index.js';
import {
  candidateVersion,
  type RoutingRequest,
  type RoutingSnapshot,
  STRATEGY_KINDS,
  servingVersion,
} from '../routing/index.js';

const version = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;
const reason = { type: 'string', maxLength: 1000, description: 'Why: kept in the audit log' } as const;

const putBody = {
  type: 'object',
  additionalProperties: false,
  required: ['strategy'],
  properties: {
    strategy: { type: 'string', enum: STRATEGY_KINDS },
    champion: {
      ...version,
      description: 'single/shadow/canary: the serving version (default: champion alias)',
    },
    challenger: {
      ...version,
      description: 'shadow/canary: the compared version (default: challenger alias)',
    },
    percent: {
      type: 'number',
      minimum: 0,
      maximum: 100,
      description: 'canary: share of customers to the challenger',
    },
    blue: { ...version, description: 'blue_green: default the champion alias' },
    green: { ...version, description: 'blue_green: default the challenger alias' },
    active: { type: 'string', enum: ['blue', 'green'], description: 'blue_green: the serving color' },
    reason,
  },
} as const;

/** The routing state, as GET /v1/routing and every change answer it. */
function stateJson(ctx: AppContext, snap: RoutingSnapshot | null): Record<string, unknown> {
  if (!snap) return { strategy: null, generation: null, shadow: null };
  return {
    generation: snap.generation,
    ...snap.spec,
    serving: servingVersion(snap.spec),
    candidate: candidateVersion(snap.spec),
    updated_at: snap.updatedAt,
    updated_by: snap.updatedBy,
    reason: snap.reason,
    shadow: snap.stats?.summary() ?? null,
    shadow_queue: {
      waiting: ctx.routing.shadowQueue.size,
      dropped: ctx.routing.shadowQueue.dropped,
    },
  };
}

const actor = (request: FastifyRequest) => actorOf(request.apiKey ?? null);

/** Promote and rollback take an optional body: none at all is the same as `{}`. */
const optionalBody = async (request: FastifyRequest) => {
  request.body ??= {};
};

/**
 * The model router: `GET /v1/routing` (state and shadow statistics), `PUT /v1/routing` (one
 * strategy at a time), `POST /v1/routing/promote`, `POST /v1/routing/rollback` and
 * `GET /v1/routing/history`. Every change is audited (who, when, from, to, why).
 */
export async function routingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { routing } = ctx;
  app.get(
    '/v1/routing',
    {
      config: { role: 'predict' },
      schema: { tags: ['routing'], summary: 'The routing state and the shadow comparison (this process)' },
    },
    async () => stateJson(ctx, routing.snapshot),
  );
  app.put<{ Body: RoutingRequest }>(
    '/v1/routing',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['routing'],
        summary: 'Set the routing strategy: single, shadow, canary or blue_green',
        body: putBody,
      },
    },
    async (request) => {
      const { reason: why, ...req } = request.body;
      const snap = await routing.set(req as RoutingRequest, { actor: actor(request), reason: why });
      return stateJson(ctx, snap);
    },
  );
  app.post<{ Body: { version?: number; reason?: string } | undefined }>(
    '/v1/routing/promote',
    {
      config: { role: 'admin' },
      preValidation: optionalBody,
      schema: {
        tags: ['routing'],
        summary: 'Health-check the candidate, then make it the champion in one atomic swap',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            version: { ...version, description: 'default: the challenger or blue-green standby' },
            reason,
          },
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const { snapshot, check } = await routing.promote(body.version, {
        actor: actor(request),
        reason: body.reason,
      });
      return { ...stateJson(ctx, snapshot), health_check: check };
    },
  );
  app.post<{ Body: { reason?: string } | undefined }>(
    '/v1/routing/rollback',
    {
      config: { role: 'admin' },
      preValidation: optionalBody,
      schema: {
        tags: ['routing'],
        summary: 'Return to the routing state (and aliases) before the last change',
        body: { type: 'object', additionalProperties: false, properties: { reason } },
      },
    },
    async (request) =>
      stateJson(ctx, await routing.rollback({ actor: actor(request), reason: request.body?.reason })),
  );
  app.get<{ Querystring: { limit?: string } }>(
    '/v1/routing/history',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['routing'],
        summary: 'Routing changes, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } },
        },
      },
    },
    async (request) => {
      const limit = Number(request.query.limit ?? 50);
      if (limit > 1000)
        throw new ChurnError('CHURN_ERR_VALIDATION', 'limit is at most 1000', [
          { path: '/querystring/limit', message: 'must be <= 1000' },
        ]);
      return { changes: await routing.history(limit) };
    },
  );
}
