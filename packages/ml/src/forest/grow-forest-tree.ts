import type { BinnedData } from '../binning/bin-mapper.js';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import { fillSide } from '../tree/partition.js';
import { HIST_STRIDE, type Split, type SplitConstraints, searchFeature } from '../tree/split.js';
import type { Tree } from '../tree/tree.js';
import { TreeBuilder } from '../tree/tree-builder.js';
import type { Rng } from '../util/rng.js';
import { type ForestKernels, forestKernels } from './forest-wasm.js';
import {
  accumulate,
  accumulateTouched,
  PACK,
  PACKED_STRIDE,
  packedG,
  packedH,
  searchPackedNumeric,
} from './packed-histogram.js';
import { RowRecords } from './row-records.js';

export interface ForestTreeParams {
  readonly maxDepth: number;
  /** Minimum bootstrap weight in each child (scikit-learn's min_samples_leaf). */
  readonly minSamplesLeaf: number;
  /** Features drawn at random for each node (max_features); the number of features = no draw. */
  readonly featuresPerNode: number;
}

/** Nodes with fewer rows than this histogram, scan and clear only the bins their rows touch. */
const SMALL_NODE = 64;
/** Categorical features with at most this many present categories split one-vs-rest. */
const MAX_CAT_ONE_HOT = 4;

/** Buffers one thread reuses across its trees: row records, histograms. */
export class ForestWorkspace {
  readonly records: RowRecords;
  /** One packed histogram per feature drawn for the node being split. */
  readonly hist: Float64Array;
  /** The unpacked (g, h) layout `searchFeature` reads, for categorical features. */
  readonly catHist: Float64Array;
  readonly bits = new Uint32Array(8);
  readonly touched = new Uint8Array(256);
  readonly side: Uint8Array;
  readonly features: Int32Array;
  /** The WebAssembly kernels over the records, histograms and side table, or null. */
  private readonly kernels: ForestKernels | null;
  /** Byte offset of `hist` in the kernels' memory. */
  private readonly histAt: number;

  /** `useWasm` false keeps the JavaScript kernels (for the tests). */
  constructor(data: BinnedData, useWasm = true) {
    const n = data.nRows;
    const nF = data.nFeatures;
    // Histogram sums of h·PACK + g stay exact while the total weight (n draws) is below PACK.
    if (n >= PACK) throw new Error(`the forest trains on fewer than ${PACK} rows, got ${n}`);
    // One memory: both record areas, the histograms, the side table.
    this.histAt = Math.ceil(RowRecords.bytesFor(nF, n) / 16) * 16;
    const sideAt = this.histAt + 8 * nF * PACKED_STRIDE;
    const stride = 4 * RowRecords.wordsFor(nF);
    const wasm = useWasm ? forestKernels(sideAt + 256, stride, sideAt) : null;
    this.kernels = wasm?.kernels ?? null;
    if (wasm) {
      const buffer = wasm.memory.buffer as ArrayBuffer;
      const part = wasm.kernels.part;
      this.records = new RowRecords(data.bins, n, nF, n, {
        buffer,
        partition: (_u32, _bytes, _side, f, from, to, start, end) => part(from, to, start, end, f),
      });
      this.hist = new Float64Array(buffer, this.histAt, nF * PACKED_STRIDE);
      this.side = new Uint8Array(buffer, sideAt, 256);
    } else {
      this.records = new RowRecords(data.bins, n, nF, n);
      this.hist = new Float64Array(nF * PACKED_STRIDE);
      this.side = new Uint8Array(256);
    }
    this.catHist = new Float64Array(nF * HIST_STRIDE);
    this.features = new Int32Array(nF);
  }

  /** Whether the kernels are WebAssembly (for the tests). */
  get usesWasm(): boolean {
    return this.kernels !== null;
  }

  /** {@link accumulate} of records [start, end) of the area at `base` into `hist`. */
  accumulate(base: number, start: number, end: number, features: Int32Array): void {
    const k = this.kernels;
    if (!k) {
      accumulate(this.records, base, start, end, features, this.hist);
      return;
    }
    const k0 = base + start;
    const k1 = base + end;
    const h = this.histAt;
    const S = 8 * PACKED_STRIDE;
    let j = 0;
    for (; j + 3 < features.length; j += 4) {
      const [f0, f1, f2, f3] = [features[j], features[j + 1], features[j + 2], features[j + 3]];
      k.a4(k0, k1, f0, f1, f2, f3, h + j * S, h + (j + 1) * S, h + (j + 2) * S, h + (j + 3) * S);
    }
    const left = features.length - j;
    if (left === 3)
      k.a3(
        k0,
        k1,
        features[j],
        features[j + 1],
        features[j + 2],
        h + j * S,
        h + (j + 1) * S,
        h + (j + 2) * S,
      );
    else if (left === 2) k.a2(k0, k1, features[j], features[j + 1], h + j * S, h + (j + 1) * S);
    else if (left === 1) k.a1(k0, k1, features[j], h + j * S);
  }
}

/**
 * Grow one Gini classification tree of a Random Forest on binned data: rows with bootstrap
 * weight `weight[i]` (0 = out of bag) and label `y[i]`, `featuresPerNode` features drawn per
 * node, depth-wise. The tree, and every draw from `rng`, are those of `growTree` with g = weight·y,
 * h = weight and lambda 0; what differs is the work: weights are small integers, so histogram
 * cells pack (g, h) in one double (see {@link PACK}); rows travel as records with their bins and
 * weight (see {@link RowRecords}); only the drawn features are histogrammed; small nodes touch
 * only their bins; pure nodes (one class, where no split can gain) are not searched; and rows
 * whose node's children are all leaves are not moved.
 */
