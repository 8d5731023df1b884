import type { BinnedData } from '../binning/bin-mapper.js';
import type { PairKernel } from '../tree/histogram-wasm.js';
import { fillSide, partitionRowIndices } from '../tree/partition.js';
import { HIST_STRIDE } from '../tree/split.js';

/**
 * The per-shard work of one boosting tree, run by the main thread for shard 0 and by the worker
 * (or the main thread, single-threaded) for shard 1. Each shard owns a contiguous region of the
 * row order and its own histogram slots; the main thread adds the shards' histograms together,
 * so the model is the same whichever thread ran which shard.
 */
export interface ShardMemory {
  readonly data: BinnedData;
  /** Row order, shared by both shards, each in its own region. */
  readonly rows: Uint32Array;
  /** (gradient, hessian) of row i at [2i], [2i + 1] (each shard writes its own rows). */
  readonly gh: Float64Array;
  readonly margin: Float64Array;
  /**
   * exp(−margin) per row, kept up to date by multiplying with exp(−leaf value) (one exp per leaf,
   * not per row): the gradients' sigmoid then costs a division instead of an exp (3 against 26 ns
   * a row here). Values out of (1e-300, 1e300) are recomputed from the margin.
   */
  readonly expNeg: Float64Array;
  readonly y: Uint8Array;
  /** Histogram slot buffers of this shard. */
  readonly hists: Float64Array[];
  /** This thread's scratch. */
  readonly scratch: Uint32Array;
  readonly side: Uint8Array;
  readonly features: Int32Array;
  /** The histogram kernel of `features`, looked up once per tree. */
  readonly kernel: PairKernel;
}

/** Views of a shard's `slots` histogram slots of `histSize` doubles, from byte `offset` of the arena. */
export function histogramSlots(
  buffer: SharedArrayBuffer,
  offset: number,
  slots: number,
  histSize: number,
): Float64Array[] {
  return Array.from(
    { length: slots },
    (_, k) => new Float64Array(buffer, offset + 8 * histSize * k, histSize),
  );
}

/**
 * Root step: gradients of the shard's rows (log-loss at the current margin, positives weighted by
 * `posWeight`), then the root histogram into `slot`. Returns [G, H].
 */
export function shardRoot(
  m: ShardMemory,
  start: number,
  end: number,
  posWeight: number,
  slot: number,
): [number, number] {
  const { rows, gh, margin, expNeg, y } = m;
  let G = 0;
  let H = 0;
  for (let k = start; k < end; k++) {
    const i = rows[k];
    let e = expNeg[i];
    if (!(e > 1e-300 && e < 1e300)) {
      // Underflowed, overflowed or never set: from the margin itself.
      e = Math.exp(-margin[i]);
      expNeg[i] = e;
    }
    const p = 1 / (1 + e);
    const w = y[i] ? posWeight : 1;
    const g = (p - y[i]) * w;
    const h = Math.max(p * (1 - p), 1e-16) * w;
    gh[2 * i] = g;
    gh[2 * i + 1] = h;
    G += g;
    H += h;
  }
  buildInto(m, start, end, slot);
  return [G, H];
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
  /**
   * The children are leaves at the depth limit: instead of partitioning, add their values
   * (`leftValue`, `rightValue`) to the rows' margins, one add per row as the leaf pass would.
   */
  final: boolean;
  leftValue: number;
  rightValue: number;
}

/** Apply a level's splits to a shard; returns each split's partition point (-1 for final splits). */
export function shardLevel(m: ShardMemory, splits: readonly ShardSplit[], mids: Int32Array): void {
  const { data } = m;
  for (let k = 0; k < splits.length; k++) {
    const s = splits[k];
    fillSide(m.side, s.bin, s.missingLeft, s.catBits);
    if (s.final) {
      addLeafValues(m, s);
      mids[k] = -1;
      continue;
    }
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

/**
 * Add a leaf value v to row i's margin, keeping expNeg[i] = exp(−margin[i]) in step (ev must be
 * exp(−v)). Every change to a margin during training goes through here (V8 inlines it).
 */
export function addToMargin(
  margin: Float64Array,
  expNeg: Float64Array,
  i: number,
  v: number,
  ev: number,
): void {
  margin[i] += v;
  expNeg[i] *= ev;
}

const leafPair = new Float64Array(2);
const expPair = new Float64Array(2);

/** Margins of a final split's rows: + rightValue (side 0) or + leftValue (side 1), by table, not branch. */
function addLeafValues(m: ShardMemory, s: ShardSplit): void {
  const { rows, margin, expNeg, side } = m;
  const col = m.data.cols;
  const off = s.feature * m.data.nRows;
  leafPair[0] = s.rightValue;
  leafPair[1] = s.leftValue;
  expPair[0] = Math.exp(-s.rightValue);
  expPair[1] = Math.exp(-s.leftValue);
  for (let k = s.start; k < s.end; k++) {
    const i = rows[k];
    const sd = side[col[off + i]];
    addToMargin(margin, expNeg, i, leafPair[sd], expPair[sd]);
  }
}

function buildInto(m: ShardMemory, start: number, end: number, slot: number): void {
  const hist = m.hists[slot];
  const fs = m.features;
  for (let k = 0; k < fs.length; k++) {
    // Only the feature's own bins and the missing pair are ever written or read.
    const o = fs[k] * HIST_STRIDE;
    hist.fill(0, o, o + 2 * m.data.features[fs[k]].nBins);
    hist[o + 510] = 0;
    hist[o + 511] = 0;
  }
  m.kernel(hist, start, end);
}
