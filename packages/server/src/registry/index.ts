export * from './model-registry.js';
