import { MISSING_BIN } from '../binning/bin-mapper.js';
import type { Tree } from './tree.js';

/** Rows walked down a tree in lockstep: independent walks overlap their cache misses. */
const LANES = 8;

/**
 * The leaves of many binned rows in one tree, the leaf {@link leafOfBinnedRow} finds for each,
 * eight rows in lockstep and without a branch per step. Every node becomes a 256-bit set of the
 * bins that go left: bins up to the threshold for a numeric split, the split's categories for a
 * categorical one, and in both the missing bin when missing values go left; a leaf goes "left" to
 * itself for every bin, so every row takes the tree's depth in steps. One step is a load of the
 * row's bin, a load of one word of the set and a shift, where the node-by-node walk took a
 * mispredicted branch about every other step. The sets take 32 bytes a node, reused across trees.
 */
export class BinnedTreeWalker {
  private bits = new Uint32Array(0);
  private feature = new Int32Array(0);
  private left = new Int32Array(0);
  private right = new Int32Array(0);

  /**
   * leaves[k] = the leaf of row rows[k] (row-major bins, nFeatures a row) in `t`, for k < count.
   */
  leaves(
    t: Tree,
    bins: Uint8Array,
    nFeatures: number,
    rows: Int32Array,
    count: number,
    leaves: Int32Array,
  ): void {
    const n = t.nNodes;
    if (this.feature.length < n) {
      const size = Math.max(n, 2 * this.feature.length);
      this.bits = new Uint32Array(8 * size);
      this.feature = new Int32Array(size);
      this.left = new Int32Array(size);
      this.right = new Int32Array(size);
    }
    const { bits, feature, left, right } = this;
    let depth = 0;
    const level = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const w = 8 * i;
      if (t.feature[i] < 0) {
        bits.fill(-1 >>> 0, w, w + 8);
        feature[i] = 0;
        left[i] = i;
        right[i] = i;
        continue;
      }
      feature[i] = t.feature[i];
      left[i] = t.left[i];
      right[i] = t.right[i];
      level[t.left[i]] = level[i] + 1;
      level[t.right[i]] = level[i] + 1;
      depth = Math.max(depth, level[i] + 1);
      if (t.catOffset[i] >= 0) for (let k = 0; k < 8; k++) bits[w + k] = t.catBits[t.catOffset[i] + k];
      else {
        const thr = t.thresholdBin[i];
        for (let k = 0; k < 8; k++) {
          const lo = 32 * k;
          bits[w + k] = thr < lo ? 0 : thr >= lo + 31 ? -1 >>> 0 : (2 ** (thr - lo + 1) - 1) >>> 0;
        }
      }
      // The missing bin follows the default direction (whatever the threshold or the categories).
      const top = w + (MISSING_BIN >>> 5);
      const bit = 1 << (MISSING_BIN & 31);
      bits[top] = t.defaultLeft[i] ? (bits[top] | bit) >>> 0 : (bits[top] & ~bit) >>> 0;
    }
    let k = 0;
    for (; k + LANES <= count; k += LANES) {
      const o0 = rows[k] * nFeatures;
      const o1 = rows[k + 1] * nFeatures;
      const o2 = rows[k + 2] * nFeatures;
      const o3 = rows[k + 3] * nFeatures;
      const o4 = rows[k + 4] * nFeatures;
      const o5 = rows[k + 5] * nFeatures;
      const o6 = rows[k + 6] * nFeatures;
      const o7 = rows[k + 7] * nFeatures;
      let i0 = 0;
      let i1 = 0;
      let i2 = 0;
      let i3 = 0;
      let i4 = 0;
      let i5 = 0;
      let i6 = 0;
      let i7 = 0;
      for (let d = 0; d < depth; d++) {
        const b0 = bins[o0 + feature[i0]];
        const b1 = bins[o1 + feature[i1]];
        const b2 = bins[o2 + feature[i2]];
        const b3 = bins[o3 + feature[i3]];
        const b4 = bins[o4 + feature[i4]];
        const b5 = bins[o5 + feature[i5]];
        const b6 = bins[o6 + feature[i6]];
        const b7 = bins[o7 + feature[i7]];
        i0 = step(bits, left, right, i0, b0);
        i1 = step(bits, left, right, i1, b1);
        i2 = step(bits, left, right, i2, b2);
        i3 = step(bits, left, right, i3, b3);
        i4 = step(bits, left, right, i4, b4);
        i5 = step(bits, left, right, i5, b5);
        i6 = step(bits, left, right, i6, b6);
        i7 = step(bits, left, right, i7, b7);
      }
      leaves[k] = i0;
      leaves[k + 1] = i1;
      leaves[k + 2] = i2;
      leaves[k + 3] = i3;
      leaves[k + 4] = i4;
      leaves[k + 5] = i5;
      leaves[k + 6] = i6;
      leaves[k + 7] = i7;
    }
    for (; k < count; k++) {
      const o = rows[k] * nFeatures;
      let i = 0;
      for (let d = 0; d < depth; d++) i = step(bits, left, right, i, bins[o + feature[i]]);
      leaves[k] = i;
    }
  }
}

/** The child of node i for bin b: left when b is in the node's set. */
function step(bits: Uint32Array, left: Int32Array, right: Int32Array, i: number, b: number): number {
  const go = (bits[(i << 3) | (b >>> 5)] >>> (b & 31)) & 1;
  const r = right[i];
  return r + go * (left[i] - r);
}
