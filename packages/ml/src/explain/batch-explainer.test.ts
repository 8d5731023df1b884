import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChurnModel } from '../model/model.js';
import { encodeDataset } from '../model/predict.js';
import { trainModel } from '../model/train.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { BatchTreeExplainer } from './batch-explainer.js';
import { TreeExplainer } from './tree-explainer.js';

/*
 * Batches shared between this thread and a worker give exactly the one-thread explainer's values
 * (each row is explained whole by one thread), for both learners, batch sizes that do and do not
 * split, and a closed explainer refuses work.
 */

let forest: ChurnModel;
let boosting: ChurnModel;
beforeAll(async () => {
  const train = generateCustomers({ rows: 3000, seed: 5 });
  forest = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'random-forest',
    forest: { nTrees: 12, maxDepth: 8, threads: 1 },
  });
  boosting = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 30, threads: 1 },
  });
}, 120_000);

describe('BatchTreeExplainer', () => {
  const held = generateCustomers({ rows: 1001, seed: 9 });
  let explainers: BatchTreeExplainer[] = [];
  afterAll(async () => Promise.all(explainers.map((e) => e.close())));

  for (const kind of ['forest', 'boosting'] as const) {
    it(`${kind}: two threads give the one-thread values bit for bit`, async () => {
      const model = kind === 'forest' ? forest : boosting;
      const parallel = await BatchTreeExplainer.create(model, 2);
      explainers.push(parallel);
      expect(parallel.threads).toBe(2);
      const single = new TreeExplainer(model);
      for (const n of [1001, 300, 10]) {
        const rows = encodeDataset(model, { ...held, nRows: n });
        const expected = single.shapBatch(rows);
        const got = await parallel.shapBatch(rows);
        expect(got.length).toBe(n * single.nFeatures);
        expect(Array.from(got)).toEqual(Array.from(expected));
      }
      expect(parallel.expectedValue).toBe(single.expectedValue);
      expect(parallel.outputSpace).toBe(single.outputSpace);
    }, 60_000);
  }

  for (const kind of ['forest', 'boosting'] as const) {
    it(`${kind}: off-thread, every row on the workers, with the same values and base`, async () => {
      const model = kind === 'forest' ? forest : boosting;
      const single = new TreeExplainer(model);
      for (const threads of [1, 2]) {
        const off = await BatchTreeExplainer.create(model, threads, { offThread: true });
        explainers.push(off);
        expect(off.local).toBeNull();
        expect(off.threads).toBe(threads);
        expect(off.expectedValue).toBe(single.expectedValue);
        expect(off.outputSpace).toBe(single.outputSpace);
        for (const n of [1, 7, 300]) {
          const rows = encodeDataset(model, { ...held, nRows: n });
          const got = await off.shapBatch(rows);
          expect(Array.from(got)).toEqual(Array.from(single.shapBatch(rows)));
          expect(off.outputOf(got)).toBe(single.outputOf(got));
        }
      }
    }, 60_000);
  }

  it('refuses work once closed', async () => {
    const e = await BatchTreeExplainer.create(boosting, 2);
    await e.close();
    explainers = explainers.filter((x) => x !== e);
    await expect(e.shapBatch(encodeDataset(boosting, held))).rejects.toThrow(/closed/);
  });
});
