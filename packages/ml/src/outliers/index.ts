/**
 * Outlier detection for incoming rows: an Isolation Forest fitted on the training data with a
 * calibrated threshold, plus range and unseen-category checks, each outlier with its reasons.
 *
 * @example
 * ```ts
 * const forest = fitIsolationForest(training, { schema: CUSTOMER_SCHEMA });
 * for (const o of detectOutliers(forest, batch).outliers) console.log(o.row, o.reasons.join('; '));
 * ```
 */
export * from './detect-outliers.js';
export { encodeColumns, type FeatureEncoding, fitEncodings } from './encoding.js';
export * from './isolation-forest.js';
export * from './serialize.js';
