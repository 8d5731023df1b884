/**
 * @churn/ml — the churn platform's ML engine, with no runtime dependencies: columnar datasets and
 * CSV loading, quantile binning, histogram Random Forest and gradient boosting, metrics, model
 * files, and the synthetic customer generator.
 */
export * from './binning/index.js';
export * from './boosting/index.js';
export * from './data/index.js';
export * from './drift/index.js';
export * from './explain/index.js';
export * from './forest/index.js';
export * from './metrics/index.js';
export * from './model/index.js';
export * from './outliers/index.js';
export * from './reasons/index.js';
export * from './schema/index.js';
export * from './synth/index.js';
export * from './tree/index.js';
export * from './util/atomic-file.js';
export { formatNumber } from './util/format-number.js';
export { Rng } from './util/rng.js';
export { lowerThreadPriority } from './util/thread-priority.js';
export { workerUrl } from './util/worker-url.js';
