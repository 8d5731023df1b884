/**
 * Binary-classification metrics for the churn engine.
 *
 * Inputs are labels `y` (`ArrayLike<number>` of 0/1, e.g. a `Uint8Array`) and scores `p`
 * (`ArrayLike<number>`, e.g. a `Float64Array`; probabilities of class 1 where a metric needs
 * them). Results agree with scikit-learn (checked against 1.9.1 in `metrics.test.ts`):
 *
 * | function            | scikit-learn equivalent                                       |
 * | ------------------- | ------------------------------------------------------------- |
 * | `rocAuc`            | `roc_auc_score`                                               |
 * | `prAuc`             | `average_precision_score`                                     |
 * | `logLoss`           | `log_loss` (clip to [eps, 1 - eps], eps = float64 epsilon)    |
 * | `brierScore`        | `brier_score_loss`                                            |
 * | `confusionMatrix`   | `confusion_matrix(y, p >= t)` as `{ tp, fp, tn, fn }`         |
 * | `accuracy` … `f1`   | `*_score(y, p >= t, zero_division=0)`                         |
 * | `calibrationCurve`  | `calibration_curve(strategy='uniform')` plus counts           |
 * | `precisionAtK`      | — (top-k precision, boundary ties averaged)                   |
 * | `liftAtK`           | — (top-fraction precision over the base rate)                 |
 * | `evaluateBinary`    | all of the above in one JSON-serialisable `BinaryMetrics`     |
 *
 * Ranking metrics sort once (native typed-array sort, O(n log n)); 10^6 rows take well under
 * a second. Invalid input (empty, length mismatch, labels other than 0/1, non-finite scores,
 * probabilities outside [0, 1] where required, a single class for ROC AUC) throws `Error`.
 *
 * @example
 * ```ts
 * const y = Uint8Array.of(0, 0, 1, 1);
 * const p = Float64Array.of(0.1, 0.4, 0.35, 0.8);
 * rocAuc(y, p); // 0.75
 * const report = evaluateBinary(y, p, 0.5); // BinaryMetrics, safe to JSON.stringify
 * ```
 *
 * @packageDocumentation
 */

export { type CalibrationCurve, calibrationCurve, DEFAULT_CALIBRATION_BINS } from './calibration.js';
export {
  type BinaryMetrics,
  DEFAULT_LIFT_FRACTIONS,
  type EvaluateOptions,
  evaluateBinary,
  type LiftPoint,
} from './evaluate.js';
export { brierScore, FLOAT64_EPS, logLoss } from './probabilistic.js';
export { prAuc, rocAuc } from './ranking.js';
export {
  accuracy,
  type ConfusionMatrix,
  confusionMatrix,
  DEFAULT_THRESHOLD,
  f1,
  precision,
  recall,
} from './threshold-metrics.js';
export { liftAtK, precisionAtK } from './top-k.js';
