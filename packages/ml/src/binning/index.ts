export * from './bin-mapper.js';
