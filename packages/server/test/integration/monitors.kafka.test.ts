import { randomUUID } from 'node:crypto';
import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPostgres } from '../../src/db/index.js';
import { predictionScoredEvent } from '../../src/events/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { deleteTopics, freshDatabase, serviceEnv } from './events-support.js';

// The drift and outlier monitors in their Kafka consumer groups, on a PostgreSQL database and a
// topic prefix of this file's own: every produced prediction is consumed by both, reports stored.

const { databaseUrl, brokers } = serviceEnv();
const prefix = `monitors-${randomUUID().slice(0, 8)}.`;
const N = 3000;
let ctx: AppContext;
let version: number;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const fresh = await freshDatabase(databaseUrl);
  dropDb = fresh.drop;
  const db = await openPostgres(fresh.url);
  await migrate(db);
  const registry = new ModelRegistry(db);
  const model = await trainModel(generateCustomers({ rows: 4000, seed: 8 }), CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 20, threads: 1 },
  });
  version = await registry.register(model);
  const config = loadConfig({
    DATABASE_URL: fresh.url,
    KAFKA_BROKERS: brokers.join(','),
    CHURN_KAFKA_TOPIC_PREFIX: prefix,
    CHURN_DEMO_TRAFFIC: 'off',
    CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '0',
    CHURN_EVENT_CONSUMERS: 'drift-monitor,outlier-monitor',
    CHURN_DRIFT_CHECK_EVERY: '1000',
    CHURN_DRIFT_WINDOW_ROWS: '2000',
  });
  ctx = await createAppContext({ config, db });
  await ctx.events.ready();
});

afterAll(async () => {
  if (ctx) await closeAppContext(ctx);
  await dropDb?.();
  await deleteTopics(brokers, prefix);
});

async function consumed(group: string): Promise<number> {
  const m = await ctx.metrics.events.consumedTotal.get();
  return m.values.find((v) => v.labels.group === group)?.value ?? 0;
}

describe('monitors on Kafka and PostgreSQL', () => {
  it('consume every produced prediction and store drift reports', async () => {
    expect(ctx.events.consumers.sort()).toEqual(['drift-monitor', 'outlier-monitor']);
    const rows = datasetRows(generateCustomers({ rows: N, seed: 9, drift: 'payment-shift' }));
    for (const [i, features] of rows.entries())
      ctx.events.bus.publish(
        ctx.events.topics.predictions,
        predictionScoredEvent(
          {
            predictionId: randomUUID(),
            customerId: `cus_${i % 500}`,
            modelVersion: version,
            probability: 0.2,
            riskLevel: 'low',
            features,
          },
          'test',
        ),
      );
    await ctx.events.bus.flush();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if ((await consumed('drift-monitor')) >= N && (await consumed('outlier-monitor')) >= N) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await consumed('drift-monitor')).toBeGreaterThanOrEqual(N);
    expect(await consumed('outlier-monitor')).toBeGreaterThanOrEqual(N);
    // Redelivered events are de-duplicated by prediction id: exactly N rows were checked.
    const checked = await ctx.metrics.monitors.outliersScored.get();
    expect(checked.values.find((v) => v.labels.version === String(version))?.value).toBe(N);
    // Events of one key stay in order, but six partitions interleave: the check count is exact.
    const reports = await ctx.monitors.driftReports.list({ version });
    expect(reports).toHaveLength(N / 1000);
    expect(reports[0].severity).toBe('high');
    expect(reports[0].features.filter((f) => f.drift).map((f) => f.name)).toContain('payment_method');
    const [{ n }] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM drift_reports');
    expect(n).toBe(N / 1000);
    expect((await ctx.alerts.list({ kind: 'drift' }))[0]).toMatchObject({ severity: 'high' });
  });
});
