export * from './customer-reasons.js';
export * from './customer-schema.js';
export * from './feature-schema.js';
export * from './infer-schema.js';
