import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPostgres } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { canaryBucket, type RoutingSpec, servingVersion } from '../../src/routing/index.js';
import { ownDatabase } from '../helpers/own-database.js';

// Two `node packages/server/dist/main.js` processes on one PostgreSQL database of this file's own:
// a routing change made on one is applied by the other within a second, and promote/rollback
// while both serve a steady stream of requests loses no request and never mixes two states.
const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) throw new Error('DATABASE_URL is not set: run the integration tests through `npm test`');
const database = ownDatabase('churn_it_routing', DATABASE_URL);
const dbUrl = database.url;
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const ADMIN_KEY = 'ck_itrouting01_routing-two-processes-secret';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const rows = datasetRows(generateCustomers({ rows: 200, seed: 12 }));

interface Server {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly log: string[];
}
const servers: Server[] = [];
let dataDir: string;

/** Start one server process; resolves with its URL once it listens. */
function startServer(name: string): Promise<Server> {
  const proc = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: dbUrl,
      PORT: '0',
      CHURN_DATA_DIR: join(dataDir, name),
      CHURN_DEMO_TRAFFIC: 'off',
      CHURN_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${log.join('')}`)), 60_000);
    proc.stderr?.on('data', (d) => log.push(String(d)));
    proc.stdout?.on('data', (d) => {
      const text = String(d);
      log.push(text);
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        const server = { proc, url: m[1], log };
        servers.push(server);
        resolve(server);
      }
    });
    proc.on('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${log.join('')}`)));
  });
}

async function call(server: Server, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

let a: Server;
let b: Server;

beforeAll(async () => {
  await database.recreate();
  // Two small registered models, so that the servers skip first-start training.
  const db = await openPostgres(dbUrl, 2);
  await migrate(db);
  const registry = new ModelRegistry(db);
  const data = generateCustomers({ rows: 2000, seed: 5 });
  const opts = { boosting: { nRounds: 15, threads: 1 }, forest: { nTrees: 8, maxDepth: 8, threads: 1 } };
  await registry.register(await trainModel(data, CUSTOMER_SCHEMA, { algorithm: 'random-forest', ...opts }));
  await registry.register(
    await trainModel(data, CUSTOMER_SCHEMA, { algorithm: 'gradient-boosting', ...opts }),
  );
  await registry.setAlias('champion', 1);
  await registry.setAlias('challenger', 2);
  await db.close();
  dataDir = mkdtempSync(join(tmpdir(), 'churn-routing-it-'));
  a = await startServer('a');
  b = await startServer('b');
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.proc.exitCode !== null) return resolve();
          s.proc.once('exit', () => resolve());
          s.proc.kill('SIGTERM');
        }),
    ),
  );
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('routing across two server processes on one PostgreSQL database', () => {
  it('starts both in shadow routing set once by the first start (audited as bootstrap)', async () => {
    for (const s of [a, b]) {
      const { body } = await call(s, 'GET', '/v1/routing');
      expect(body).toMatchObject({ generation: 1, strategy: 'shadow', champion: 1, challenger: 2 });
    }
    const { body } = await call(a, 'GET', '/v1/routing/history');
    const changes = body.changes as { action: string; actor: string }[];
    expect(changes.filter((c) => c.action === 'bootstrap').map((c) => c.actor)).toEqual(['bootstrap']);
  });

  it('applies a change made on one process in the other within 1 s', async () => {
    const delays: number[] = [];
    const specs = [
      { strategy: 'canary', percent: 30 },
      { strategy: 'blue_green', blue: 1, green: 2, active: 'green' },
      { strategy: 'single', champion: 1 },
      { strategy: 'shadow', champion: 1, challenger: 2 },
    ];
    for (const [i, spec] of specs.entries()) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      const t0 = performance.now();
      const set = await call(from, 'PUT', '/v1/routing', { ...spec, reason: `step ${i}` });
      expect(set.status).toBe(200);
      for (;;) {
        const { body } = await call(to, 'GET', '/v1/routing');
        if (body.generation === set.body.generation) break;
        expect(performance.now() - t0).toBeLessThan(1_000);
        await new Promise((r) => setTimeout(r, 5));
      }
      delays.push(performance.now() - t0);
    }
    console.log(
      `routing change seen by the other process after ${delays.map((d) => d.toFixed(0)).join(', ')} ms`,
    );
    expect(Math.max(...delays)).toBeLessThan(1_000);
  });

  it('promotes and rolls back while both serve a steady stream: no errors, every answer from one state', async () => {
    await call(a, 'PUT', '/v1/routing', { strategy: 'canary', champion: 1, challenger: 2, percent: 50 });
    const answers: { generation: number; customer: string; version: number }[] = [];
    const failures: string[] = [];
    let stop = false;
    const worker = async (server: Server, w: number) => {
      for (let i = 0; !stop; i++) {
        const customer = `s${w}_${i % 97}`;
        try {
          const res = await fetch(`${server.url}/v1/predictions`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ customer_id: customer, features: rows[i % rows.length] }),
          });
          const body = (await res.json()) as { model_version: number };
          if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
          else
            answers.push({
              generation: Number(res.headers.get('x-routing-generation')),
              customer,
              version: body.model_version,
            });
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = [0, 1, 2, 3].map((w) => worker(w % 2 === 0 ? a : b, w));
    const pause = () => new Promise((r) => setTimeout(r, 400));
    await pause();
    const changes: [Server, string, object][] = [
      [a, '/v1/routing/promote', { reason: 'canary looks good' }],
      [b, '/v1/routing/rollback', { reason: 'on second thought' }],
      [b, '/v1/routing/promote', { version: 2 }],
      [a, '/v1/routing/rollback', {}],
    ];
    const steps = [];
    for (const [server, path, body] of changes) {
      steps.push(await call(server, 'POST', path, body));
      await pause();
    }
    stop = true;
    await Promise.all(load);
    expect(steps.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(100);
    // Every answer is the one its generation's state gives that customer.
    const { body } = await call(a, 'GET', '/v1/routing/history?limit=100');
    const specs = new Map(
      (body.changes as { generation: number; spec: RoutingSpec }[]).map((c) => [c.generation, c.spec]),
    );
    const expected = (spec: RoutingSpec, customer: string) =>
      spec.strategy === 'canary' && canaryBucket(customer) < spec.percent * 100
        ? spec.challenger
        : servingVersion(spec);
    const wrong = answers.filter((x) => {
      const spec = specs.get(x.generation);
      return !spec || expected(spec, x.customer) !== x.version;
    });
    expect(wrong).toEqual([]);
    const generations = new Set(answers.map((x) => x.generation));
    expect(generations.size).toBeGreaterThanOrEqual(4);
    console.log(
      `${answers.length} answers across generations ${[...generations].sort((x, y) => x - y).join(', ')}`,
    );
    // Both processes end on the same state: the canary before the first promotion.
    const [ra, rb] = [await call(a, 'GET', '/v1/routing'), await call(b, 'GET', '/v1/routing')];
    expect(ra.body).toMatchObject({ strategy: 'canary', champion: 1, challenger: 2, percent: 50 });
    await new Promise((r) => setTimeout(r, 100));
    expect((await call(b, 'GET', '/v1/routing')).body.generation).toBe(ra.body.generation);
    expect(rb.body.strategy).toBe('canary');
  });
});
