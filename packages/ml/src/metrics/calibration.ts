/**
 * Reliability (calibration) curve with uniform bins, matching scikit-learn's
 * `calibration_curve(y, p, n_bins, strategy='uniform')` value for value.
 *
 * @packageDocumentation
 */

import { checkBinaryInputs, checkProbabilities } from './input-checks.js';

/**
 * Calibration curve over the non-empty bins only (as scikit-learn drops empty bins).
 * Plain number arrays, so the object is JSON-serialisable.
 */
export interface CalibrationCurve {
  /** Fraction of positives in each non-empty bin (scikit-learn's `prob_true`). */
  probTrue: number[];
  /** Mean predicted probability in each non-empty bin (scikit-learn's `prob_pred`). */
  probPred: number[];
  /** Number of rows in each non-empty bin. */
  counts: number[];
  /** Index in [0, nBins) of each non-empty bin, so gaps can be plotted. */
  bins: number[];
  /** Number of uniform bins the curve was computed with. */
  nBins: number;
}

/** Default number of uniform bins. */
export const DEFAULT_CALIBRATION_BINS = 10;

/**
 * Calibration curve on inputs that were already validated (0/1 labels, p in [0, 1]).
 *
 * Bin edges are `i * (1 / nBins)`, bit-identical to `np.linspace(0, 1, nBins + 1)`, and a
 * value goes to bin `b` when `edge[b] < p <= edge[b + 1]` (`np.searchsorted(..., side='left')`
 * on the inner edges), so a value equal to an inner edge falls into the lower bin. Sums are
 * accumulated in row order like `np.bincount`, so `probPred` matches to the last bit.
 */
export function calibrationCurveUnchecked(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  nBins: number,
): CalibrationCurve {
  const step = 1 / nBins;
  const edges = new Float64Array(nBins + 1);
  for (let i = 0; i <= nBins; i++) edges[i] = i * step;
  const sums = new Float64Array(nBins);
  const trues = new Float64Array(nBins);
  const totals = new Float64Array(nBins);
  const last = nBins - 1;
  for (let i = 0, n = y.length; i < n; i++) {
    const v = p[i];
    // Guess from the arithmetic, then correct against the exact edges (at most a step or two).
    let b = Math.floor(v * nBins);
    if (b > last) b = last;
    while (b > 0 && edges[b] >= v) b--;
    while (b < last && edges[b + 1] < v) b++;
    sums[b] += v;
    trues[b] += y[i];
    totals[b]++;
  }
  const curve: CalibrationCurve = { probTrue: [], probPred: [], counts: [], bins: [], nBins };
  for (let b = 0; b < nBins; b++) {
    const total = totals[b];
    if (total === 0) continue;
    curve.probTrue.push(trues[b] / total);
    curve.probPred.push(sums[b] / total);
    curve.counts.push(total);
    curve.bins.push(b);
  }
  return curve;
}

/**
 * Calibration (reliability) curve with `nBins` uniform bins on [0, 1], as
 * `sklearn.calibration.calibration_curve(y, p, n_bins=nBins, strategy='uniform')`, plus the
 * per-bin counts and bin indices.
 *
 * @param y - Labels, 0 or 1 (a single class is allowed, as in scikit-learn).
 * @param p - Predicted probability of class 1, each in [0, 1].
 * @param nBins - Number of bins, a positive integer (default 10; scikit-learn's default is 5).
 * @throws Error on empty input, length mismatch, invalid labels, probabilities outside
 *   [0, 1], or a non-positive/non-integer `nBins`.
 */
export function calibrationCurve(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  nBins: number = DEFAULT_CALIBRATION_BINS,
): CalibrationCurve {
  checkBinaryInputs('calibrationCurve', y, p);
  checkProbabilities('calibrationCurve', p);
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new Error(`calibrationCurve: nBins must be a positive integer, got ${nBins}`);
  }
  return calibrationCurveUnchecked(y, p, nBins);
}
