/**
 * Chi-square drift test for categorical features, equal to scipy `chi2_contingency` on the 2 x k
 * table of reference and current counts: categories absent from both windows are dropped, Yates'
 * continuity correction is applied when there is one degree of freedom (scipy's default), and
 * missing values are excluded. The effect size is Cramér's V = sqrt(chi² / N) (2 rows).
 */
import type { Column } from '../data/dataset.js';
import type { DriftTest, FeatureTestResult } from './drift-test.js';
import { chiSquareSf } from './special.js';

/** A categorical reference column, counted once. */
export interface CategoryCounts {
  /** Category names, in first-seen order of the reference column. */
  readonly categories: readonly string[];
  readonly counts: Float64Array;
  readonly present: number;
  readonly missing: number;
}

/** Count a categorical column's codes by category (missing excluded). */
export function countCategories(column: Column): CategoryCounts {
  if (column.kind !== 'categorical') throw new Error(`chi2: column "${column.name}" is not categorical`);
  const counts = new Float64Array(column.categories.length);
  let missing = 0;
  for (let i = 0; i < column.codes.length; i++) {
    const c = column.codes[i];
    if (c < 0) missing++;
    else counts[c]++;
  }
  return { categories: column.categories, counts, present: column.codes.length - missing, missing };
}

/**
 * Align current counts with the reference categories by name; categories the reference never
 * had are appended. Returns the two count rows of the contingency table.
 */
export function alignCounts(
  ref: CategoryCounts,
  cur: CategoryCounts,
): { labels: string[]; a: number[]; b: number[] } {
  const labels = [...ref.categories];
  const a = Array.from(ref.counts);
  const b = new Array<number>(labels.length).fill(0);
  const index = new Map(labels.map((c, i) => [c, i]));
  cur.categories.forEach((c, k) => {
    let i = index.get(c);
    if (i === undefined) {
      i = labels.length;
      index.set(c, i);
      labels.push(c);
      a.push(0);
      b.push(0);
    }
    b[i] += cur.counts[k];
  });
  return { labels, a, b };
}

/** chi2_contingency on a 2 x k table given as two rows (Yates correction when dof = 1). */
export function chiSquareTwoRows(
  a: readonly number[],
  b: readonly number[],
): { statistic: number; pValue: number; dof: number } {
  const cols: [number, number][] = [];
  for (let i = 0; i < a.length; i++) if (a[i] + b[i] > 0) cols.push([a[i], b[i]]);
  let ra = 0;
  let rb = 0;
  for (const [x, y] of cols) {
    ra += x;
    rb += y;
  }
  const n = ra + rb;
  const dof = cols.length - 1;
  if (dof < 1 || ra === 0 || rb === 0) return { statistic: 0, pValue: 1, dof: Math.max(0, dof) };
  let stat = 0;
  for (const [x, y] of cols) {
    const col = x + y;
    for (const [o, row] of [
      [x, ra],
      [y, rb],
    ]) {
      const e = (row * col) / n;
      let obs = o;
      if (dof === 1) {
        const diff = e - obs;
        obs += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      stat += ((obs - e) * (obs - e)) / e;
    }
  }
  return { statistic: stat, pValue: chiSquareSf(stat, dof), dof };
}

/** The chi-square drift test (categorical features). */
export const chiSquareTest: DriftTest<CategoryCounts> = {
  name: 'chi2',
  kind: 'categorical',
  prepare: countCategories,
  compare(ref: CategoryCounts, current: Column): FeatureTestResult {
    const cur = countCategories(current);
    const { a, b } = alignCounts(ref, cur);
    const r = chiSquareTwoRows(a, b);
    const n = ref.present + cur.present;
    const effect = n > 0 && r.dof > 0 ? Math.sqrt(r.statistic / n) : 0;
    return {
      statistic: r.statistic,
      pValue: r.pValue,
      effect: Math.min(1, effect),
      nReference: ref.present,
      nCurrent: cur.present,
    };
  },
};
