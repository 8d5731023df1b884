/**
 * One-call evaluation of a binary classifier's probabilities: every metric of this module in
 * a single JSON-serialisable object, used by `churn evaluate --json` and stored in model files.
 *
 * @packageDocumentation
 */

import { type CalibrationCurve, calibrationCurveUnchecked, DEFAULT_CALIBRATION_BINS } from './calibration.js';
import { checkBinaryInputs, checkProbabilities } from './input-checks.js';
import { brierScoreUnchecked, FLOAT64_EPS, logLossUnchecked } from './probabilistic.js';
import { averagePrecisionFromCurve, buildThresholdCurve, rocAucFromCurve } from './ranking.js';
import {
  accuracyOf,
  type ConfusionMatrix,
  confusionMatrixUnchecked,
  DEFAULT_THRESHOLD,
  f1Of,
  precisionOf,
  recallOf,
} from './threshold-metrics.js';
import { positivesInTopK, topCount } from './top-k.js';

/** Precision and lift of the top `fraction` of rows by score. */
export interface LiftPoint {
  /** Share of rows targeted, in (0, 1]. */
  fraction: number;
  /** Number of rows targeted, `topCount(fraction, n)`. */
  k: number;
  /** Expected precision among the top `k` rows (ties at the boundary averaged). */
  precision: number;
  /** `precision / prevalence`; null when there are no positives. */
  lift: number | null;
}

/**
 * All binary-classification metrics for one set of predictions. Contains only numbers,
 * nulls, plain arrays and plain objects, so `JSON.stringify` round-trips it exactly.
 */
export interface BinaryMetrics {
  /** Number of rows. */
  n: number;
  /** Number of rows labelled 1. */
  positives: number;
  /** `positives / n`. */
  prevalence: number;
  /** ROC AUC (`roc_auc_score`); null when only one class is present. */
  rocAuc: number | null;
  /** Average precision (`average_precision_score`); null when only one class is present. */
  prAuc: number | null;
  /** Log loss with float64-epsilon clipping (`log_loss`). */
  logLoss: number;
  /** Brier score (`brier_score_loss`). */
  brierScore: number;
  /** Decision threshold used for the hard-decision metrics (`p >= threshold`). */
  threshold: number;
  /** Confusion matrix at `threshold`. */
  confusion: ConfusionMatrix;
  /** Accuracy at `threshold`. */
  accuracy: number;
  /** Precision at `threshold` (0 when nothing is predicted positive). */
  precision: number;
  /** Recall at `threshold` (0 when there are no positives). */
  recall: number;
  /** F1 at `threshold` (0 when undefined). */
  f1: number;
  /** Uniform-bin calibration curve. */
  calibration: CalibrationCurve;
  /** Precision and lift at each requested top fraction. */
  lift: LiftPoint[];
}

/** Optional settings of {@link evaluateBinary}. */
export interface EvaluateOptions {
  /** Calibration bins (default 10). */
  nBins?: number;
  /** Top fractions for the lift table (default 0.01, 0.05, 0.1, 0.2). */
  liftFractions?: readonly number[];
}

/** Default top fractions reported in {@link BinaryMetrics.lift}. */
export const DEFAULT_LIFT_FRACTIONS: readonly number[] = [0.01, 0.05, 0.1, 0.2];

/**
 * Computes every metric at once, validating the inputs and sorting the scores a single time.
 * Unlike `rocAuc()`, a single-class `y` does not throw: `rocAuc` and `prAuc` are null
 * (and so is each `lift` when there are no positives), so a degenerate evaluation fold still
 * yields a report.
 *
 * @param y - Labels, 0 or 1.
 * @param p - Predicted probability of class 1, each in [0, 1].
 * @param threshold - Decision threshold for the confusion-matrix metrics (default 0.5).
 * @param options - Calibration bins and lift fractions.
 * @throws Error on empty input, length mismatch, invalid labels, probabilities outside
 *   [0, 1], a NaN threshold, invalid `nBins` or a lift fraction outside (0, 1].
 */
export function evaluateBinary(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold: number = DEFAULT_THRESHOLD,
  options: EvaluateOptions = {},
): BinaryMetrics {
  const { n, positives } = checkBinaryInputs('evaluateBinary', y, p);
  checkProbabilities('evaluateBinary', p);
  if (Number.isNaN(threshold)) throw new Error('evaluateBinary: threshold must be a number, got NaN');
  const nBins = options.nBins ?? DEFAULT_CALIBRATION_BINS;
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new Error(`evaluateBinary: nBins must be a positive integer, got ${nBins}`);
  }
  const fractions = options.liftFractions ?? DEFAULT_LIFT_FRACTIONS;
  for (const f of fractions) {
    if (!(f > 0 && f <= 1)) throw new Error(`evaluateBinary: lift fractions must lie in (0, 1], got ${f}`);
  }

  const curve = buildThresholdCurve(y, p, positives);
  const bothClasses = positives > 0 && positives < n;
  const prevalence = positives / n;
  const confusion = confusionMatrixUnchecked(y, p, threshold);
  const lift = fractions.map((fraction): LiftPoint => {
    const k = topCount(fraction, n);
    const precisionTop = positivesInTopK(curve, k) / k;
    return { fraction, k, precision: precisionTop, lift: positives > 0 ? precisionTop / prevalence : null };
  });
  return {
    n,
    positives,
    prevalence,
    rocAuc: bothClasses ? rocAucFromCurve(curve) : null,
    prAuc: bothClasses ? averagePrecisionFromCurve(curve) : null,
    logLoss: logLossUnchecked(y, p, FLOAT64_EPS),
    brierScore: brierScoreUnchecked(y, p),
    threshold,
    confusion,
    accuracy: accuracyOf(confusion),
    precision: precisionOf(confusion),
    recall: recallOf(confusion),
    f1: f1Of(confusion),
    calibration: calibrationCurveUnchecked(y, p, nBins),
    lift,
  };
}
