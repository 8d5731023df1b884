import { CUSTOMER_SCHEMA, generateCustomers, trainModel } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { CustomerStream, startDemoTraffic } from '../../src/demo/index.js';
import { ModelRegistry } from '../../src/registry/index.js';

let app: FastifyInstance;
let ctx: AppContext;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const registry = new ModelRegistry(db);
  const model = await trainModel(generateCustomers({ rows: 1500, seed: 8 }), CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 10, threads: 1 },
  });
  await registry.setAlias('champion', await registry.register(model));
  ctx = await createAppContext({ config: loadConfig({}), db });
  app = await buildApp(ctx);
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

const count = async (table: string) =>
  Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('demo traffic', () => {
  it('does nothing when CHURN_DEMO_TRAFFIC=off', async () => {
    const off = { ...ctx, config: loadConfig({ CHURN_DEMO_TRAFFIC: 'off' }) };
    expect(startDemoTraffic({ app, ctx: off, rate: 50 })).toBeNull();
    await new Promise((r) => setTimeout(r, 700));
    await ctx.predictionLog.flush();
    expect([await count('predictions'), await count('feedback')]).toEqual([0, 0]);
  });

  it('scores simulated customers through the API and reports their outcomes later', async () => {
    const demo = startDemoTraffic({ app, ctx, rate: 40, feedbackDelayMs: [100, 400], feedbackShare: 1 });
    expect(demo).not.toBeNull();
    await until(async () => {
      await ctx.predictionLog.flush();
      return (await count('predictions')) >= 20 && (await count('feedback')) >= 10;
    }, 15_000);
    await demo?.stop();
    await ctx.predictionLog.flush();
    const stats = demo?.stats;
    expect(stats?.failures).toBe(0);
    expect(stats?.predictions).toBe(await count('predictions'));
    expect(stats?.feedback).toBe(await count('feedback'));
    // Every outcome belongs to a logged demo prediction, for the same customer.
    const orphans = await ctx.db.query(
      `SELECT f.id FROM feedback f LEFT JOIN predictions p ON p.prediction_id = f.prediction_id
       WHERE p.prediction_id IS NULL OR p.customer_id <> f.customer_id OR f.customer_id NOT LIKE 'demo_%'`,
    );
    expect(orphans).toEqual([]);
    // Stopped means stopped: nothing more arrives.
    const after = [await count('predictions'), await count('feedback')];
    await new Promise((r) => setTimeout(r, 600));
    await ctx.predictionLog.flush();
    expect([await count('predictions'), await count('feedback')]).toEqual(after);
  });
});

describe('CustomerStream', () => {
  it('drifts from the reference population towards the scenario as time passes', () => {
    const stream = new CustomerStream({ scenario: 'downturn', rampSeconds: 100, maxDriftShare: 1, seed: 1 });
    expect([stream.driftShare(0), stream.driftShare(50), stream.driftShare(1000)]).toEqual([0, 0.5, 1]);
    const early = Array.from({ length: 400 }, () => stream.next(0));
    const late = Array.from({ length: 400 }, () => stream.next(1000));
    expect(early.every((c) => !c.drifted)).toBe(true);
    expect(late.every((c) => c.drifted)).toBe(true);
    const meanRecency = (cs: typeof early) =>
      cs.reduce((s, c) => s + (c.features.days_since_last_order as number), 0) / cs.length;
    // The downturn makes customers wait longer between orders.
    expect(meanRecency(late)).toBeGreaterThan(1.3 * meanRecency(early));
    const ids = new Set([...early, ...late].map((c) => c.customerId));
    expect(ids.size).toBe(800);
    // Outcomes come from the generator's mechanism: both classes, at a plausible rate.
    const rate = early.filter((c) => c.churned).length / early.length;
    expect(rate).toBeGreaterThan(0.1);
    expect(rate).toBeLessThan(0.4);
  });
});
