import type { BinnedData } from '../binning/bin-mapper.js';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import type { PackedHistogramKernel } from '../tree/histogram-kernel.js';
import { fillSide, partitionRowIndices } from '../tree/partition.js';
import { type GradientPacking, PACKED_STRIDE, packGradient } from './gradient-packing.js';

/**
 * The per-shard work of one boosting tree, run by the main thread for shard 0 and by the worker
 * (or the main thread, single-threaded) for shard 1. Each shard owns a contiguous region of the
 * row order and its own histogram slots; the shards' packed histograms add up exactly, so the
 * model is the same whichever thread ran which shard.
 */
export interface ShardMemory {
  readonly data: BinnedData;
  /** Row order, shared by both shards, each in its own region. */
  readonly rows: Uint32Array;
  /** Gradients, hessians and packed gradients by row index (each shard writes its own rows). */
  readonly og: Float64Array;
  readonly oh: Float64Array;
  readonly packed: Float64Array;
  /**
   * e^−margin of each row: a tree multiplies it by e^−value once per leaf, where keeping the
   * margin would cost an exp per row and round for the gradients.
   */
  readonly expNegMargin: Float64Array;
  readonly y: Uint8Array;
  /** Packed histogram slot buffers of this shard. */
  readonly hists: Float64Array[];
  /** This thread's scratch. */
  readonly scratch: Uint32Array;
  readonly side: Uint8Array;
  readonly features: Int32Array;
  /** The histogram kernel of `features`, looked up once per tree. */
  readonly kernel: PackedHistogramKernel;
}

/**
 * Root step: gradients of the shard's rows (log-loss at the current margin, positives weighted by
 * `posWeight`) and their packed form, then the root histogram into `slot`. With `inOrder`, the
 * shard's region of `rows` is first reset to rows start..end-1 (a round on all rows).
 */
export function shardRoot(
  m: ShardMemory,
  start: number,
  end: number,
  inOrder: boolean,
  posWeight: number,
  packing: GradientPacking,
  slot: number,
): void {
  const { rows, og, oh, packed, expNegMargin, y } = m;
  if (inOrder) for (let k = start; k < end; k++) rows[k] = k;
  for (let k = start; k < end; k++) {
    const i = rows[k];
    const p = 1 / (1 + expNegMargin[i]);
    const w = y[i] ? posWeight : 1;
    const g = (p - y[i]) * w;
    const h = Math.max(p * (1 - p), 1e-16) * w;
    og[i] = g;
    oh[i] = h;
    packed[i] = packGradient(packing, g, h);
  }
  buildInto(m, start, end, slot);
}

/** One split to apply in a shard: partition its rows, then maybe build one child's histogram. */
export interface ShardSplit {
  start: number;
  end: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  catBits: ArrayLike<number> | null;
  /** Build the histogram of the left (1) or right (0) child into `slot`; -1 = none. */
  buildLeft: number;
  slot: number;
}

/** Apply a level's splits to a shard; each split's partition point goes to `mids[k]`. */
export function shardLevel(m: ShardMemory, splits: readonly ShardSplit[], mids: Int32Array): void {
  const { data } = m;
  for (let k = 0; k < splits.length; k++) {
    const s = splits[k];
    fillSide(m.side, s.bin, s.missingLeft, s.catBits);
    const mid = partitionRowIndices(
      data.cols,
      s.feature * data.nRows,
      m.side,
      m.rows,
      m.scratch,
      s.start,
      s.end,
    );
    mids[k] = mid;
    if (s.slot >= 0) {
      if (s.buildLeft === 1) buildInto(m, s.start, mid, s.slot);
      else buildInto(m, mid, s.end, s.slot);
    }
  }
}

/** XGBoost's Newton leaf weight scaled by the learning rate: −G / (H + λ) · η. */
export const leafWeight = (g: number, h: number, lambda: number, eta: number): number =>
  (-g / (h + lambda)) * eta;

/**
 * Leaf step, for leaves [from, to) of a grown tree (`ranges`: both shards' row ranges, four
 * numbers a leaf): each leaf's exact gradient and hessian sums into sums[2j], sums[2j + 1], then
 * its weight added to its rows' margins (their e^−margin multiplied by e^−weight). A leaf is
 * summed by one thread over both shards in a fixed order, so its value does not depend on which
 * thread took it.
 */
export function leafStep(
  m: ShardMemory,
  ranges: ArrayLike<number>,
  from: number,
  to: number,
  lambda: number,
  eta: number,
  sums: Float64Array,
): void {
  const { rows, og, oh, expNegMargin } = m;
  for (let j = from; j < to; j++) {
    let g = 0;
    let h = 0;
    for (let r = 4 * j; r < 4 * j + 4; r += 2) {
      for (let k = ranges[r]; k < ranges[r + 1]; k++) {
        g += og[rows[k]];
        h += oh[rows[k]];
      }
    }
    sums[2 * j] = g;
    sums[2 * j + 1] = h;
    const factor = Math.exp(-leafWeight(g, h, lambda, eta));
    for (let r = 4 * j; r < 4 * j + 4; r += 2)
      for (let k = ranges[r]; k < ranges[r + 1]; k++) expNegMargin[rows[k]] *= factor;
  }
}

function buildInto(m: ShardMemory, start: number, end: number, slot: number): void {
  const hist = m.hists[slot];
  const fs = m.features;
  for (let k = 0; k < fs.length; k++) {
    // Only the feature's own bins and the missing bin are ever written or read.
    const o = fs[k] * PACKED_STRIDE;
    hist.fill(0, o, o + m.data.features[fs[k]].nBins);
    hist[o + MISSING_BIN] = 0;
  }
  m.kernel(m.data.bins, m.rows, m.packed, hist, start, end);
}
