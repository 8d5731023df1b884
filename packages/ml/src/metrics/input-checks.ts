/**
 * Input validation and summation helpers shared by the metric modules.
 *
 * Every public metric validates its inputs once through these helpers and then runs a
 * tight loop over the raw arrays, so validation is the only per-call overhead.
 *
 * @packageDocumentation
 */

/** Summary of validated binary inputs. */
export interface BinaryInputSummary {
  /** Number of rows. */
  readonly n: number;
  /** Number of rows whose label is 1. */
  readonly positives: number;
}

/**
 * Checks that `y` and `p` are non-empty and of equal length, that every label is exactly 0 or
 * 1 and that every score is finite (NaN and ±Infinity are rejected, as scikit-learn does).
 *
 * @param fn - Name of the calling metric, used in error messages.
 * @throws Error on empty input, a length mismatch, a non-binary label or a non-finite score.
 */
export function checkBinaryInputs(
  fn: string,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
): BinaryInputSummary {
  const n = y.length;
  if (n === 0) throw new Error(`${fn}: empty input (y and p must contain at least one value)`);
  if (p.length !== n) {
    throw new Error(`${fn}: length mismatch, y has ${n} values but p has ${p.length}`);
  }
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const label = y[i];
    if (label === 1) positives++;
    else if (label !== 0) throw new Error(`${fn}: labels must be 0 or 1, got y[${i}] = ${label}`);
    if (!Number.isFinite(p[i])) throw new Error(`${fn}: scores must be finite, got p[${i}] = ${p[i]}`);
  }
  return { n, positives };
}

/**
 * Checks that every value of `p` lies in [0, 1], the domain scikit-learn accepts for
 * probability-based metrics (log loss, Brier score, calibration curve).
 *
 * @throws Error naming the first offending index.
 */
export function checkProbabilities(fn: string, p: ArrayLike<number>): void {
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`${fn}: probabilities must lie in [0, 1], got p[${i}] = ${v}`);
  }
}

/**
 * Checks that both classes are present, which ranking metrics such as ROC AUC require.
 *
 * @throws Error when `positives` is 0 or `n`.
 */
export function checkBothClasses(fn: string, summary: BinaryInputSummary): void {
  if (summary.positives === 0 || summary.positives === summary.n) {
    const only = summary.positives === 0 ? 0 : 1;
    throw new Error(`${fn}: only one class (${only}) present in y; the metric is undefined`);
  }
}

/**
 * Neumaier-compensated running sum: the result is accurate to a few ulps regardless of
 * length, so means over millions of rows agree with numpy's pairwise summation.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  /** Adds one term. */
  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  /** The compensated total so far. */
  get value(): number {
    return this.sum + this.compensation;
  }
}
