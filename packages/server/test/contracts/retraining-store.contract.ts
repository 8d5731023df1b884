import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import type { ChurnError } from '../../src/errors/index.js';
import { type GateResult, RetrainingRunStore } from '../../src/retraining/index.js';

const gate = (passed: boolean): GateResult => ({
  passed,
  reason: passed ? 'fine' : 'too slow',
  observed: { latency_ms: 3, agreement: null },
  thresholds: { latency_budget_ms: 50 },
  at: '2026-11-26T10:00:00.000Z',
});

/**
 * The retraining run store on one database: one running run at a time (across processes: the
 * unique index), changes audited with their run, orphaned runs failed. PGlite and PostgreSQL
 * run the same suite.
 */
export function retrainingStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`Retraining run store contract: ${name}`, () => {
    let db: Database;
    let store: RetrainingRunStore;
    beforeAll(async () => {
      db = await open();
      store = new RetrainingRunStore(db);
    });
    afterAll(async () => db?.close());

    const audit = async (run: string) =>
      (
        await db.query<{ action: string; reason: string }>(
          "SELECT action, reason FROM audit_log WHERE actor = 'retraining' AND after->>'run' = $1 ORDER BY id",
          [run],
        )
      ).map((r) => `${r.action}: ${r.reason}`);

    it('starts one run at a time, records each change with its audit row, then allows the next', async () => {
      const run = await store.insert({ kind: 'manual', actor: 'ops', reason: 'first' }, null);
      expect(run).toMatchObject({ status: 'running', step: 'train', gates: {}, data: {}, finished_at: null });
      const second = await store
        .insert({ kind: 'manual', actor: 'ops', reason: 'second' }, null)
        .catch((e) => e);
      expect((second as ChurnError).code).toBe('CHURN_ERR_CONFLICT');
      expect((await store.running())?.id).toBe(run.id);

      await store.change(run.id, 'data', { data: { recent_rows: 10 } }, 'data ready');
      await store.change(run.id, 'gate.shadow', { step: 'shadow', gate: ['shadow', gate(true)] }, 'fine');
      const done = await store.change(
        run.id,
        'rolled_back',
        { status: 'rolled_back', gate: ['canary_10', gate(false)], error: 'canary_10 gate failed: too slow' },
        'too slow',
      );
      expect(done).toMatchObject({
        status: 'rolled_back',
        step: 'shadow',
        data: { recent_rows: 10 },
        gates: { shadow: gate(true), canary_10: gate(false) },
        error: 'canary_10 gate failed: too slow',
      });
      expect(done.finished_at).not.toBeNull();
      expect(await store.get(run.id)).toEqual(done);
      expect(await audit(run.id)).toEqual([
        'retraining.started: manual: first (ops)',
        'retraining.data: data ready',
        'retraining.gate.shadow: fine',
        'retraining.rolled_back: too slow',
      ]);
      expect(await store.running()).toBeNull();
      const next = await store.insert({ kind: 'manual', actor: 'ops', reason: 'next' }, null);
      expect((await store.list({ limit: 10 })).map((r) => r.id)).toEqual([next.id, run.id]);
      expect((await store.list({ status: 'rolled_back' })).map((r) => r.id)).toEqual([run.id]);
      await store.change(next.id, 'cancelled', { status: 'cancelled' }, 'stop');
    });

    it('tells when the last automatic run started, manual runs aside', async () => {
      expect(await store.lastAutomaticStart()).toBeNull();
      const auto = await store.insert(
        {
          kind: 'drift',
          decision: 'high drift',
          alert: { model_version: 1, severity: 'high', drifted_features: [] },
        },
        null,
      );
      expect((await store.lastAutomaticStart())?.toISOString()).toBe(auto.started_at);
      await store.change(auto.id, 'promoted', { status: 'promoted', step: 'done' }, 'ok');
    });

    it('fails runs whose process stopped, but not its own', async () => {
      const run = await store.insert({ kind: 'manual', actor: 'ops', reason: 'orphan' }, null);
      expect(await store.failStale(60, null)).toEqual([]);
      await db.query("UPDATE retraining_runs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1", [
        run.id,
      ]);
      expect(await store.failStale(60, run.id)).toEqual([]);
      expect(await store.failStale(60, null)).toEqual([run.id]);
      expect(await store.get(run.id)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/stopped/),
      });
    });

    it('answers CHURN_ERR_NOT_FOUND for an unknown run', async () => {
      const err = await store.get('00000000-0000-4000-8000-000000000000').catch((e) => e);
      expect((err as ChurnError).code).toBe('CHURN_ERR_NOT_FOUND');
    });
  });
}
