export * from './data/dataset.js';
export * from './data/csv-writer.js';
export * from './schema/index.js';
export * from './synth/index.js';
export * from './util/atomic-file.js';
export { Rng } from './util/rng.js';
