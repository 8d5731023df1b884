import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CUSTOMER_SCHEMA, generateCustomers, trainModel } from '@churn/ml';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPostgres } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { ownDatabase } from '../helpers/own-database.js';

// `node packages/server/dist/main.js` as deployed: PostgreSQL and Redis, a configured bootstrap
// admin key, keys, roles and a rate limit checked over real HTTP.
const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;
if (!DATABASE_URL || !REDIS_URL)
  throw new Error('DATABASE_URL and REDIS_URL must be set: run the integration tests through `npm test`');
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const database = ownDatabase('churn_it_auth_server');
const ADMIN_KEY = `ck_it${randomBytes(6).toString('hex')}_${randomBytes(24).toString('base64url')}`;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface Server {
  proc: ChildProcess;
  base: string;
  output: () => string;
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    CHURN_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    CHURN_DEMO_TRAFFIC: 'off',
    LOG_LEVEL: 'info',
  };
  delete env.KAFKA_BROKERS;
  const proc = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout?.on('data', (d) => {
    text += d;
  });
  proc.stderr?.on('data', (d) => {
    text += d;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}):\n${text}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, base, output: () => text };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.proc.exitCode !== null) return;
  server.proc.kill('SIGTERM');
  await once(server.proc, 'exit');
}

let server: Server | undefined;
const call = (path: string, key?: string, init: RequestInit = {}) =>
  fetch(`${server?.base}${path}`, {
    ...init,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });

beforeAll(async () => {
  await database.recreate();
  // A small champion, so that the server skips its first-start training.
  const db = await openPostgres(database.url);
  await migrate(db);
  const registry = new ModelRegistry(db);
  const model = await trainModel(generateCustomers({ rows: 1500, seed: 8 }), CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 10, threads: 1 },
  });
  await registry.setAlias('champion', await registry.register(model));
  await db.close();
  server = await startServer();
});

afterAll(async () => {
  await stopServer(server);
  await database.drop();
});

describe('a running server (PostgreSQL + Redis)', () => {
  it('refuses missing and wrong keys (401), a predict key on admin routes (403), serves the right ones', async () => {
    const none = await call('/v1/models');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await none.json()).error.code).toBe('CHURN_ERR_UNAUTHENTICATED');
    expect((await call('/v1/models', `${ADMIN_KEY.slice(0, -3)}xyz`)).status).toBe(401);
    expect((await call('/healthz')).status).toBe(200);

    const models = await call('/v1/models', ADMIN_KEY);
    expect(models.status).toBe(200);
    expect(models.headers.get('ratelimit-limit')).toBe('20000');

    const created = await call('/v1/keys', ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ name: 'it-predict', role: 'predict' }),
    });
    expect(created.status).toBe(201);
    const { key } = await created.json();
    expect((await call('/v1/models', key)).status).toBe(200);
    const forbidden = await call('/v1/keys', key);
    expect([forbidden.status, (await forbidden.json()).error.code]).toEqual([403, 'CHURN_ERR_FORBIDDEN']);
    // The configured key was never printed or logged.
    expect(server?.output()).not.toContain(ADMIN_KEY.slice(-20));
  });

  it('rate-limits a key in Redis: 429 with Retry-After and RateLimit headers', async () => {
    const created = await call('/v1/keys', ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ name: 'it-slow', role: 'predict', rate_limit: { rps: 0.2, burst: 2 } }),
    });
    const { id, key } = await created.json();
    const responses: Response[] = [];
    for (let i = 0; i < 3; i++) responses.push(await call('/v1/schema', key));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 429]);
    const refused = responses[2];
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-limit')).toBe('2');
    expect((await refused.json()).error.code).toBe('CHURN_ERR_RATE_LIMITED');
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.exists(`churn:ratelimit:${id}`)).toBe(1);
    } finally {
      redis.disconnect();
    }
    const metrics = await (await call('/metrics')).text();
    expect(metrics).toMatch(/churn_rate_limit_rejections_total\{role="predict"\} 1/);
  });

  it('revokes a key at once, and keeps the bootstrap admin key single across restarts', async () => {
    const created = await call('/v1/keys', ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ name: 'it-revoked', role: 'predict' }),
    });
    const { id, key } = await created.json();
    expect((await call('/v1/models', key)).status).toBe(200);
    expect((await call(`/v1/keys/${id}`, ADMIN_KEY, { method: 'DELETE' })).status).toBe(200);
    expect((await call('/v1/models', key)).status).toBe(401);

    await stopServer(server);
    server = await startServer();
    expect((await call('/v1/models', ADMIN_KEY)).status).toBe(200);
    const { keys } = await (await call('/v1/keys', ADMIN_KEY)).json();
    expect(keys.filter((k: { name: string }) => k.name === 'bootstrap-admin')).toHaveLength(1);
    expect(keys.filter((k: { created_by: string }) => k.created_by === 'bootstrap')).toHaveLength(1);
  });
});
