export * from './feature-schema.js';
export * from './customer-schema.js';
