import type { FastifyInstance } from 'fastify';
import { ALERT_STATUSES, type AlertStatus, SEVERITIES, type Severity } from '../alerts/index.js';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../auth/index.js';
import { ChurnError } from '../errors/index.js';
import { rollingWindow, type TimeWindow } from '../monitoring/index.js';

// Query strings and path parameters are text: the app validates without type coercion.
const VERSION = { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } as const;
const LIMIT = { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } as const;
const WINDOW = { type: 'string', enum: ['24h', '7d'] } as const;
const TIME = { type: 'string', format: 'date-time' } as const;
const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
} as const;

/** Longest custom window of the live performance endpoint (longer ones: use snapshots). */
const MAX_CUSTOM_WINDOW_MS = 92 * 24 * 3600_000;

interface PerformanceQuery {
  version?: string;
  window?: '24h' | '7d';
  from?: string;
  to?: string;
}
interface HistoryQuery extends PerformanceQuery {
  limit?: string;
}
interface AlertQuery {
  status?: AlertStatus;
  severity?: Severity;
  kind?: string;
  limit?: string;
}

/**
 * Performance (realized beside CBPE-estimated) and alerts: reads need the predict role, changes
 * the admin role.
 */
export async function monitoringRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: PerformanceQuery }>(
    '/v1/monitoring/performance',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['monitoring'],
        summary: 'Realized and estimated (CBPE) performance per model version over a window',
        description:
          'window=24h|7d (default 24h) ending now, or from/to for [from, to). Realized metrics use the ' +
          'predictions with an observed outcome; the estimate uses all predictions, with calibration ' +
          'described in `calibration`.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { version: VERSION, window: WINDOW, from: TIME, to: TIME },
        },
      },
    },
    async (request) => {
      const window = resolveWindow(request.query);
      const { tracker } = ctx.performance;
      const versions = request.query.version
        ? [Number(request.query.version)]
        : await tracker.versions(window);
      const reports = [];
      for (const v of versions) reports.push(await tracker.report(v, window));
      return { window: window.name, from: window.from.toISOString(), to: window.to.toISOString(), reports };
    },
  );

  app.get<{ Querystring: HistoryQuery }>(
    '/v1/monitoring/performance/history',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['monitoring'],
        summary: 'Stored performance snapshots (realized vs estimated over time), oldest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { version: VERSION, window: WINDOW, from: TIME, to: TIME, limit: LIMIT },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && from >= to)
        throw new ChurnError('CHURN_ERR_VALIDATION', 'to must be after from', [
          { path: '/querystring/to', message: 'must be after from' },
        ]);
      return {
        snapshots: await ctx.performance.snapshots.history({
          version: q.version ? Number(q.version) : undefined,
          window: q.window,
          from,
          to,
          limit: q.limit ? Math.min(Number(q.limit), 5000) : undefined,
        }),
      };
    },
  );

  app.get<{ Querystring: AlertQuery }>(
    '/v1/alerts',
    {
      config: { role: 'predict' },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts, most recently seen first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...ALERT_STATUSES] },
            severity: { type: 'string', enum: [...SEVERITIES] },
            kind: { type: 'string', pattern: '^[a-z][a-z0-9_.-]{0,63}$' },
            limit: LIMIT,
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        alerts: await ctx.alerts.list({
          status: q.status,
          severity: q.severity,
          kind: q.kind,
          limit: q.limit ? Math.min(Number(q.limit), 1000) : undefined,
        }),
      };
    },
  );

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string } }>(
      `/v1/alerts/:id/${action}`,
      {
        config: { role: 'admin' },
        schema: {
          tags: ['alerts'],
          summary:
            action === 'acknowledge'
              ? 'Acknowledge an alert (it keeps counting repeats)'
              : 'Resolve an alert (the next repeat opens a new one)',
          params: ID_PARAMS,
        },
      },
      async (request) => {
        const id = Number(request.params.id);
        const actor = actorOf(request.apiKey);
        return action === 'acknowledge' ? ctx.alerts.acknowledge(id, actor) : ctx.alerts.resolve(id, actor);
      },
    );
  }
}

/** The window a performance query asks for: a rolling one, or [from, to). */
function resolveWindow(q: PerformanceQuery): TimeWindow {
  const now = new Date();
  if (q.from === undefined && q.to === undefined) return rollingWindow(q.window ?? '24h', now);
  if (q.window !== undefined)
    throw new ChurnError('CHURN_ERR_VALIDATION', 'window cannot be combined with from/to', [
      { path: '/querystring/window', message: 'cannot be combined with from/to' },
    ]);
  if (q.from === undefined)
    throw new ChurnError('CHURN_ERR_VALIDATION', 'from is required with to', [
      { path: '/querystring/from', message: 'is required with to' },
    ]);
  const from = new Date(q.from);
  const to = q.to ? new Date(q.to) : now;
  if (from >= to)
    throw new ChurnError('CHURN_ERR_VALIDATION', 'to must be after from', [
      { path: '/querystring/to', message: 'must be after from' },
    ]);
  if (to.getTime() - from.getTime() > MAX_CUSTOM_WINDOW_MS)
    throw new ChurnError('CHURN_ERR_VALIDATION', 'the window is longer than 92 days', [
      { path: '/querystring/from', message: 'the window may be at most 92 days long' },
    ]);
  return { name: 'custom', from, to };
}
