import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ChurnError } from '../errors/index.js';
import { type Role, roleSatisfies } from './api-key.js';
import type { Authenticator, Principal } from './authenticator.js';

/**
 * What a route needs: `public` (no key), `predict` (predictions, feedback, reads) or `admin`
 * (anything that changes models, routing, training or keys; admin keys may also predict).
 */
export type RouteRole = 'public' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a caller's API key needs; see registerAuth. */
    role?: RouteRole;
  }
  interface FastifyRequest {
    /** The authenticated caller, or null on public routes. */
    apiKey: Principal | null;
  }
}

/** Service routes open to everyone, whatever they declare. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
const isOpenRoute = (url: string): boolean =>
  OPEN_ROUTES.has(url) || url === '/docs' || url.startsWith('/docs/');

/** OpenAPI security schemes: either header carries the same key. */
export const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer ck_<id>_<secret>' },
  apiKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'X-API-Key: ck_<id>_<secret>',
  },
} as const;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The key a request carries (either header), undefined when none, null when the two disagree. */
function requestKey(request: FastifyRequest): string | undefined | null {
  const auth = request.headers.authorization;
  const bearer = auth === undefined ? undefined : (BEARER.exec(auth)?.[1] ?? '');
  const header = request.headers['x-api-key'];
  const apiKey = Array.isArray(header) ? null : header?.trim();
  if (apiKey === null) return null;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return null;
  return bearer ?? apiKey;
}

/**
 * API-key authentication and role checks, one hook for every route.
 *
 * Convention: a route declares the role it needs in its options, nothing else:
 *
 * ```ts
 * app.put('/v1/routing', { config: { role: 'admin' }, schema: { … } }, handler);   // changes
 * app.get('/v1/routing', { config: { role: 'predict' }, schema: { … } }, handler); // reads
 * ```
 *
 * A route that declares no role needs `admin` (closed by default), except the service routes
 * /healthz, /readyz, /metrics, /openapi.json and /docs*, which are open; `role: 'public'` opens
 * another. The key goes in `Authorization: Bearer <key>` or `X-API-Key: <key>`; a missing,
 * malformed, unknown or revoked key is a 401 CHURN_ERR_UNAUTHENTICATED with
 * `WWW-Authenticate: Bearer`, a key whose role is too low a 403 CHURN_ERR_FORBIDDEN. Handlers
 * find the caller in `request.apiKey`. Tests create keys with `createTestKey(ctx, role)` from
 * packages/server/test/helpers/keys.ts.
 *
 * Register before any route: the role is resolved, and the OpenAPI security added, as routes
 * are declared.
 */
export function registerAuth(app: FastifyInstance, auth: Authenticator): void {
  app.decorateRequest('apiKey', null);
  app.addHook('onRoute', (route) => {
    const declared = route.config?.role;
    const role: RouteRole = declared ?? (isOpenRoute(route.url) ? 'public' : 'admin');
    route.config = { ...route.config, role };
    if (role !== 'public' && route.schema) {
      route.schema = {
        ...route.schema,
        security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
        description: [route.schema.description, `Needs an API key with the ${role} role.`]
          .filter(Boolean)
          .join(' '),
      } as typeof route.schema;
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const needed = request.routeOptions.config.role;
    if (request.is404 || needed === undefined || needed === 'public') return;
    const key = requestKey(request);
    let principal: Principal | null = null;
    let problem: string;
    if (key === undefined) problem = 'no API key: send Authorization: Bearer <key> or X-API-Key: <key>';
    else if (key === null) problem = 'the API key headers are repeated or disagree';
    else {
      principal = await auth.authenticate(key);
      problem = 'the API key is malformed, unknown or revoked';
    }
    if (principal === null) {
      void reply.header('www-authenticate', 'Bearer realm="churn"');
      throw new ChurnError('CHURN_ERR_UNAUTHENTICATED', problem);
    }
    if (!roleSatisfies(principal.role, needed))
      throw new ChurnError(
        'CHURN_ERR_FORBIDDEN',
        `this action needs an API key with the ${needed} role; key ${principal.id} has the ${principal.role} role`,
      );
    request.apiKey = principal;
  });
}

/** How a caller is named in the audit log. */
export function actorOf(principal: Principal | null): string {
  return principal ? `key:${principal.id} (${principal.name})` : 'anonymous';
}
