export * from './prediction-log.js';
export * from './request-schema.js';
export * from './scorer.js';
