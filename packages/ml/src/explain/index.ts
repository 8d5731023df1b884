/**
 * Explanations of model outputs: exact path-dependent TreeSHAP (a fast per-model explainer and the
 * reference recursion), probability-space display values for boosting, per-row missing/unseen
 * flags, schema checks, and global views (importance, dependence samples).
 */
export * from './batch-explainer.js';
export * from './brute-force.js';
export * from './explain-rows.js';
export * from './global.js';
export * from './parallel-explainer.js';
export * from './probability.js';
export * from './schema-check.js';
export * from './shap-importance.js';
export * from './tree-explainer.js';
export * from './tree-paths.js';
export * from './tree-shap-recursive.js';
