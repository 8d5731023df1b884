/**
 * Population Stability Index: Σ (c - r) · ln(c / r) over bins, with r and c the reference and
 * current shares. Numeric bins are cut at the reference deciles (ties merged), categorical bins
 * are the categories; missing values get a bin of their own so a change in the missing rate shows.
 * Empty bins count as {@link PSI_EPSILON} so the logarithm stays finite.
 */

/** Share used in place of an empty bin. */
export const PSI_EPSILON = 1e-4;
/** Number of quantile bins for numeric features. */
export const PSI_BINS = 10;

/** PSI of two vectors of counts over the same bins. */
export function psiFromCounts(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < reference.length; i++) {
    nr += reference[i];
    nc += current[i];
  }
  if (nr === 0 || nc === 0) return 0;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(reference[i] / nr, PSI_EPSILON);
    const c = Math.max(current[i] / nc, PSI_EPSILON);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** Quantile bin edges of a numeric reference: its deciles, duplicates removed. */
export function quantileEdges(sorted: Float64Array, bins = PSI_BINS): Float64Array {
  const edges: number[] = [];
  const n = sorted.length;
  if (n === 0) return new Float64Array(0);
  for (let k = 1; k < bins; k++) {
    const v = sorted[Math.min(n - 1, Math.floor((k * n) / bins))];
    if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
  }
  return Float64Array.from(edges);
}

/**
 * Bin counts of numeric values: bin k holds values in (edges[k-1], edges[k]], the last bin
 * everything above the top edge, and one extra bin (index edges.length + 1) the missing values.
 */
export function binCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const out = new Float64Array(edges.length + 2);
  const ne = edges.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      out[ne + 1]++;
      continue;
    }
    let lo = 0;
    let hi = ne;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    out[lo]++;
  }
  return out;
}
