/**
 * Two-sample Kolmogorov-Smirnov drift test for numeric features, with scipy `ks_2samp` parity
 * (two-sided, method 'auto'); missing values are excluded on both sides.
 *
 * The reference is sorted once and reduced to its distinct values with a bucket index over their
 * range. A current window is not sorted: each value is placed (bucket, then a short binary search)
 * into an "equal to distinct value k" or "strictly between k and k+1" counter, and one sweep over
 * the counters visits every point where the two empirical CDFs can differ most — the same
 * i/n1 - j/n2 values scipy evaluates.
 */
import type { Column } from '../data/dataset.js';
import type { DriftTest, FeatureTestResult } from './drift-test.js';
import { ksTwoSamplePValue } from './ks-exact.js';
import { quantileEdges } from './psi.js';

/** A numeric reference column, sorted once and indexed for fast placement of new values. */
export interface KsReference {
  /** Present values, ascending. */
  readonly sorted: Float64Array;
  readonly missing: number;
  /** Distinct present values, ascending, and how many reference values are <= each. */
  readonly distinct: Float64Array;
  readonly atOrBelow: Int32Array;
  /** Bucket index over [distinct[0], last]: first distinct value of each of `buckets` buckets. */
  readonly bucketFirst: Int32Array;
  readonly buckets: number;
  readonly bucketScale: number;
  /** Scratch counters (2 per gap between distinct values), reused across comparisons. */
  readonly counts: Int32Array;
  /** PSI bins (reference deciles, see psi.ts) of a value equal to distinct[p-1] / just above it. */
  readonly psiEdges: Float64Array;
  readonly psiAt: Uint8Array;
  readonly psiAbove: Uint8Array;
}

/**
 * Buckets of the placement index: a power of two near 4 per distinct value, at least MIN_BUCKETS.
 * A fixed count left skewed columns (revenue: 9,801 distinct values, most near the bottom of the
 * range) with hundreds of values in the busiest buckets, and a long binary search per value.
 */
const MIN_BUCKETS = 2048;
const MAX_BUCKETS = 65536;

/** Sort the present values of a numeric column (NaN excluded). */
export function sortPresent(values: Float64Array): { sorted: Float64Array; missing: number } {
  const all = Float64Array.from(values).sort(); // NaN sorts last
  let n = all.length;
  while (n > 0 && Number.isNaN(all[n - 1])) n--;
  return { sorted: all.subarray(0, n), missing: all.length - n };
}

/** Build the reference index of a numeric column. */
export function prepareKsReference(values: Float64Array): KsReference {
  const { sorted, missing } = sortPresent(values);
  const d: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue;
    d.push(sorted[i]);
    c.push(i + 1);
  }
  const distinct = Float64Array.from(d);
  const k = distinct.length;
  const span = k > 1 ? distinct[k - 1] - distinct[0] : 0;
  const buckets = Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, 2 ** Math.ceil(Math.log2(4 * k))));
  const bucketScale = span > 0 && Number.isFinite(buckets / span) ? buckets / span : 0;
  const bucketFirst = new Int32Array(buckets + 1).fill(k);
  for (let i = k - 1; i >= 0; i--) bucketFirst[bucketOf(distinct[i], distinct[0], bucketScale, buckets)] = i;
  for (let b = buckets - 1; b >= 0; b--) bucketFirst[b] = Math.min(bucketFirst[b], bucketFirst[b + 1]);
  // PSI bin of a value = number of edges below it; edges are reference values, so a value between
  // two distinct reference values has as many edges below it as the lower one has at or below.
  const psiEdges = quantileEdges(sorted);
  const psiAt = new Uint8Array(k + 1);
  const psiAbove = new Uint8Array(k + 1);
  let e = 0;
  for (let p = 1; p <= k; p++) {
    while (e < psiEdges.length && psiEdges[e] < distinct[p - 1]) e++;
    psiAt[p] = e;
    psiAbove[p] = e < psiEdges.length && psiEdges[e] === distinct[p - 1] ? e + 1 : e;
  }
  return {
    sorted,
    missing,
    distinct,
    atOrBelow: Int32Array.from(c),
    bucketFirst,
    buckets,
    bucketScale,
    counts: new Int32Array(2 * (k + 1)),
    psiEdges,
    psiAt,
    psiAbove,
  };
}

