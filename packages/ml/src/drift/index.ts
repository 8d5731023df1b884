/**
 * Drift detection: two-sample tests per feature on one contract (KS with scipy-exact p-values,
 * chi-square), PSI, multiple-testing corrections, a severity rule, sliding windows and the
 * reference sample stored with a model. See docs/drift.md.
 *
 * @example
 * ```ts
 * const ref = prepareDriftReference(referenceDataset); // sort and count once
 * const report = detectDrift(ref, currentDataset);
 * report.severity; // 'none' | 'low' | 'medium' | 'high'
 * // The same report off this thread (worker threads, features split over two of them):
 * const same = await new DriftChecker().check(ref, currentDataset);
 * ```
 */
export * from './chi-square-test.js';
export * from './corrections.js';
export {
  DRIFT_DEFAULTS,
  type DriftOptions,
  type DriftReport,
  type DriftSeverity,
  detectDrift,
  type FeatureDrift,
} from './detect.js';
export { DriftChecker, type DriftCheckerOptions } from './drift-checker.js';
export type * from './drift-test.js';
export { kolmogorovLimitSf, kstwoSf, smirnovSf } from './kolmogorov.js';
export {
  clearKsCache,
  KS_EXACT_MAX_N,
  type KsPValue,
  ksStatisticSorted,
  ksTwoSamplePValue,
  roundHalfEven,
} from './ks-exact.js';
export { type KsReference, ksStatistic, ksTest, prepareKsReference, sortPresent } from './ks-test.js';
export * from './psi.js';
export * from './reference.js';
export * from './reference-sample.js';
export { chiSquareSf, gammaQ, logGamma } from './special.js';
export * from './windows.js';
