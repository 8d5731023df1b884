import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { generateCustomers } from '../synth/generator.js';
import { chiSquareTest } from './chi-square-test.js';
import { detectDrift } from './detect.js';
import { DriftChecker, splitByCost } from './drift-checker.js';
import { prepareDriftReference } from './reference.js';

// Worker threads run the compiled twin in dist/ (`npm test` builds first).

const reference = prepareDriftReference(generateCustomers({ rows: 4000, seed: 42 }));
const windows: [string, Dataset][] = [
  ['no drift', generateCustomers({ rows: 2000, seed: 43 })],
  ['payment-shift', generateCustomers({ rows: 2000, seed: 44, drift: 'payment-shift' })],
  ['downturn', generateCustomers({ rows: 1500, seed: 45, drift: 'downturn' })],
];
const checker = new DriftChecker();
afterAll(() => checker.close());

describe('DriftChecker', () => {
  it.each(windows)('gives exactly the report of detectDrift (%s)', async (_, current) => {
    const options = { importance: { days_since_last_order: 0.3, payment_method: 0.2, total_orders: 0.1 } };
    const pooled = await checker.check(reference, current, options);
    expect(pooled).toEqual(detectDrift(reference, current, options));
    await checker.clearKsCache();
    const cold = await checker.check(reference, current, { correction: 'benjamini-hochberg' });
    expect(cold).toEqual(detectDrift(reference, current, { correction: 'benjamini-hochberg' }));
  });

  it('leaves the caller’s window untouched (columns are copied before transfer)', async () => {
    const current = windows[1][1];
    const before = current.columns.map((c) => (c.kind === 'numeric' ? c.values.length : c.codes.length));
    await checker.check(reference, current);
    expect(current.columns.map((c) => (c.kind === 'numeric' ? c.values.length : c.codes.length))).toEqual(
      before,
    );
    expect(detectDrift(reference, current).severity).toBe('high');
  });

  it('keeps several references apart, beyond what a worker caches', async () => {
    const refs = [1, 2, 3, 4, 5, 6].map((seed) =>
      prepareDriftReference(generateCustomers({ rows: 600, seed })),
    );
    const current = generateCustomers({ rows: 400, seed: 99, drift: 'downturn' });
    for (const round of [0, 1])
      for (const ref of round ? [...refs].reverse() : refs)
        expect(await checker.check(ref, current)).toEqual(detectDrift(ref, current));
  });

  it('fails like detectDrift on a window without a feature, and on a custom test', async () => {
    const current = windows[0][1];
    const without = { ...current, columns: current.columns.filter((c) => c.name !== 'total_orders') };
    await expect(checker.check(reference, without)).rejects.toThrow(
      'current data has no column "total_orders"',
    );
    const custom = prepareDriftReference(generateCustomers({ rows: 300, seed: 7 }), {
      tests: { categorical: { ...chiSquareTest } },
    });
    await expect(checker.check(custom, current)).rejects.toThrow('uses a custom test');
  });

  it('runs on one thread as well, and refuses checks once closed', async () => {
    const one = new DriftChecker({ threads: 1 });
    const current = windows[2][1];
    expect(await one.check(reference, current)).toEqual(detectDrift(reference, current));
    await one.close();
    await expect(one.check(reference, current)).rejects.toThrow('closed');
    expect(() => new DriftChecker({ threads: 0 })).toThrow(RangeError);
  });
});

describe('splitByCost', () => {
  it('puts the largest costs first onto the least loaded thread', () => {
    expect(splitByCost([5, 1, 4, 2, 3, 1], 2)).toEqual([
      [0, 1, 3],
      [2, 4, 5],
    ]);
    expect(splitByCost([1, 1, 1], 1)).toEqual([[0, 1, 2]]);
    expect(splitByCost([2], 3)).toEqual([[0], [], []]);
  });
});
