import { MISSING_BIN } from '../binning/bin-mapper.js';

/**
 * A decision tree in flat arrays (structure of arrays), the form both learners produce, model
 * files store and TreeSHAP reads. Node 0 is the root; `feature[i] < 0` marks a leaf.
 */
export interface Tree {
  readonly nNodes: number;
  /** Split feature, or -1 for a leaf. */
  readonly feature: Int32Array;
  /** Numeric split on raw values: x <= threshold goes left. */
  readonly threshold: Float64Array;
  /** The same split on bins: bin <= thresholdBin goes left. */
  readonly thresholdBin: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Where missing values (and unseen categories) go: 1 = left. */
  readonly defaultLeft: Uint8Array;
  /** For a categorical split, the offset of its 8-word bitset in `catBits`; -1 otherwise. */
  readonly catOffset: Int32Array;
  /** Bitsets of the category bins that go left, 8 words (256 bits) per categorical split. */
  readonly catBits: Uint32Array;
  /** Leaf value: the positive-class fraction (forest) or the leaf weight (boosting). */
  readonly value: Float64Array;
  /** Training weight reaching the node: sample weight (forest) or hessian sum (boosting). */
  readonly cover: Float64Array;
  /** Loss reduction of the split (0 at leaves), for importance. */
  readonly gain: Float64Array;
}

/** Follow one row's bins from the root to its leaf; returns the leaf index. */
export function leafOfBinnedRow(t: Tree, bins: Uint8Array, base: number): number {
  let node = 0;
  const feature = t.feature;
  while (feature[node] >= 0) {
    const b = bins[base + feature[node]];
    let goLeft: boolean;
    if (b === MISSING_BIN) goLeft = t.defaultLeft[node] === 1;
    else if (t.catOffset[node] >= 0)
      goLeft = (t.catBits[t.catOffset[node] + (b >>> 5)] & (1 << (b & 31))) !== 0;
    else goLeft = b <= t.thresholdBin[node];
    node = goLeft ? t.left[node] : t.right[node];
  }
  return node;
}

/**
 * Follow one encoded row (numeric values raw, categoricals as bin index, NaN for missing or
 * unseen) from the root to its leaf.
 */
export function leafOfRow(t: Tree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  const feature = t.feature;
  const threshold = t.threshold;
  const catOffset = t.catOffset;
  while (feature[node] >= 0) {
    const v = x[offset + feature[node]];
    let goLeft: boolean;
    // biome-ignore lint/suspicious/noSelfCompare: the fastest NaN test on the hot path
    if (v !== v) goLeft = t.defaultLeft[node] === 1;
    else if (catOffset[node] >= 0) goLeft = (t.catBits[catOffset[node] + (v >>> 5)] & (1 << (v & 31))) !== 0;
    else goLeft = v <= threshold[node];
    node = goLeft ? t.left[node] : t.right[node];
  }
  return node;
}

/** Maximum depth of a tree (a lone leaf has depth 0). */
export function treeDepth(t: Tree, node = 0): number {
  if (t.feature[node] < 0) return 0;
  return 1 + Math.max(treeDepth(t, t.left[node]), treeDepth(t, t.right[node]));
}

/** Number of leaves. */
export function leafCount(t: Tree): number {
  let n = 0;
  for (let i = 0; i < t.nNodes; i++) if (t.feature[i] < 0) n++;
  return n;
}
