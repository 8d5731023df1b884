/**
 * Metrics of the hard decision `p >= threshold`: confusion matrix, accuracy, precision,
 * recall and F1, matching scikit-learn's `*_score(y, p >= t, zero_division=0)`.
 *
 * @packageDocumentation
 */

import { checkBinaryInputs } from './input-checks.js';

/** Counts of the 2x2 confusion matrix; "predicted positive" means `p >= threshold`. */
export interface ConfusionMatrix {
  /** Label 1, predicted 1. */
  tp: number;
  /** Label 0, predicted 1. */
  fp: number;
  /** Label 0, predicted 0. */
  tn: number;
  /** Label 1, predicted 0. */
  fn: number;
}

/** Default decision threshold. */
export const DEFAULT_THRESHOLD = 0.5;

function checkThreshold(fn: string, threshold: number): void {
  if (Number.isNaN(threshold)) throw new Error(`${fn}: threshold must be a number, got NaN`);
}

/** Confusion matrix on inputs that were already validated. */
export function confusionMatrixUnchecked(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold: number,
): ConfusionMatrix {
  let tp = 0;
  let fp = 0;
  let predictedPositive = 0;
  let positives = 0;
  for (let i = 0, n = y.length; i < n; i++) {
    const isPos = y[i] === 1;
    if (isPos) positives++;
    if (p[i] >= threshold) {
      predictedPositive++;
      if (isPos) tp++;
      else fp++;
    }
  }
  const n = y.length;
  return { tp, fp, fn: positives - tp, tn: n - positives - (predictedPositive - tp) };
}

/** Ratio that is 0 when the denominator is 0 (scikit-learn's `zero_division=0`). */
function safeRatio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** Accuracy `(tp + tn) / n` of a confusion matrix. */
export function accuracyOf(cm: ConfusionMatrix): number {
  return (cm.tp + cm.tn) / (cm.tp + cm.fp + cm.tn + cm.fn);
}

/** Precision `tp / (tp + fp)`, 0 when nothing is predicted positive. */
export function precisionOf(cm: ConfusionMatrix): number {
  return safeRatio(cm.tp, cm.tp + cm.fp);
}

/** Recall `tp / (tp + fn)`, 0 when there are no positives. */
export function recallOf(cm: ConfusionMatrix): number {
  return safeRatio(cm.tp, cm.tp + cm.fn);
}

/** F1 `2tp / (2tp + fp + fn)`, 0 when undefined (no positives and none predicted). */
export function f1Of(cm: ConfusionMatrix): number {
  return safeRatio(2 * cm.tp, 2 * cm.tp + cm.fp + cm.fn);
}

/**
 * Confusion matrix of the decision `p >= threshold` against labels `y`.
 *
 * @param y - Labels, 0 or 1.
 * @param p - Scores or probabilities (finite).
 * @param threshold - Decision threshold; rows with `p >= threshold` are predicted positive.
 * @throws Error on empty input, length mismatch, invalid labels/scores or a NaN threshold.
 */
export function confusionMatrix(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold: number = DEFAULT_THRESHOLD,
): ConfusionMatrix {
  checkBinaryInputs('confusionMatrix', y, p);
  checkThreshold('confusionMatrix', threshold);
  return confusionMatrixUnchecked(y, p, threshold);
}

/** Fraction of rows whose decision `p >= threshold` equals the label (`accuracy_score`). */
export function accuracy(y: ArrayLike<number>, p: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): number {
  return accuracyOf(confusionMatrix(y, p, threshold));
}

/** Precision at `threshold` (`precision_score(..., zero_division=0)`): 0 if nothing predicted positive. */
export function precision(y: ArrayLike<number>, p: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): number {
  return precisionOf(confusionMatrix(y, p, threshold));
}

/** Recall at `threshold` (`recall_score(..., zero_division=0)`): 0 if `y` has no positives. */
export function recall(y: ArrayLike<number>, p: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): number {
  return recallOf(confusionMatrix(y, p, threshold));
}

/** F1 at `threshold` (`f1_score(..., zero_division=0)`): 0 when precision and recall are undefined. */
export function f1(y: ArrayLike<number>, p: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): number {
  return f1Of(confusionMatrix(y, p, threshold));
}
