/**
 * Probabilistic losses: log loss (cross-entropy) and Brier score, matching scikit-learn's
 * `log_loss` and `brier_score_loss` for binary labels and positive-class probabilities.
 *
 * @packageDocumentation
 */

import { CompensatedSum, checkBinaryInputs, checkProbabilities } from './input-checks.js';

/**
 * Machine epsilon of float64 (2^-52), the clipping bound scikit-learn >= 1.5 uses in
 * `log_loss` (`np.finfo(y_proba.dtype).eps`; the `eps` argument was removed).
 */
export const FLOAT64_EPS = Number.EPSILON;

/**
 * Mean log loss on inputs that were already validated.
 * Per row: `-log(clip(p, eps, 1 - eps))` for a positive and `-log(clip(1 - p, eps, 1 - eps))`
 * for a negative. Like scikit-learn, `1 - p` is formed before clipping, so p = 1 with label 1
 * costs `-log(1 - eps)`, and p = 0 with label 1 costs `-log(eps)` ≈ 36.04.
 */
export function logLossUnchecked(y: ArrayLike<number>, p: ArrayLike<number>, eps: number): number {
  const hi = 1 - eps;
  const total = new CompensatedSum();
  for (let i = 0, n = y.length; i < n; i++) {
    let q = y[i] === 1 ? p[i] : 1 - p[i];
    if (q < eps) q = eps;
    else if (q > hi) q = hi;
    total.add(-Math.log(q));
  }
  return total.value / y.length;
}

/** Mean Brier score on inputs that were already validated. */
export function brierScoreUnchecked(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const total = new CompensatedSum();
  for (let i = 0, n = y.length; i < n; i++) {
    const d = y[i] - p[i];
    total.add(d * d);
  }
  return total.value / y.length;
}

/**
 * Binary log loss (cross-entropy), as scikit-learn's `log_loss(y, p)` with the positive-class
 * probability vector `p`.
 *
 * @param y - Labels, 0 or 1.
 * @param p - Predicted probability of class 1, each in [0, 1] (scikit-learn rejects values
 *   outside; so does this).
 * @param eps - Clipping bound; defaults to float64 machine epsilon as scikit-learn >= 1.5.
 * @returns Mean negative log-likelihood (natural log).
 * @throws Error on empty input, length mismatch, invalid labels, probabilities outside
 *   [0, 1], or `eps` outside [0, 0.5).
 */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>, eps: number = FLOAT64_EPS): number {
  checkBinaryInputs('logLoss', y, p);
  checkProbabilities('logLoss', p);
  if (!(eps >= 0 && eps < 0.5)) throw new Error(`logLoss: eps must lie in [0, 0.5), got ${eps}`);
  return logLossUnchecked(y, p, eps);
}

/**
 * Brier score: mean squared difference between the label and the predicted probability, as
 * scikit-learn's `brier_score_loss(y, p)` (binary case, in [0, 1], lower is better).
 *
 * @param y - Labels, 0 or 1.
 * @param p - Predicted probability of class 1, each in [0, 1].
 * @throws Error on empty input, length mismatch, invalid labels or probabilities outside [0, 1].
 */
export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>): number {
  checkBinaryInputs('brierScore', y, p);
  checkProbabilities('brierScore', p);
  return brierScoreUnchecked(y, p);
}
