export { FOREST_DEFAULTS, type ForestParams, type ForestResult, trainForest } from './random-forest.js';
