/**
 * Top-k metrics for targeting: precision among the k highest-scored rows and the lift of the
 * top fraction over the base rate. Built on the same single-sort threshold curve as ROC AUC.
 *
 * Ties: when the k-th and (k+1)-th rows share a score, which of them is "in the top k" is
 * arbitrary, so the tied group at the boundary is counted fractionally (the expectation under
 * a uniformly random tie-break). The result therefore never depends on row order.
 *
 * @packageDocumentation
 */

import { checkBinaryInputs } from './input-checks.js';
import { buildThresholdCurve, type ThresholdCurve } from './ranking.js';

/**
 * Number of rows in the top `fraction` of `n`: `round(fraction * n)`, at least 1.
 * Rounding (not ceiling) keeps e.g. 0.07 * 100 = 7.000000000000001 at 7.
 */
export function topCount(fraction: number, n: number): number {
  return Math.min(n, Math.max(1, Math.round(fraction * n)));
}

/** Expected number of positives among the top `k` rows of a threshold curve (tie-averaged). */
export function positivesInTopK(curve: ThresholdCurve, k: number): number {
  let prevCount = 0;
  let prevTp = 0;
  for (let i = 0; i < curve.size; i++) {
    const count = curve.tps[i] + curve.fps[i];
    if (count >= k) {
      const groupPositives = curve.tps[i] - prevTp;
      return prevTp + ((k - prevCount) / (count - prevCount)) * groupPositives;
    }
    prevCount = count;
    prevTp = curve.tps[i];
  }
  return prevTp;
}

function checkK(fn: string, k: number, n: number): void {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`${fn}: k must be an integer in [1, ${n}], got ${k}`);
  }
}

function checkFraction(fn: string, fraction: number): void {
  if (!(fraction > 0 && fraction <= 1))
    throw new Error(`${fn}: fraction must lie in (0, 1], got ${fraction}`);
}

/**
 * Precision among the `k` rows with the highest scores (ties at the boundary averaged).
 *
 * @param y - Labels, 0 or 1.
 * @param p - Scores (finite), higher means more likely positive.
 * @param k - Number of top rows, an integer in [1, n].
 * @returns Expected fraction of positives in the top `k`, in [0, 1].
 * @throws Error on empty input, length mismatch, invalid labels/scores or `k` out of range.
 */
export function precisionAtK(y: ArrayLike<number>, p: ArrayLike<number>, k: number): number {
  const { n, positives } = checkBinaryInputs('precisionAtK', y, p);
  checkK('precisionAtK', k, n);
  return positivesInTopK(buildThresholdCurve(y, p, positives), k) / k;
}

/**
 * Lift of the top `fraction` of rows: precision among the top `topCount(fraction, n)` rows
 * divided by the overall positive rate. 1 means no better than random targeting.
 *
 * @param y - Labels, 0 or 1; at least one positive is required.
 * @param p - Scores (finite), higher means more likely positive.
 * @param fraction - Share of rows targeted, in (0, 1] (e.g. 0.1 for the top decile).
 * @throws Error on empty input, length mismatch, invalid labels/scores, `fraction` out of
 *   range, or no positives (the base rate is 0 and lift is undefined).
 */
export function liftAtK(y: ArrayLike<number>, p: ArrayLike<number>, fraction: number): number {
  const { n, positives } = checkBinaryInputs('liftAtK', y, p);
  checkFraction('liftAtK', fraction);
  if (positives === 0)
    throw new Error('liftAtK: y has no positives, so the base rate is 0 and lift is undefined');
  const k = topCount(fraction, n);
  return positivesInTopK(buildThresholdCurve(y, p, positives), k) / k / (positives / n);
}
