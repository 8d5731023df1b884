import type { Rng } from '../util/rng.js';
import type { Tree } from './tree.js';

export type NodeKind = 'numeric' | 'categorical' | 'leaf';

/** How {@link randomTree} draws a tree (for the tests; not part of the built package). */
export interface RandomTreeOptions {
  readonly maxDepth: number;
  /** Chance that a node above maxDepth splits: unbalanced trees, lone leaves possible. */
  readonly pSplit: number;
  readonly nFeatures: number;
  /** The categorical feature (its splits get a bitset of eight words from `catWords`). */
  readonly categorical: number;
  readonly catWords: (rng: Rng) => number[];
  /** Called for every node, in this order, so each test's draws are its own to choose. */
  readonly threshold?: (rng: Rng, kind: NodeKind) => number;
  readonly thresholdBin?: (rng: Rng, kind: NodeKind) => number;
  /** A leaf's value (0 when not given). */
  readonly leafValue?: (rng: Rng) => number;
}

/** A random tree in the engine's node-array form, grown depth-first (the left child first). */
export function randomTree(rng: Rng, o: RandomTreeOptions): Tree {
  const [feature, threshold, thresholdBin, left, right, defaultLeft, catOffset, catBits, value] = Array.from(
    { length: 9 },
    (): number[] => [],
  );
  const grow = (depth: number): number => {
    const node = feature.length;
    const split = depth < o.maxDepth && rng.next() < o.pSplit;
    const f = split ? rng.int(o.nFeatures) : -1;
    const categorical = f === o.categorical;
    const kind: NodeKind = !split ? 'leaf' : categorical ? 'categorical' : 'numeric';
    feature.push(f);
    threshold.push(o.threshold ? o.threshold(rng, kind) : 0);
    thresholdBin.push(o.thresholdBin ? o.thresholdBin(rng, kind) : 0);
    defaultLeft.push(rng.int(2));
    catOffset.push(categorical ? catBits.length : -1);
    if (categorical) catBits.push(...o.catWords(rng));
    value.push(!split && o.leafValue ? o.leafValue(rng) : 0);
    left.push(-1);
    right.push(-1);
    if (split) {
      left[node] = grow(depth + 1);
      right[node] = grow(depth + 1);
    }
    return node;
  };
  grow(0);
  return treeOfArrays({
    feature,
    threshold,
    thresholdBin,
    left,
    right,
    defaultLeft,
    catOffset,
    catBits,
    value,
  });
}

/** Node arrays as plain numbers, the way a test builds them. */
export interface NodeArrays {
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly thresholdBin?: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly defaultLeft: readonly number[];
  readonly catOffset: readonly number[];
  readonly catBits: readonly number[];
  readonly value: readonly number[];
  readonly cover?: readonly number[];
}

/** A {@link Tree} of node arrays (thresholdBin and cover zero when not given, gain zero). */
export function treeOfArrays(a: NodeArrays): Tree {
  const n = a.feature.length;
  return {
    nNodes: n,
    feature: Int32Array.from(a.feature),
    threshold: Float64Array.from(a.threshold),
    thresholdBin: a.thresholdBin ? Uint8Array.from(a.thresholdBin) : new Uint8Array(n),
    left: Int32Array.from(a.left),
    right: Int32Array.from(a.right),
    defaultLeft: Uint8Array.from(a.defaultLeft),
    catOffset: Int32Array.from(a.catOffset),
    catBits: Uint32Array.from(a.catBits),
    value: Float64Array.from(a.value),
    cover: a.cover ? Float64Array.from(a.cover) : new Float64Array(n),
    gain: new Float64Array(n),
  };
}
