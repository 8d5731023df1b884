import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import { profileDataset } from './profile.js';

/** numpy's default quantile (linear between order statistics), from a full sort. */
function sortedQuantile(values: number[], q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

describe('profileDataset', () => {
  it('gives the sorted quantiles exactly, with ties, missing values and tiny columns', () => {
    const rng = new Rng(3);
    for (const n of [1, 2, 3, 10, 11, 1000, 20_001]) {
      const cols = [
        Float64Array.from({ length: n }, () => rng.next() * 1000 - 500),
        Float64Array.from({ length: n }, () => Math.floor(rng.next() * 4)), // heavy ties
        Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Number.NaN : rng.next())),
      ];
      const ds: Dataset = {
        nRows: n,
        columns: cols.map((values, k) => ({ kind: 'numeric' as const, name: `f${k}`, values })),
      };
      const profile = profileDataset(ds);
      cols.forEach((values, k) => {
        const present = Array.from(values).filter((v) => !Number.isNaN(v));
        const p = profile[k];
        if (p.kind !== 'numeric') throw new Error('expected a numeric profile');
        if (present.length === 0) {
          expect(p.median).toBeNaN();
          return;
        }
        expect([p.p10, p.median, p.p90]).toEqual([0.1, 0.5, 0.9].map((q) => sortedQuantile(present, q)));
        expect(p.missingRate).toBe((n - present.length) / n);
      });
      // Profiling does not reorder the dataset's own columns.
      expect(Array.from(ds.columns[0].kind === 'numeric' ? ds.columns[0].values : [])).toEqual(
        Array.from(cols[0]),
      );
    }
  });
});
