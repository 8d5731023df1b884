import type { FeatureBinning } from '../binning/bin-mapper.js';
import { HIST_STRIDE, type Split, type SplitConstraints, searchFeature } from '../tree/split.js';
import { MAX_SPLITS } from './shard-protocol.js';

/** Offset of the missing-value bin's (g, h) pair inside a feature's histogram. */
export const MISSING_PAIR = 2 * 255;

/**
 * The second half of a boosting step, shared by both threads by features: add shard 1's new
 * histograms into shard 0's, derive the larger children's by subtraction, and search the nodes
 * of the next level for their best split. Each thread takes one half of the tree's features, so
 * these steps no longer run on one thread while the other waits; every cell gets the same
 * arithmetic as before, whichever thread does it.
 *
 * Layout of the shared blocks (Int32 `red`, Float64 `redF`): the counts and barrier words, the
 * merge list (slot, parent slot or -1), the search list (slot; G and H in `redF`) and each
 * search's result per half.
 */
export const RED = {
  N_MERGES: 0,
  N_SEARCHES: 1,
  /** Barrier: the step sequence number once shard 0 (main) / shard 1 (worker) has built. */
  BUILT0: 2,
  BUILT1: 3,
  MERGES: 8,
} as const;
const MAX_SEARCHES = 2 * MAX_SPLITS;
const SEARCHES = RED.MERGES + 2 * MAX_SPLITS;
const RESULTS = SEARCHES + MAX_SEARCHES;
/** Ints of one result: feature, bin, missingLeft, has-bitset, 8 bitset words. */
const RESULT_INTS = 12;
/** Float64 block: G, H per search, then gain, leftG, leftH per search and half. */
const F_RESULTS = 2 * MAX_SEARCHES;

export function reduceBlocks(): { red: Int32Array; redF: Float64Array } {
  return {
    red: new Int32Array(new SharedArrayBuffer(4 * (RESULTS + 2 * RESULT_INTS * MAX_SEARCHES))),
    redF: new Float64Array(new SharedArrayBuffer(8 * (F_RESULTS + 6 * MAX_SEARCHES))),
  };
}

export interface SearchParams extends SplitConstraints {
  readonly minSplitGain: number;
}

/** What either thread needs for its half. */
export interface ReduceContext {
  readonly hist0: readonly Float64Array[];
  readonly hist1: readonly Float64Array[];
  readonly binning: readonly FeatureBinning[];
  readonly params: SearchParams;
  readonly red: Int32Array;
  readonly redF: Float64Array;
  readonly best: Split;
}

/** Start a step's lists (main thread, before posting it). */
export function clearReduce(red: Int32Array): void {
  red[RED.N_MERGES] = 0;
  red[RED.N_SEARCHES] = 0;
}

/** Queue: add shard 1's `slot` into shard 0's, then subtract it from `parent` (-1: no parent). */
export function queueMerge(red: Int32Array, slot: number, parent: number): void {
  const k = red[RED.N_MERGES]++;
  red[RED.MERGES + 2 * k] = slot;
  red[RED.MERGES + 2 * k + 1] = parent;
}

/** Queue a split search of the node whose (merged) histogram will be in `slot`; returns its index. */
export function queueSearch(red: Int32Array, redF: Float64Array, slot: number, g: number, h: number): number {
  const k = red[RED.N_SEARCHES]++;
  red[SEARCHES + k] = slot;
  redF[2 * k] = g;
  redF[2 * k + 1] = h;
  return k;
}

/** The smallest gain a split must beat at a node of hessian sum h. */
export const gainFloor = (p: SearchParams, h: number): number =>
  p.minSplitGain > 0 ? p.minSplitGain : 1e-12 * Math.max(1, h);

/** Run half `half` (0: the first ceil(n/2) features, 1: the rest) of the queued merges and searches. */
export function shardReduce(c: ReduceContext, features: Int32Array, half: number): void {
  const { hist0, hist1, binning, red, redF, best } = c;
  const mid = (features.length + 1) >> 1;
  const lo = half === 0 ? 0 : mid;
  const hi = half === 0 ? mid : features.length;
  const nMerges = red[RED.N_MERGES];
  for (let k = 0; k < nMerges; k++) {
    const a = hist0[red[RED.MERGES + 2 * k]];
    const b = hist1[red[RED.MERGES + 2 * k]];
    const parent = red[RED.MERGES + 2 * k + 1];
    for (let j = lo; j < hi; j++) {
      const o = features[j] * HIST_STRIDE;
      const used = o + 2 * binning[features[j]].nBins;
      for (let q = o; q < used; q++) a[q] += b[q];
      a[o + MISSING_PAIR] += b[o + MISSING_PAIR];
      a[o + MISSING_PAIR + 1] += b[o + MISSING_PAIR + 1];
    }
    if (parent < 0) continue;
    const ph = hist0[parent];
    for (let j = lo; j < hi; j++) {
      const o = features[j] * HIST_STRIDE;
      const used = o + 2 * binning[features[j]].nBins;
      for (let q = o; q < used; q++) ph[q] -= a[q];
      ph[o + MISSING_PAIR] -= a[o + MISSING_PAIR];
      ph[o + MISSING_PAIR + 1] -= a[o + MISSING_PAIR + 1];
    }
  }
  const nSearches = red[RED.N_SEARCHES];
  for (let k = 0; k < nSearches; k++) {
    const hist = hist0[red[SEARCHES + k]];
    const G = redF[2 * k];
    const H = redF[2 * k + 1];
    best.gain = gainFloor(c.params, H);
    best.feature = -1;
    for (let j = lo; j < hi; j++)
      searchFeature(hist, features[j], binning[features[j]], G, H, c.params, best);
    const r = RESULTS + RESULT_INTS * (2 * k + half);
    red[r] = best.feature;
    red[r + 1] = best.bin;
    red[r + 2] = best.missingLeft ? 1 : 0;
    red[r + 3] = best.catBits ? 1 : 0;
    if (best.catBits) for (let w = 0; w < 8; w++) red[r + 4 + w] = best.catBits[w];
    const f = F_RESULTS + 3 * (2 * k + half);
    redF[f] = best.gain;
    redF[f + 1] = best.leftG;
    redF[f + 2] = best.leftH;
  }
}

/**
 * The best split of search `k` over both halves into `out`, or false when neither half found one.
 * The second half wins only with a strictly larger gain: the same choice as one search over all
 * features in order.
 */
export function readSearch(red: Int32Array, redF: Float64Array, k: number, out: Split): boolean {
  const f0 = F_RESULTS + 3 * (2 * k);
  const f1 = f0 + 3;
  const r1 = RESULTS + RESULT_INTS * (2 * k + 1);
  const half = red[r1] >= 0 && redF[f1] > redF[f0] ? 1 : 0;
  const r = RESULTS + RESULT_INTS * (2 * k + half);
  const f = F_RESULTS + 3 * (2 * k + half);
  if (red[r] < 0) return false;
  out.gain = redF[f];
  out.feature = red[r];
  out.bin = red[r + 1];
  out.missingLeft = red[r + 2] === 1;
  out.catBits = red[r + 3] === 1 ? Uint32Array.from(red.subarray(r + 4, r + 12)) : null;
  out.leftG = redF[f + 1];
  out.leftH = redF[f + 2];
  return true;
}
