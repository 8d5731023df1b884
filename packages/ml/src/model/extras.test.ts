import { describe, expect, it } from 'vitest';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { dataExtras, dataExtrasInWorker } from './extras.js';
import { trainModel } from './train.js';

describe('data extras', () => {
  it('are the same worked out on a worker thread as on this one', async () => {
    const train = generateCustomers({ rows: 3000, seed: 12 });
    const job = { train, schema: CUSTOMER_SCHEMA, seed: 7 };
    const here = dataExtras(job);
    const there = await dataExtrasInWorker(job);
    expect(there).not.toBeNull();
    const { ms: _a, ...a } = here;
    const { ms: _b, ...b } = there!;
    expect(b).toEqual(a);
    expect(b.reference.nRows).toBeGreaterThan(0);
    expect(b.outliers.treeStart.length).toBe(101);
  });

  it('give boosting the same model whether a worker works them out (large table) or not', async () => {
    const ds = generateCustomers({ rows: 20_000, seed: 13 });
    const options = { algorithm: 'gradient-boosting' as const, boosting: { nRounds: 3, maxDepth: 3 } };
    const withWorker = await trainModel(ds, CUSTOMER_SCHEMA, options);
    const inline = await trainModel(ds, CUSTOMER_SCHEMA, {
      ...options,
      boosting: { ...options.boosting, threads: 1 },
    });
    expect(withWorker.training.timings.extrasMs).toBeGreaterThan(0);
    expect(withWorker.training.reference).toEqual(inline.training.reference);
    expect(withWorker.training.profile).toEqual(inline.training.profile);
    expect(withWorker.training.outliers).toEqual(inline.training.outliers);
  }, 60_000);
});
