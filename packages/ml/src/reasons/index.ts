export * from './reasons.js';
export * from './recommendations.js';