export function growForestTree(
  data: BinnedData,
  y: Uint8Array,
  weight: Float64Array,
  params: ForestTreeParams,
  rng: Rng,
  ws: ForestWorkspace,
): Tree {
  const nF = data.nFeatures;
  const nRows = data.nRows;
  const { records, hist, catHist, bits, touched, features, side } = ws;
  const { u32, bytes } = records;
  const mcw = params.minSamplesLeaf;
  const maxDepth = params.maxDepth;
  const sampling = params.featuresPerNode > 0 && params.featuresPerNode < nF;
  const nDraw = sampling ? params.featuresPerNode : nF;
  const constraints: SplitConstraints = { lambda: 0, minChildWeight: mcw, maxCatOneHot: MAX_CAT_ONE_HOT };
  let m = 0;
  let G = 0;
  let H = 0;
  for (let i = 0; i < nRows; i++) {
    const h = weight[i];
    if (h === 0) continue;
    // A weight code holds h < 2^15; a bootstrap draws a row that often with probability ~ 0.
    if (h >= 2 ** 15) throw new Error(`bootstrap weight ${h} of row ${i} is too large`);
    records.put(m++, i, h, y[i]);
    G += h * y[i];
    H += h;
  }
  const tb = new TreeBuilder(giniLeafValue);
  const best: Split = { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 };

  // The nodes of one depth, in the order growTree visits them: tree node, record range, sums.
  let level = [tb.add(G, H), 0, m, G, H];
  // Each depth reads its nodes' records from one area and moves the records of the nodes that
  // split to the other.
  let base = 0;
  for (let depth = 0; level.length > 0; depth++) {
    const next = base === 0 ? records.capacity : 0;
    const nextLevel: number[] = [];
    for (let q = 0; q < level.length; q += 5) {
      const id = level[q];
      const start = level[q + 1];
      const end = level[q + 2];
      const g = level[q + 3];
      const h = level[q + 4];
      let split = !(depth >= maxDepth || end - start < 2 || h < 2 * mcw);
      if (split) {
        if (sampling) drawFeatures(nF, nDraw, rng, features);
        else for (let f = 0; f < nF; f++) features[f] = f;
        // A pure node's every split gains exactly 0 (integer sums), never more than the threshold.
        split = g !== 0 && g !== h;
      }
      if (split) {
        best.gain = 1e-12 * Math.max(1, h);
        best.feature = -1;
        const missingCell = searchNode(base, start, end, g, h, features.subarray(0, nDraw));
        split = best.feature >= 0;
        // A node without missing values in training sends them to its heavier child.
        if (split && missingCell === 0) best.missingLeft = best.leftH >= h - best.leftH;
      }
      if (!split) continue;
      const lg = best.leftG;
      const lh = best.leftH;
      const left = tb.add(lg, lh);
      const right = tb.add(g - lg, h - lh);
      tb.split(id, best, left, right, data);
      // Records are only needed by children that may split again.
      if (depth + 1 >= maxDepth || (lh < 2 * mcw && h - lh < 2 * mcw)) continue;
      fillSide(side, best.bin, best.missingLeft, best.catBits);
      const mid = records.partition(u32, bytes, side, best.feature, base, next, start, end);
      nextLevel.push(left, start, mid, lg, lh, right, mid, end, g - lg, h - lh);
    }
    base = next;
    level = nextLevel;
  }
  return tb.build();

  /** Search the drawn features of a node for its best split (into `best`); returns the best feature's missing-bin cell. */
  function searchNode(
    base: number,
    start: number,
    end: number,
    g: number,
    h: number,
    cand: Int32Array,
  ): number {
    const small = end - start < SMALL_NODE;
    if (!small) ws.accumulate(base, start, end, cand);
    let missingCell = 0;
    for (let j = 0; j < cand.length; j++) {
      const f = cand[j];
      const fb = data.features[f];
      const o = j * PACKED_STRIDE;
      const nt = small ? accumulateTouched(records, base, start, end, f, hist, o, bits, touched) : 0;
      if (fb.kind === 'numeric') {
        searchPackedNumeric(hist, o, f, fb.nBins, g, h, mcw, best, small ? touched : null, nt);
      } else {
        unpackCategorical(hist, o, catHist, f * HIST_STRIDE, fb.nBins);
        searchFeature(catHist, f, fb, g, h, constraints, best);
      }
      if (best.feature === f) missingCell = hist[o + MISSING_BIN];
      if (small) for (let k = 0; k < nt; k++) hist[o + touched[k]] = 0;
      else hist.fill(0, o, o + PACKED_STRIDE);
    }
    return missingCell;
  }
}

const giniLeafValue = (g: number, h: number): number => (h > 0 ? g / h : 0);

/**
 * Draw k distinct features of 0..nF-1 into out[0..k) (partial Fisher–Yates), consuming `rng`
 * exactly as growTree's per-node draw does.
 */
function drawFeatures(nF: number, k: number, rng: Rng, out: Int32Array): void {
  for (let f = 0; f < nF; f++) out[f] = f;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(nF - i);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/** Copy a categorical feature's packed histogram into the (g, h) layout of `searchFeature`. */
function unpackCategorical(hist: Float64Array, o: number, out: Float64Array, base: number, nb: number): void {
  for (let b = 0; b < nb; b++) {
    out[base + 2 * b] = packedG(hist[o + b]);
    out[base + 2 * b + 1] = packedH(hist[o + b]);
  }
  out[base + 2 * MISSING_BIN] = packedG(hist[o + MISSING_BIN]);
  out[base + 2 * MISSING_BIN + 1] = packedH(hist[o + MISSING_BIN]);
}
