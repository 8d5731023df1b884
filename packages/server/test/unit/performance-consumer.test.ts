import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import { createTestKey } from '../helpers/keys.js';

// The performance tracker as an event consumer: outcomes posted to the API reach it as
// feedback.received events, and it refreshes the stored performance snapshots without waiting
// for the job's hourly timer.
let app: FastifyInstance;
let ctx: AppContext;
let predict: Record<string, string>;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  ctx = await createAppContext({ config: loadConfig({ CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '3600' }), db });
  app = await buildApp(ctx);
  predict = (await createTestKey(ctx, 'predict')).headers;
  const at = new Date(Date.now() - 30 * 60_000).toISOString();
  for (let i = 0; i < 6; i++)
    await db.query(
      `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features, created_at)
       VALUES ($1, $2, 5, $3, 'low', '{}', $4)`,
      [`00000000-0000-4000-8000-00000000000${i}`, `p${i}`, (i + 1) / 10, at],
    );
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

describe('performance-tracker consumer', () => {
  it('runs in the embedded process and refreshes the snapshots when outcomes arrive', async () => {
    expect(ctx.events.consumers).toContain('performance-tracker');
    const snapshots = async () =>
      ctx.db.query<{ labelled: string; realized_auc: number | null }>(
        "SELECT labelled, realized_auc FROM performance_snapshots WHERE model_version = 5 AND window_name = '24h' ORDER BY id",
      );
    expect(await snapshots()).toEqual([]);
    for (let i = 0; i < 6; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/feedback',
        headers: predict,
        payload: { prediction_id: `00000000-0000-4000-8000-00000000000${i}`, churned: i >= 3 },
      });
      expect(res.statusCode).toBe(201);
    }
    // One run for the first batch of outcomes; any outcome it missed asks for another (≤ 10 s later).
    const deadline = Date.now() + 25_000;
    let complete: { labelled: string; realized_auc: number | null } | undefined;
    while (!complete && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      complete = (await snapshots()).find((r) => Number(r.labelled) === 6);
    }
    // Probabilities .4-.6 churned and .1-.3 did not: a perfect ranking.
    expect(complete?.realized_auc).toBe(1);
  }, 40_000);
});