function bucketOf(v: number, lo: number, scale: number, buckets: number): number {
  const b = Math.floor((v - lo) * scale);
  // NaN (an infinite span) falls in the first bucket; the search then covers everything.
  return b >= 0 ? (b >= buckets ? buckets - 1 : b) : 0;
}

/**
 * The KS statistic of a current sample against a prepared reference, with scipy's arithmetic
 * (i/n1 - j/n2 at every observed value). Returns the statistic and the number of present
 * current values.
 */
export function ksStatistic(
  ref: KsReference,
  current: Float64Array,
  psiOut?: Float64Array,
): { d: number; n: number } {
  const { distinct, atOrBelow, counts, bucketFirst, buckets, bucketScale } = ref;
  const k = distinct.length;
  const n1 = ref.sorted.length;
  let n2 = 0;
  if (k > 0) {
    const lo = distinct[0];
    const hi = distinct[k - 1];
    for (let i = 0; i < current.length; i++) {
      const v = current[i];
      if (Number.isNaN(v)) continue;
      n2++;
      // pos = number of distinct reference values <= v.
      let pos: number;
      if (v < lo) pos = 0;
      else if (v >= hi) pos = k;
      else {
        const b = bucketOf(v, lo, bucketScale, buckets);
        let a = bucketFirst[b];
        let e = bucketFirst[b + 1];
        while (a < e) {
          const mid = (a + e) >>> 1;
          if (distinct[mid] <= v) a = mid + 1;
          else e = mid;
        }
        pos = a;
      }
      counts[pos > 0 && distinct[pos - 1] === v ? 2 * pos : 2 * pos + 1]++;
    }
  } else {
    for (let i = 0; i < current.length; i++) if (!Number.isNaN(current[i])) n2++;
  }
  if (psiOut) {
    // Bin counts for PSI (last bin: missing values) from the same placement.
    psiOut.fill(0);
    psiOut[psiOut.length - 1] = current.length - n2;
    for (let p = 0; p <= k; p++) {
      psiOut[ref.psiAt[p]] += p > 0 ? counts[2 * p] : 0;
      psiOut[ref.psiAbove[p]] += counts[2 * p + 1];
    }
  }
  if (n1 === 0 || n2 === 0) {
    counts.fill(0);
    return { d: Number.NaN, n: n2 };
  }
  // The extremes are found on the exact integer scale below·n2 - j·n1 (no division per point),
  // then the winning point's difference is computed as scipy does: below/n1 - j/n2.
  let j = 0;
  let below = 0;
  let maxD = 0;
  let maxAt = [0, 0];
  let minD = 0;
  let minAt = [0, 0];
  for (let p = 0; p <= k; p++) {
    if (p > 0) {
      j += counts[2 * p];
      counts[2 * p] = 0;
      below = atOrBelow[p - 1];
      const D = below * n2 - j * n1;
      if (D > maxD) {
        maxD = D;
        maxAt = [below, j];
      } else if (D < minD) {
        minD = D;
        minAt = [below, j];
      }
    }
    const between = counts[2 * p + 1];
    if (between > 0) {
      j += between;
      counts[2 * p + 1] = 0;
      const D = below * n2 - j * n1;
      if (D < minD) {
        minD = D;
        minAt = [below, j];
      }
    }
  }
  const maxS = maxAt[0] / n1 - maxAt[1] / n2;
  const minS = minAt[0] / n1 - minAt[1] / n2;
  return { d: Math.max(maxS, -minS), n: n2 };
}

/** The KS drift test (numeric features). */
export const ksTest: DriftTest<KsReference> = {
  name: 'ks',
  kind: 'numeric',
  prepare(reference: Column): KsReference {
    if (reference.kind !== 'numeric') throw new Error(`ks: column "${reference.name}" is not numeric`);
    return prepareKsReference(reference.values);
  },
  compare(ref: KsReference, current: Column): FeatureTestResult {
    if (current.kind !== 'numeric') throw new Error(`ks: column "${current.name}" is not numeric`);
    const n1 = ref.sorted.length;
    const binCounts = new Float64Array(ref.psiEdges.length + 2);
    const { d, n } = ksStatistic(ref, current.values, binCounts);
    if (Number.isNaN(d))
      return { statistic: Number.NaN, pValue: Number.NaN, effect: 0, nReference: n1, nCurrent: n, binCounts };
    const r = ksTwoSamplePValue(d, n1, n);
    return {
      statistic: r.statistic,
      pValue: r.pValue,
      effect: r.statistic,
      nReference: n1,
      nCurrent: n,
      binCounts,
    };
  },
};
