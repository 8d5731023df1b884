import { describe, expect, it } from 'vitest';
import { adjustPValues, benjaminiHochberg, bonferroni } from './corrections.js';

describe('multiple-testing corrections', () => {
  const p = [0.01, 0.04, 0.03, 0.2, 0.5];
  it('Bonferroni multiplies by the number of tests and caps at 1', () => {
    const expected = [0.05, 0.2, 0.15, 1, 1];
    for (const [i, v] of bonferroni(p).entries()) expect(v).toBeCloseTo(expected[i], 15);
  });
  it('Benjamini-Hochberg equals scipy.stats.false_discovery_control', () => {
    // scipy 1.17.1: false_discovery_control([0.01, 0.04, 0.03, 0.2, 0.5]) (computed once in the venv)
    const scipy = [0.05, 0.06666666666666667, 0.06666666666666667, 0.25, 0.5];
    for (const [i, v] of benjaminiHochberg(p).entries()) expect(v).toBeCloseTo(scipy[i], 15);
  });
  it('leaves NaN p-values out of the count', () => {
    expect(bonferroni([0.01, Number.NaN, 0.02])).toEqual([0.02, Number.NaN, 0.04]);
    const bh = benjaminiHochberg([0.04, Number.NaN, 0.01]);
    expect(bh[1]).toBeNaN();
    expect(bh[0]).toBeCloseTo(0.04, 15);
    expect(bh[2]).toBeCloseTo(0.02, 15);
  });
  it('"none" returns the p-values unchanged', () => {
    expect(adjustPValues(p, 'none')).toEqual(p);
  });
});
