import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { CUSTOMER_SCHEMA, csvChunks, datasetCsvColumns, datasetRows, generateCustomers } from '@churn/ml';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { TrainingService } from '../../src/jobs/index.js';
import { ModelRegistry } from '../../src/registry/index.js';

/**
 * The suite the training stores pass on every Database (PGlite, PostgreSQL): datasets stored
 * and read back byte for byte, jobs queued, claimed, trained and registered with lineage,
 * stale jobs failed at start, queued jobs cancelled. Training runs on the built worker (dist).
 */
export function trainingContract(
  name: string,
  open: () => Promise<Database>,
  drop?: () => Promise<void>,
): void {
  describe(`Training jobs contract: ${name}`, () => {
    const customers = generateCustomers({ rows: 1500, seed: 12 });
    const csv = Buffer.from([...csvChunks(datasetCsvColumns(customers), customers.nRows)].join(''));
    const log = pino({ level: 'silent' });
    let db: Database;
    let registry: ModelRegistry;
    let service: TrainingService;

    beforeAll(async () => {
      db = await open();
      registry = new ModelRegistry(db);
      service = new TrainingService({ db, registry, log, persistEveryMs: 0 });
    });
    afterAll(async () => {
      await service?.close();
      await db?.close();
      await drop?.();
    });

    it('stores a CSV compressed and gives the same bytes back', async () => {
      const ds = await service.datasets.add(csv, { name: 'c.csv', createdBy: 'test' });
      expect(ds).toMatchObject({ name: 'c.csv', source: 'upload', rows: 1500, createdBy: 'test' });
      expect(ds.sizeBytes).toBe(csv.byteLength);
      const stored = await service.datasets.content(ds.id);
      expect(stored.byteLength).toBeLessThan(csv.byteLength / 2);
      expect(Buffer.from(gunzipSync(stored)).equals(csv)).toBe(true);
      expect(await service.datasets.get(ds.id)).toEqual(ds);
      expect((await service.datasets.list()).map((d) => d.id)).toContain(ds.id);
    });

    it('builds a dataset from observed outcomes joined with their predictions', async () => {
      await expect(service.datasets.fromFeedback()).rejects.toMatchObject({ code: 'CHURN_ERR_CONFLICT' });
      const features = {
        ...datasetRows(customers, 0, 1)[0],
        payment_method: 'crypto, "new"',
        email_open_rate: null,
      };
      const ids = [randomUUID(), randomUUID()];
      for (const [i, id] of ids.entries()) {
        await db.query(
          `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features, created_at)
           VALUES ($1, $2, 1, 0.5, 'medium', $3, now() - interval '1 hour')`,
          [id, `c${i}`, JSON.stringify(features)],
        );
      }
      // One outcome by prediction id, one by customer id; a prediction without outcome is left out.
      await db.query('INSERT INTO feedback (prediction_id, customer_id, churned) VALUES ($1, $2, true)', [
        ids[0],
        'c0',
      ]);
      await db.query(`INSERT INTO feedback (customer_id, churned) VALUES ('c1', false)`);
      await db.query(
        `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features)
         VALUES ($1, 'c2', 1, 0.5, 'low', $2)`,
        [randomUUID(), JSON.stringify(features)],
      );
      const ds = await service.datasets.fromFeedback({ name: 'outcomes' });
      expect(ds).toMatchObject({ name: 'outcomes', source: 'feedback', rows: 2 });
      expect(ds.columns).toEqual(['customer_id', ...CUSTOMER_SCHEMA.features.map((f) => f.name), 'churned']);
      const text = gunzipSync(await service.datasets.content(ds.id)).toString('utf8');
      const body = text.trimEnd().split('\n').slice(1);
      expect(body.map((l) => [l.split(',')[0], l.at(-1)]).sort()).toEqual([
        ['c0', '1'],
        ['c1', '0'],
      ]);
      expect(text).toContain('"crypto, ""new"""');
    });

    it('cancels a queued job, fails a stale one at start, and runs the rest in order', async () => {
      const ds = (await service.datasets.list()).find((d) => d.source === 'upload');
      if (!ds) throw new Error('the upload of the first test is missing');
      const cancelled = await service.submit({
        dataset_id: ds.id,
        algorithm: 'random-forest',
        params: { trees: 3 },
      });
      const stale = await service.submit({
        dataset_id: ds.id,
        algorithm: 'random-forest',
        params: { trees: 3 },
      });
      const a = await service.submit({ dataset_id: ds.id, algorithm: 'random-forest', params: { trees: 4 } });
      const b = await service.submit({
        dataset: { rows: 800, seed: 2 },
        algorithm: 'gradient-boosting',
        params: { trees: 6 },
        set_alias: 'challenger',
      });
      expect(await service.cancel(cancelled.id)).toMatchObject({ status: 'cancelled' });
      await db.query(`UPDATE training_jobs SET status = 'running' WHERE id = $1`, [stale.id]);
      const progress: number[] = [];
      service.onChange((j) => {
        if (j.id === a.id && j.status === 'running') progress.push(j.progress);
      });
      await service.start();
      expect((await service.get(stale.id)).status).toBe('failed');
      const doneA = await service.wait(a.id, { timeoutMs: 50_000 });
      const doneB = await service.wait(b.id, { timeoutMs: 50_000 });
      expect([doneA.status, doneA.modelVersion, doneB.status, doneB.modelVersion]).toEqual([
        'succeeded',
        1,
        'succeeded',
        2,
      ]);
      expect(progress.length).toBeGreaterThan(3);
      expect(Math.max(...progress)).toBeLessThan(1);
      // Persisted progress and timings.
      const row = await service.get(a.id);
      expect(row.progress).toBe(1);
      expect(new Date(row.finishedAt as string) >= new Date(row.startedAt as string)).toBe(true);
      const v2 = await registry.get(2);
      expect(v2).toMatchObject({ algorithm: 'gradient-boosting', parent: null, aliases: ['challenger'] });
      expect(v2.metrics).toEqual(doneB.metrics);
      expect((await registry.load(2)).trees).toHaveLength(6);
      expect((await service.list({ status: 'succeeded' })).map((j) => j.id).sort()).toEqual(
        [a.id, b.id].sort(),
      );
      expect((await service.list({ status: 'failed' })).map((j) => j.id)).toEqual([stale.id]);
    });
  });
}
