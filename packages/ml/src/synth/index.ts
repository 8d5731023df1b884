export * from './generator.js';
export * from './scenarios.js';
