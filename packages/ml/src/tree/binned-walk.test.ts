import { describe, expect, it } from 'vitest';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import { Rng } from '../util/rng.js';
import { BinnedTreeWalker } from './binned-walk.js';
import { leafOfBinnedRow, type Tree } from './tree.js';

const N_FEATURES = 5;

/**
 * A random binned tree over features 0..4 (4 categorical, its sets across all eight words),
 * thresholds anywhere in 0..255, missing values either way, unbalanced down to `maxDepth`.
 */
function randomBinnedTree(rng: Rng, maxDepth: number): Tree {
  const feature: number[] = [];
  const thresholdBin: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const defaultLeft: number[] = [];
  const catOffset: number[] = [];
  const catBits: number[] = [];
  const grow = (depth: number): number => {
    const node = feature.length;
    const split = depth < maxDepth && rng.next() < 0.85;
    const f = split ? rng.int(N_FEATURES) : -1;
    feature.push(f);
    thresholdBin.push(rng.next() < 0.1 ? [0, 254, 255][rng.int(3)] : rng.int(256));
    defaultLeft.push(rng.int(2));
    catOffset.push(f === 4 ? catBits.length : -1);
    if (f === 4) for (let w = 0; w < 8; w++) catBits.push(rng.nextUint32());
    left.push(-1);
    right.push(-1);
    if (split) {
      left[node] = grow(depth + 1);
      right[node] = grow(depth + 1);
    }
    return node;
  };
  grow(0);
  const n = feature.length;
  return {
    nNodes: n,
    feature: Int32Array.from(feature),
    threshold: new Float64Array(n),
    thresholdBin: Uint8Array.from(thresholdBin),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    defaultLeft: Uint8Array.from(defaultLeft),
    catOffset: Int32Array.from(catOffset),
    catBits: Uint32Array.from(catBits),
    value: new Float64Array(n),
    cover: new Float64Array(n),
    gain: new Float64Array(n),
  };
}

describe('BinnedTreeWalker', () => {
  it('finds leafOfBinnedRow’s leaf for every row, tree after tree on one walker', () => {
    const rng = new Rng(17);
    const nRows = 1500;
    const bins = Uint8Array.from({ length: nRows * N_FEATURES }, () =>
      rng.next() < 0.1 ? MISSING_BIN : rng.next() < 0.1 ? [0, 254][rng.int(2)] : rng.int(256),
    );
    const walker = new BinnedTreeWalker();
    // A lone leaf, small trees, then larger ones (the walker's tables grow), then small again.
    for (const depth of [0, 1, 3, 9, 14, 2, 12]) {
      const tree = randomBinnedTree(rng, depth);
      // Every other row, then the rest in reverse order: a count that is not a multiple of 8.
      const picked = Array.from({ length: nRows }, (_, i) => i).filter((i) => i % 2 === 0 || i % 7 === 3);
      const rows = Int32Array.from(picked.reverse());
      const leaves = new Int32Array(rows.length).fill(-1);
      walker.leaves(tree, bins, N_FEATURES, rows, rows.length, leaves);
      let splits = 0;
      rows.forEach((r, k) => {
        const expected = leafOfBinnedRow(tree, bins, r * N_FEATURES);
        expect(leaves[k], `depth ${depth}, row ${r}`).toBe(expected);
        if (expected !== 0) splits++;
      });
      if (depth > 0) expect(splits).toBeGreaterThan(0);
    }
  });
});
