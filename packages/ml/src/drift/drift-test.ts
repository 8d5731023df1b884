/**
 * The contract every univariate drift test implements. A test is one file: it prepares a
 * reference column once (sorting, counting) and compares a current column with it, returning a
 * statistic, a p-value and an effect size. Everything shared — which test a feature gets, the
 * multiple-testing correction, PSI, the minimum effect size, severity and the result shape — is
 * owned by {@link detectDrift} (detect.ts), so adding a test never touches those.
 */
import type { Column } from '../data/dataset.js';

/** Names of the implemented tests, as reported per feature. */
export type DriftTestName = 'ks' | 'chi2';

/** What one test says about one feature. */
export interface FeatureTestResult {
  readonly statistic: number;
  /** Unadjusted p-value; the correction is applied by the caller over all features. */
  readonly pValue: number;
  /**
   * Effect size on a 0..1 scale comparable across windows of any size (the KS statistic,
   * Cramér's V): a significant test below the minimum effect is not called drift.
   */
  readonly effect: number;
  /** Values compared on each side (missing values excluded). */
  readonly nReference: number;
  readonly nCurrent: number;
  /**
   * The current window's counts over the reference's numeric PSI bins (missing last), when the
   * test gets them on the way (the KS test places every value anyway); PSI is computed from them
   * instead of binning the window a second time.
   */
  readonly binCounts?: Float64Array;
}

/**
 * A two-sample test for one feature kind.
 *
 * @example
 * ```ts
 * const ref = ksTest.prepare(referenceColumn); // once
 * const r = ksTest.compare(ref, currentColumn); // per window
 * ```
 */
export interface DriftTest<Prepared> {
  readonly name: DriftTestName;
  /** The feature kind the test applies to. */
  readonly kind: Column['kind'];
  /** Prepare the reference side once; the result is reused by every comparison. */
  prepare(reference: Column): Prepared;
  compare(reference: Prepared, current: Column): FeatureTestResult;
}
