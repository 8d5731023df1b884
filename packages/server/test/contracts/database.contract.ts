import { type ChurnModel, generateCustomers, predictDataset, trainModel } from '@churn/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrate } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { PredictionLog } from '../../src/scoring/index.js';

/**
 * The one suite every Database implementation (PGlite, PostgreSQL) passes: migrations, queries,
 * transactions, the model registry and the prediction log on top of them.
 */
export function databaseContract(name: string, open: () => Promise<Database>): void {
  describe(`Database contract: ${name}`, () => {
    let db: Database;
    let model: ChurnModel;
    beforeAll(async () => {
      db = await open();
      // Start from an empty schema, whatever tables later migrations add.
      await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      const ds = generateCustomers({ rows: 1500, seed: 3 });
      model = await trainModel(
        ds,
        { features: [] },
        { algorithm: 'gradient-boosting', boosting: { nRounds: 10, threads: 1 } },
      );
    });
    afterAll(async () => db?.close());

    it('applies the migrations once', async () => {
      const applied = await migrate(db);
      expect(applied[0]).toBe('001_initial.sql');
      expect(applied).toEqual([...applied].sort());
      expect(await migrate(db)).toEqual([]);
    });

    it('runs parameterised queries and rolls a failed transaction back', async () => {
      const [{ x }] = await db.query<{ x: number }>('SELECT $1::int + 1 AS x', [41]);
      expect(Number(x)).toBe(42);
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO audit_log (actor, action) VALUES ('t', 'rollback-me')");
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const rows = await db.query("SELECT * FROM audit_log WHERE action = 'rollback-me'");
      expect(rows).toHaveLength(0);
    });

    it('keeps a transaction open across awaits and reports PostgreSQL error fields', async () => {
      const seen = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO audit_log (actor, action) VALUES ('t', 'held-open')");
        await new Promise((r) => setTimeout(r, 20));
        const [{ n }] = await tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM audit_log WHERE action = 'held-open'",
        );
        return Number(n);
      });
      expect(seen).toBe(1);
      await expect(db.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
        code: '42P01',
        message: expect.stringContaining('no_such_table'),
      });
      // The database still answers after the error.
      const [{ x }] = await db.query<{ x: number }>('SELECT 1 AS x');
      expect(Number(x)).toBe(1);
    });

    it('registers versions with lineage and aliases, and loads identical models back', async () => {
      const registry = new ModelRegistry(db);
      const v1 = await registry.register(model, { description: 'first' });
      const v2 = await registry.register(model, { parent: v1, description: 'second' });
      expect([v1, v2]).toEqual([1, 2]);
      await registry.setAlias('champion', v1);
      await registry.setAlias('challenger', v2);
      await registry.setAlias('champion', v2);
      const list = await registry.list();
      expect(list.map((m) => [m.version, m.parent, m.aliases])).toEqual([
        [1, null, []],
        [2, 1, ['challenger', 'champion']],
      ]);
      expect(list[0].dataHash).toBe(model.training.dataHash);
      const loaded = await registry.load(v2);
      const ds = generateCustomers({ rows: 200, seed: 4 });
      expect(Array.from(predictDataset(loaded, ds))).toEqual(Array.from(predictDataset(model, ds)));
      await expect(registry.get(99)).rejects.toMatchObject({ code: 'CHURN_ERR_NOT_FOUND' });
    });

    it('logs predictions in batches', async () => {
      const errors: unknown[] = [];
      const log = new PredictionLog(db, (e) => errors.push(e), 100, 10_000);
      for (let i = 0; i < 250; i++) {
        log.add({
          predictionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          customerId: `c${i}`,
          modelVersion: 1,
          probability: i / 250,
          riskLevel: 'low',
          features: { i },
        });
      }
      await log.flush();
      expect(errors).toEqual([]);
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions');
      expect(Number(n)).toBe(250);
    });
  });
}
