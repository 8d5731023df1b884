import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Alert, AlertService } from '../../src/alerts/index.js';
import { loadConfig } from '../../src/config/index.js';
import { type Database, migrate, openPglite } from '../../src/db/index.js';
import { type EventEnvelope, envelopeProblem } from '../../src/events/index.js';
import { Metrics } from '../../src/plugins/metrics.js';

let db: Database;
const servers: Server[] = [];

beforeAll(async () => {
  db = await openPglite();
  await migrate(db);
});
afterAll(async () => db?.close());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A real HTTP server on a free local port, answering with `handle`. */
async function webhookServer(
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      handle(req, body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/hook`;
}

const failures = async (metrics: Metrics) =>
  (await metrics.alertWebhookFailures.get()).values.reduce((a, v) => a + v.value, 0);

describe('AlertService webhook', () => {
  it('posts new and escalated alerts to the webhook, not repeats', async () => {
    const hook = await webhookServer((_req, _body, res) => res.writeHead(204).end());
    const metrics = new Metrics();
    const alerts = new AlertService(db, { webhook: { url: hook.url }, metrics });
    const input = {
      kind: 'drift',
      severity: 'medium',
      dedup_key: 'webhook:1',
      title: 'PSI 0.31 on total_orders',
    } as const;
    const { alert } = await alerts.raise({ ...input, details: { feature: 'total_orders', psi: 0.31 } });
    await alerts.raise(input);
    await alerts.raise({ ...input, severity: 'critical' });
    await alerts.flush();
    expect(hook.bodies).toHaveLength(2);
    expect(hook.bodies[0]).toEqual({ event: 'alert.raised', alert });
    expect(hook.bodies[0]).toMatchObject({ alert: { details: { feature: 'total_orders', psi: 0.31 } } });
    expect(hook.bodies[1]).toMatchObject({
      event: 'alert.escalated',
      alert: { id: alert.id, severity: 'critical', count: 3 },
    });
    expect(await failures(metrics)).toBe(0);
  });

  it('retries with back-off until the webhook accepts', async () => {
    let calls = 0;
    const hook = await webhookServer((_req, _body, res) => res.writeHead(++calls < 3 ? 503 : 200).end());
    const metrics = new Metrics();
    const alerts = new AlertService(db, { webhook: { url: hook.url, retries: 3, backoffMs: 20 }, metrics });
    await alerts.raise({ kind: 'outlier', severity: 'low', dedup_key: 'webhook:retry', title: 'outliers' });
    await alerts.flush();
    expect(calls).toBe(3);
    expect(await failures(metrics)).toBe(0);
  });

  it('does not block or fail the caller when the webhook is down; the failure is counted', async () => {
    const metrics = new Metrics();
    const errors: string[] = [];
    const alerts = new AlertService(db, {
      webhook: { url: await closedPort(), retries: 2, backoffMs: 1000 },
      metrics,
      onError: (err) => errors.push(String(err)),
    });
    const t0 = performance.now();
    const { outcome } = await alerts.raise({
      kind: 'drift',
      severity: 'high',
      dedup_key: 'webhook:down',
      title: 'x',
    });
    // Three attempts with 1 + 2 s of back-off cannot have happened yet.
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(outcome).toBe('new');
    expect(await failures(metrics)).toBe(0);
    await alerts.flush();
    expect(await failures(metrics)).toBe(1);
    expect(errors[0]).toMatch(/failed after 3 attempts/);
    // The alert was stored all the same.
    expect((await alerts.list({ kind: 'drift' })).some((a) => a.dedup_key === 'webhook:down')).toBe(true);
  });

  it('gives up on a webhook that never answers, after the timeout', async () => {
    const hook = await webhookServer(() => {
      // Never answers.
    });
    const metrics = new Metrics();
    const alerts = new AlertService(db, {
      webhook: { url: hook.url, timeoutMs: 1000, retries: 1, backoffMs: 10 },
      metrics,
    });
    const t0 = performance.now();
    await alerts.raise({ kind: 'retraining', severity: 'low', dedup_key: 'webhook:hang', title: 'x' });
    // Two attempts of 1 s each are still under way.
    expect(performance.now() - t0).toBeLessThan(1000);
    await alerts.flush();
    expect(hook.bodies).toHaveLength(2);
    expect(await failures(metrics)).toBe(1);
  });
});

describe('AlertService publishing', () => {
  it('publishes each change as a valid event envelope keyed by the dedup key', async () => {
    const events: EventEnvelope<Alert>[] = [];
    const alerts = new AlertService(db, { publish: (e) => events.push(e) });
    const input = {
      kind: 'performance',
      severity: 'high',
      dedup_key: 'publish:1',
      title: 'AUC low',
    } as const;
    const { alert } = await alerts.raise(input);
    await alerts.raise(input);
    await alerts.acknowledge(alert.id);
    await alerts.resolve(alert.id);
    expect(events.map((e) => e.type)).toEqual(['alert.raised', 'alert.acknowledged', 'alert.resolved']);
    for (const e of events) {
      expect(envelopeProblem(e)).toBeNull();
      expect(e.key).toBe('publish:1');
      expect(e.payload.id).toBe(alert.id);
    }
    expect(events[2].payload.status).toBe('resolved');
  });

  it('stores the alert even when publishing throws', async () => {
    const errors: unknown[] = [];
    const alerts = new AlertService(db, {
      publish: () => {
        throw new Error('bus down');
      },
      onError: (err) => errors.push(err),
    });
    const { alert } = await alerts.raise({
      kind: 'drift',
      severity: 'low',
      dedup_key: 'publish:2',
      title: 'x',
    });
    expect((await alerts.get(alert.id)).dedup_key).toBe('publish:2');
    expect(errors).toHaveLength(1);
  });
});

describe('alert and performance configuration', () => {
  it('reads cooldowns, the webhook, the AUC threshold and the snapshot interval', () => {
    const c = loadConfig({
      CHURN_ALERT_WEBHOOK_URL: 'https://hooks.example/alerts',
      CHURN_ALERT_COOLDOWN_SECONDS: '600',
      CHURN_ALERT_COOLDOWNS: 'drift=1800, performance:high=60',
      CHURN_ALERT_AUC_BELOW: '0.7',
      CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '0',
    });
    expect(c).toMatchObject({
      alertWebhookUrl: 'https://hooks.example/alerts',
      alertCooldownSeconds: 600,
      alertCooldowns: { drift: 1800, 'performance:high': 60 },
      alertAucBelow: 0.7,
      performanceSnapshotSeconds: 0,
    });
    expect(loadConfig({})).toMatchObject({ alertCooldownSeconds: 3600, performanceSnapshotSeconds: 300 });
    expect(loadConfig({}).alertWebhookUrl).toBeUndefined();
  });

  it('reports every bad variable', () => {
    try {
      loadConfig({
        CHURN_ALERT_WEBHOOK_URL: 'ftp://x',
        CHURN_ALERT_COOLDOWNS: 'drift=soon',
        CHURN_ALERT_AUC_BELOW: '1.5',
        CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '-1',
      });
      expect.unreachable();
    } catch (err) {
      expect((err as { details: { path: string }[] }).details.map((d) => d.path).sort()).toEqual([
        'CHURN_ALERT_AUC_BELOW',
        'CHURN_ALERT_COOLDOWNS',
        'CHURN_ALERT_WEBHOOK_URL',
        'CHURN_PERFORMANCE_SNAPSHOT_SECONDS',
      ]);
    }
  });
});
