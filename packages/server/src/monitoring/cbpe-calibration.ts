/**
 * Probability calibration for confidence-based performance estimation. CBPE is only unbiased when
 * the probabilities are calibrated (of the rows scored 0.8, 80 % churn), which tree ensembles
 * rarely are; a monotone map fitted on labelled reference rows fixes that without changing the
 * model's ranking.
 */

/** Where a calibration map was fitted, or why there is none. */
export type CalibrationMethod = 'isotonic' | 'none';

/** A non-decreasing map from the model's probability to a calibrated probability. */
export interface Calibration {
  readonly method: CalibrationMethod;
  /** Labelled rows the map was fitted on (0 for none). */
  readonly referenceSize: number;
  apply(p: number): number;
}

/** Raw probabilities used as they are: the estimate is only as good as the model's calibration. */
export const NO_CALIBRATION: Calibration = Object.freeze({
  method: 'none' as const,
  referenceSize: 0,
  apply: (p: number) => p,
});

/**
 * Isotonic regression of the labels on the probabilities (pool adjacent violators, rows with
 * equal probability pooled first), predicting by linear interpolation between the fitted points
 * and clipping outside them: what scikit-learn's `IsotonicRegression(out_of_bounds='clip')` does
 * and what NannyML fits on its reference data.
 *
 * @param y - Labels, 0 or 1.
 * @param p - The model's probabilities for the same rows.
 * @example
 * const cal = fitIsotonic(Uint8Array.of(0, 1, 0, 1), Float64Array.of(0.1, 0.2, 0.6, 0.9));
 * cal.apply(0.6); // 0.5
 */
export function fitIsotonic(y: ArrayLike<number>, p: ArrayLike<number>): Calibration {
  const n = y.length;
  if (n === 0 || p.length !== n)
    throw new Error('fitIsotonic: y and p must be non-empty and of equal length');
  // Sorting positives' and negatives' scores apart and merging gives, per distinct score, its
  // counts without an index sort.
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i] === 1 ? 1 : 0;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (y[i] === 1) pos[a++] = p[i];
    else neg[b++] = p[i];
  }
  pos.sort();
  neg.sort();
  // Blocks of the PAV stack: x range [lo, hi], weight and mean label.
  const lo: number[] = [];
  const hi: number[] = [];
  const weight: number[] = [];
  const mean: number[] = [];
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const x = i >= pos.length ? neg[j] : j >= neg.length ? pos[i] : Math.min(pos[i], neg[j]);
    let w = 0;
    let s = 0;
    while (i < pos.length && pos[i] === x) {
      w++;
      s++;
      i++;
    }
    while (j < neg.length && neg[j] === x) {
      w++;
      j++;
    }
    lo.push(x);
    hi.push(x);
    weight.push(w);
    mean.push(s / w);
    // Pool while the last two blocks violate monotonicity.
    while (mean.length > 1 && mean[mean.length - 2] >= mean[mean.length - 1]) {
      const k = mean.length - 1;
      const wk = weight[k - 1] + weight[k];
      mean[k - 1] = (mean[k - 1] * weight[k - 1] + mean[k] * weight[k]) / wk;
      weight[k - 1] = wk;
      hi[k - 1] = hi[k];
      lo.pop();
      hi.pop();
      weight.pop();
      mean.pop();
    }
  }
  // Interpolation knots: each block's first and last score at its fitted value.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < mean.length; k++) {
    xs.push(lo[k]);
    ys.push(mean[k]);
    if (hi[k] !== lo[k]) {
      xs.push(hi[k]);
      ys.push(mean[k]);
    }
  }
  const kx = Float64Array.from(xs);
  const ky = Float64Array.from(ys);
  return {
    method: 'isotonic',
    referenceSize: n,
    apply: (x: number) => interpolate(kx, ky, x),
  };
}

/** `np.interp(x, xs, ys)`: linear between knots, the end values outside them. */
function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  const last = xs.length - 1;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[last]) return ys[last];
  let a = 0;
  let b = last;
  while (b - a > 1) {
    const m = (a + b) >>> 1;
    if (xs[m] <= x) a = m;
    else b = m;
  }
  const t = (x - xs[a]) / (xs[b] - xs[a]);
  return ys[a] + t * (ys[b] - ys[a]);
}
