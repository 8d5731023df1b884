import type { ChurnModel } from '../model/model.js';
import { type Tree, treeDepth } from '../tree/tree.js';
import { coverFraction, goesLeft, treeExpectedValue } from './tree-paths.js';

/*
 * Path-dependent TreeSHAP, Algorithm 2 of Lundberg, Erion & Lee, "Consistent Individualized
 * Feature Attribution for Tree Ensembles" (2018): the recursion that carries the "unique path" of
 * (feature, zero fraction, one fraction, permutation weight) entries down the tree, EXTENDing it at
 * each split and UNWINDing it to undo a feature seen before. O(L·D²) per tree. It is the
 * reference the fast algorithm (closing-shap.ts) is tested against, and the step-by-step port of
 * the published pseudo-code (shap's tree_shap.h) rather than anything tuned.
 *
 * Conventions shared with the rest of explain/ (tree-paths.ts): zero fractions are cover
 * fractions, a row's path follows `goesLeft` (missing values take the default branch, categorical
 * splits test the bitset). A branch that no coalition reaches (zero cover and off the row's path)
 * contributes nothing and is skipped, which keeps the recursion free of 0/0 on empty nodes.
 */

/** One entry of the unique path, in parallel arrays (one slot per depth level). */
interface PathArrays {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
}

function extendPath(
  p: PathArrays,
  b: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  p.feature[b + depth] = feature;
  p.zero[b + depth] = zero;
  p.one[b + depth] = one;
  p.weight[b + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.weight[b + i + 1] += (one * p.weight[b + i] * (i + 1)) / (depth + 1);
    p.weight[b + i] = (zero * p.weight[b + i] * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: PathArrays, b: number, depth: number, index: number): void {
  const one = p.one[b + index];
  const zero = p.zero[b + index];
  let next = p.weight[b + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[b + i];
      p.weight[b + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (p.weight[b + i] * zero * (depth - i)) / (depth + 1);
    } else {
      p.weight[b + i] = (p.weight[b + i] * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[b + i] = p.feature[b + i + 1];
    p.zero[b + i] = p.zero[b + i + 1];
    p.one[b + i] = p.one[b + i + 1];
  }
}

/** Total permutation weight of the path with entry `index` unwound, without modifying it. */
function unwoundPathSum(p: PathArrays, b: number, depth: number, index: number): number {
  const one = p.one[b + index];
  const zero = p.zero[b + index];
  let next = p.weight[b + depth];
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = p.weight[b + i] - (tmp * zero * (depth - i)) / (depth + 1);
    } else {
      total += p.weight[b + i] / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

/**
 * Add one tree's path-dependent SHAP values for the encoded row x[offset..] to `phi`, each
 * multiplied by `scale`. Per tree they sum to f_tree(x) − E[f_tree] (see {@link treeExpectedValue}).
 */
export function treeShapRecursive(
  t: Tree,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  scale = 1,
): void {
  // Depth of the unique path is at most the tree depth + 1; one block of slots per recursion level.
  const maxDepth = treeDepth(t);
  const stride = maxDepth + 2;
  const size = stride * (maxDepth + 2);
  const p: PathArrays = {
    feature: new Int32Array(size),
    zero: new Float64Array(size),
    one: new Float64Array(size),
    weight: new Float64Array(size),
  };

  const recurse = (
    node: number,
    depth: number,
    level: number,
    zero: number,
    one: number,
    feature: number,
  ) => {
    const b = level * stride;
    if (level > 0) {
      const pb = b - stride;
      for (let i = 0; i < depth; i++) {
        p.feature[b + i] = p.feature[pb + i];
        p.zero[b + i] = p.zero[pb + i];
        p.one[b + i] = p.one[pb + i];
        p.weight[b + i] = p.weight[pb + i];
      }
    }
    extendPath(p, b, depth, zero, one, feature);
    if (t.feature[node] < 0) {
      for (let i = 1; i <= depth; i++) {
        const w = unwoundPathSum(p, b, depth, i);
        phi[p.feature[b + i]] += scale * w * (p.one[b + i] - p.zero[b + i]) * t.value[node];
      }
      return;
    }
    const f = t.feature[node];
    const left = goesLeft(t, node, x, offset);
    const hot = left ? t.left[node] : t.right[node];
    const cold = left ? t.right[node] : t.left[node];
    let incomingZero = 1;
    let incomingOne = 1;
    let k = 0;
    while (k <= depth && p.feature[b + k] !== f) k++;
    if (k <= depth) {
      incomingZero = p.zero[b + k];
      incomingOne = p.one[b + k];
      unwindPath(p, b, depth, k);
      depth -= 1;
    }
    // A branch no coalition can reach (no cover, and not on the row's path) contributes nothing.
    const hotZero = coverFraction(t, node, hot) * incomingZero;
    if (hotZero > 0 || incomingOne > 0) recurse(hot, depth + 1, level + 1, hotZero, incomingOne, f);
    const coldZero = coverFraction(t, node, cold) * incomingZero;
    if (coldZero > 0) recurse(cold, depth + 1, level + 1, coldZero, 0, f);
  };
  recurse(0, 0, 0, 1, 1, -1);
}

/**
 * SHAP values of a whole model for one encoded row with the reference recursion, in the model's
 * output space (the forest's probability: trees averaged; boosting's log-odds margin: trees
 * summed), with the matching expected value. Slow; for tests and as documentation.
 */
export function modelShapRecursive(
  model: ChurnModel,
  x: ArrayLike<number>,
  offset = 0,
): { readonly phi: Float64Array; readonly expectedValue: number } {
  const phi = new Float64Array(model.binning.length);
  const forest = model.algorithm === 'random-forest';
  const scale = forest ? 1 / model.trees.length : 1;
  let expectedValue = forest ? 0 : model.baseMargin;
  for (const t of model.trees) {
    treeShapRecursive(t, x, offset, phi, scale);
    expectedValue += scale * treeExpectedValue(t);
  }
  return { phi, expectedValue };
}
