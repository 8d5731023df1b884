import { describe, expect, it } from 'vitest';
import type { CategoricalColumn } from '../data/dataset.js';
import { chiSquareTest, chiSquareTwoRows } from './chi-square-test.js';
import { gammaQ } from './special.js';

/*
 * Reference values computed once with scipy 1.17.1 in the repository venv
 * (/work/main/.venv/bin/python): `scipy.stats.chi2_contingency(table)` (default correction, so
 * Yates when dof = 1; all-zero columns removed first) and `scipy.special.gammaincc(a, x)`.
 */
const TABLES: [string, number[], number[], number, number, number][] = [
  ['dof 1 (Yates)', [30, 70], [45, 55], 4.181333333333333, 0.04087153408900628, 1],
  ['dof 3', [120, 80, 50, 10], [100, 90, 40, 30], 13.517528223410576, 0.003641170121668276, 3],
  [
    'a category absent from both is dropped',
    [50, 0, 30, 20],
    [40, 0, 35, 25],
    2.051282051282051,
    0.3585665413731905,
    2,
  ],
  ['small counts, dof 1', [3, 1], [1, 3], 0.5, 0.47950012218695337, 1],
];

const cat = (categories: string[], counts: number[], missing = 0): CategoricalColumn => {
  const codes: number[] = [];
  counts.forEach((n, k) => {
    for (let i = 0; i < n; i++) codes.push(k);
  });
  for (let i = 0; i < missing; i++) codes.push(-1);
  return { kind: 'categorical', name: 'c', codes: Int32Array.from(codes), categories };
};

describe('chi-square (scipy chi2_contingency parity)', () => {
  it.each(TABLES)('%s', (_name, a, b, stat, p, dof) => {
    const r = chiSquareTwoRows(a, b);
    expect(r.dof).toBe(dof);
    expect(r.statistic).toBeCloseTo(stat, 10);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-9);
  });

  it('aligns categories by name, appends unseen ones and excludes missing values', () => {
    const names = ['a', 'b', 'c', 'd'];
    const ref = chiSquareTest.prepare(cat(names, [120, 80, 50, 10], 7));
    // Same counts, categories listed in another order, plus missing values.
    const cur = cat(['d', 'c', 'b', 'a'], [30, 40, 90, 100], 3);
    const r = chiSquareTest.compare(ref, cur);
    expect(r.statistic).toBeCloseTo(13.517528223410576, 10);
    expect(r.nReference).toBe(260);
    expect(r.nCurrent).toBe(260);
    expect(r.effect).toBeCloseTo(Math.sqrt(13.517528223410576 / 520), 12);
    const unseen = chiSquareTest.compare(ref, cat(['a', 'bitcoin'], [100, 60]));
    expect(unseen.pValue).toBeLessThan(1e-10);
  });

  it('one category on both sides is no evidence of drift', () => {
    const r = chiSquareTwoRows([10, 0], [5, 0]);
    expect(r).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  });
});

describe('regularized upper incomplete gamma (scipy.special.gammaincc parity)', () => {
  const VALUES: [number, number, number][] = [
    [0.5, 0.1, 0.6547208460185768],
    [0.5, 3.0, 0.014305878435429641],
    [1.5, 7.2, 0.002408284230647146],
    [10, 5, 0.9681719426937951],
    [10, 25, 0.0002214766382487835],
    [50, 80, 0.0001307839765914092],
    [250, 200, 0.9996379295417103],
    [0.5, 40, 3.744097384202887e-19],
  ];
  it.each(VALUES)('Q(%d, %d)', (a, x, q) => {
    expect(Math.abs(gammaQ(a, x) - q)).toBeLessThanOrEqual(1e-12 + 1e-9 * q);
  });
});
