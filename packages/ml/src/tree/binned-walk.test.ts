import { describe, expect, it } from 'vitest';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import { Rng } from '../util/rng.js';
import { BinnedTreeWalker } from './binned-walk.js';
import { randomTree } from './random-tree.fixture.js';
import { leafOfBinnedRow, type Tree } from './tree.js';

const N_FEATURES = 5;

/**
 * A random binned tree over features 0..4 (4 categorical, its sets across all eight words),
 * thresholds anywhere in 0..255, missing values either way, unbalanced down to `maxDepth`.
 */
const randomBinnedTree = (rng: Rng, maxDepth: number): Tree =>
  randomTree(rng, {
    maxDepth,
    pSplit: 0.85,
    nFeatures: N_FEATURES,
    categorical: 4,
    catWords: (r) => Array.from({ length: 8 }, () => r.nextUint32()),
    thresholdBin: (r) => (r.next() < 0.1 ? [0, 254, 255][r.int(3)] : r.int(256)),
  });

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
