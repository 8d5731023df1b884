export { type GrowParams, GrowWorkspace, growTree } from './grow.js';
export * from './tree.js';
