import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPostgres } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { createTestKey } from '../helpers/keys.js';
import { deleteTopics, freshDatabase, serviceEnv } from './events-support.js';

// The platform on the real services with KAFKA_BROKERS set: predictions travel as events through
// Kafka to the prediction-log writer. This file alone stops and starts the broker (outage test).

const run = promisify(execFile);
const SERVICES = fileURLToPath(new URL('../../../../scripts/services.sh', import.meta.url));
const kafka = (command: string) => run('bash', [SERVICES, command], { timeout: 180_000 });

const { databaseUrl, brokers } = serviceEnv();
const prefix = `app-${randomUUID().slice(0, 8)}.`;
const customers = generateCustomers({ rows: 2000, seed: 5 });
const records = datasetRows(customers, 0, 200);
let ctx: AppContext;
let app: FastifyInstance;
let auth: Record<string, string>;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const fresh = await freshDatabase(databaseUrl);
  dropDb = fresh.drop;
  const db = await openPostgres(fresh.url);
  await migrate(db);
  const registry = new ModelRegistry(db);
  const model = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 10, threads: 1 },
  });
  await registry.setAlias('champion', await registry.register(model));
  const config = loadConfig({
    DATABASE_URL: fresh.url,
    KAFKA_BROKERS: brokers.join(','),
    CHURN_KAFKA_TOPIC_PREFIX: prefix,
    CHURN_DEMO_TRAFFIC: 'off',
  });
  ctx = await createAppContext({ config, db });
  app = await buildApp(ctx);
  auth = (await createTestKey(ctx, 'predict')).headers;
  await ctx.events.ready();
});

afterAll(async () => {
  // Whatever happened, leave the broker running for the other tests.
  await kafka('status').catch(() => kafka('start-kafka'));
  await app?.close();
  if (ctx) await closeAppContext(ctx);
  await dropDb?.();
  await deleteTopics(brokers, prefix);
});

let served = 0;
async function predictOnce(): Promise<{ status: number; id?: string }> {
  const i = served++;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/predictions',
    headers: auth,
    payload: { customer_id: `cus_${i % 97}`, features: records[i % records.length] },
  });
  return { status: res.statusCode, id: res.statusCode === 200 ? res.json().prediction_id : undefined };
}

async function storedCount(ids: readonly string[]): Promise<number> {
  const [{ n }] = await ctx.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM predictions WHERE prediction_id = ANY($1::uuid[])',
    [ids],
  );
  return Number(n);
}

async function waitStored(ids: readonly string[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  while ((await storedCount(ids)) < ids.length) {
    if (Date.now() > end)
      throw new Error(`only ${await storedCount(ids)} of ${ids.length} predictions stored`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('events on Kafka, through the API', () => {
  it('stores every prediction served, once, through the prediction-log writer', async () => {
    const results = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      results.push(...(await Promise.all(Array.from({ length: 50 }, predictOnce))));
    }
    expect(results.map((r) => r.status)).toEqual(Array(500).fill(200));
    const ids = results.map((r) => r.id as string);
    await ctx.predictionLog.flush();
    await waitStored(ids, 30_000);
    expect(await storedCount(ids)).toBe(500);
    const [row] = await ctx.db.query<{ customer_id: string; model_version: number; features: object }>(
      'SELECT customer_id, model_version, features FROM predictions WHERE prediction_id = $1',
      [ids[7]],
    );
    expect(row).toEqual({ customer_id: 'cus_7', model_version: 1, features: records[7] });
    const consumed = await ctx.metrics.events.consumedTotal.get();
    expect(
      consumed.values.find((v) => v.labels.group === 'prediction-log-writer')?.value,
    ).toBeGreaterThanOrEqual(500);
  }, 60_000);

  it('answers every request while the broker is down and stores every prediction once it is back', async () => {
    const outboxedBefore = (await ctx.metrics.events.outboxedTotal.get()).values[0]?.value ?? 0;
    const results: { status: number; id?: string }[] = [];
    let load = true;
    let restartedAt = 0;
    // ~100 requests/s for the whole outage.
    const traffic = (async () => {
      while (load) {
        results.push(...(await Promise.all(Array.from({ length: 10 }, predictOnce))));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await kafka('stop-kafka');
      const stoppedAt = results.length;
      await new Promise((r) => setTimeout(r, 3000));
      expect(results.length).toBeGreaterThan(stoppedAt);
      await kafka('start-kafka');
      restartedAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      load = false;
      await traffic;
      await kafka('status').catch(() => kafka('start-kafka'));
    }
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    const outboxedAfter = (await ctx.metrics.events.outboxedTotal.get()).values[0]?.value ?? 0;
    expect(outboxedAfter).toBeGreaterThan(outboxedBefore);
    const ids = results.map((r) => r.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    await ctx.predictionLog.flush();
    await waitStored(ids, 120_000);
    expect(await storedCount(ids)).toBe(ids.length);
    console.info(
      `outage: ${ids.length} predictions served, 0 failed, ${outboxedAfter - outboxedBefore} events ` +
        `outboxed, all stored ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the broker was back`,
    );
    const end = Date.now() + 10_000;
    const outbox = async () =>
      Number((await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox'))[0].n);
    while ((await outbox()) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(await outbox()).toBe(0);
  }, 300_000);
});
