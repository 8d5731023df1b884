import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';

/** Liveness and readiness. */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Models loaded and stores reachable' } },
    async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await ctx.db.query('SELECT 1');
        checks.database = `ok (${ctx.db.kind})`;
      } catch (err) {
        checks.database = `unreachable: ${(err as Error).message}`;
      }
      checks.model = ctx.scorer ? `v${ctx.scorer.version} loaded` : 'no champion model';
      const ready = checks.database.startsWith('ok') && ctx.scorer !== null;
      void reply.status(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'not ready', checks };
    },
  );
}
