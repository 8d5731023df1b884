import { Worker } from 'node:worker_threads';
import type { BinnedData } from '../binning/bin-mapper.js';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import { packedHistogramKernel } from '../tree/histogram-kernel.js';
import { HIST_STRIDE, type Split, searchFeature } from '../tree/split.js';
import type { Tree } from '../tree/tree.js';
import { TreeBuilder } from '../tree/tree-builder.js';
import { workerUrl } from '../util/worker-url.js';
import {
  type GradientPacking,
  gradientPacking,
  PACKED_STRIDE,
  packedHessian,
  unpackFeature,
} from './gradient-packing.js';
import {
  leafStep,
  leafWeight,
  type ShardMemory,
  type ShardSplit,
  shardLevel,
  shardRoot,
} from './shard-ops.js';
import {
  controlBlockLength,
  F64_LEAVES,
  F64_SLOTS,
  MIDS,
  OP_EXIT,
  OP_LEAVES,
  OP_LEVEL,
  OP_ROOT,
  SLOT,
  writeSplits,
} from './shard-protocol.js';
import {
  clearReduce,
  gainFloor,
  queueMerge,
  queueSearch,
  RED,
  type ReduceContext,
  readSearch,
  reduceBlocks,
  type SearchParams,
  shardReduce,
} from './shard-reduce.js';

export interface ShardedGrowParams extends SearchParams {
  readonly maxDepth: number;
  readonly learningRate: number;
  readonly scalePosWeight: number;
}

/** What the shard worker receives at start. */
export interface ShardWorkerInit {
  readonly data: BinnedData;
  readonly rows: Uint32Array;
  readonly og: Float64Array;
  readonly oh: Float64Array;
  readonly packed: Float64Array;
  readonly packing: GradientPacking;
  readonly expNegMargin: Float64Array;
  readonly y: Uint8Array;
  readonly histBuffer: SharedArrayBuffer;
  /** Shard 0's histograms, which the worker's half of each reduce writes too. */
  readonly histBuffer0: SharedArrayBuffer;
  readonly histSize: number;
  readonly red: Int32Array;
  readonly redF: Float64Array;
  readonly searchParams: SearchParams;
  readonly learningRate: number;
  readonly slots: number;
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
}

/** A grown tree and, per leaf, the row ranges of both shards in `rows`. */
export interface ShardedTree {
  readonly tree: Tree;
  readonly leafNodes: number[];
  /** Four numbers a leaf: start0, end0, start1, end1. */
  readonly leafRanges: number[];
}

/** A tree's shape while it grows: per node id, its split and children (null, -1 for a leaf). */
interface Shape {
  split: (Split | null)[];
  left: number[];
  right: number[];
}

interface Node {
  id: number;
  s0: number;
  e0: number;
  s1: number;
  e1: number;
  /** Quantised gradient and hessian sums, as the split search sees them. */
  g: number;
  h: number;
  depth: number;
  slot: number;
  /** Index of this node's queued split search, or -1. */
  task: number;
}

const sab = (bytes: number) => new SharedArrayBuffer(bytes);
const score = (g: number, h: number, lambda: number): number => (g * g) / (h + lambda);

/**
 * Grows boosting trees with the rows split in two shards, each partitioned and histogrammed on
 * its own (by a worker thread when one is available, else in turn on this thread). Adding the two
 * shards' histograms, the subtraction for the larger children and the next level's split search
 * are then shared by features between the two threads (shard-reduce.ts); split decisions and
 * bookkeeping stay on this thread. Histograms hold packed quantised gradients (gradient-packing.ts);
 * once the tree has its shape, its node values and covers are summed from the exact gradients.
 * The arithmetic is the same with one thread or two, so the model does not depend on the thread
 * count.
 */
export class ShardedGrower {
  readonly rows: Uint32Array;
  /** e^−margin of each row (see ShardMemory). */
  readonly expNegMargin: Float64Array;
  private readonly og: Float64Array;
  private readonly oh: Float64Array;
  private readonly packed: Float64Array;
  private readonly packing: GradientPacking;
  /** This thread's unpacked histogram of the node being searched. */
  private readonly unpacked: Float64Array;
  private readonly histSize: number;
  private readonly slots: number;
  private readonly hist0: Float64Array[];
  private readonly hist1: Float64Array[];
  private readonly histBuffer0: SharedArrayBuffer;
  private readonly histBuffer1: SharedArrayBuffer;
  private readonly red: Int32Array;
  private readonly redF: Float64Array;
  private readonly reduce0: ReduceContext;
  private readonly free: number[] = [];
  private readonly ctl = new Int32Array(sab(4 * controlBlockLength()));
  private readonly f64 = new Float64Array(sab(8 * F64_SLOTS));
  private readonly mids0: Int32Array;
  private readonly mids1: Int32Array;
  private readonly mem0: ShardMemory;
  private readonly mem1: ShardMemory;
  private worker: Worker | null = null;
  private seq = 0;

  constructor(
    private readonly data: BinnedData,
    private readonly y: Uint8Array,
    private readonly params: ShardedGrowParams,
  ) {
    const n = data.nRows;
    this.rows = new Uint32Array(sab(4 * n));
    this.og = new Float64Array(sab(8 * n));
    this.oh = new Float64Array(sab(8 * n));
    this.packed = new Float64Array(sab(8 * n));
    this.expNegMargin = new Float64Array(sab(8 * n));
    this.packing = gradientPacking(n, params.scalePosWeight);
    this.unpacked = new Float64Array(data.nFeatures * HIST_STRIDE);
    this.histSize = data.nFeatures * PACKED_STRIDE;
    this.slots = 2 ** params.maxDepth + 2;
    const slotViews = (buffer: SharedArrayBuffer) =>
      Array.from(
        { length: this.slots },
        (_, k) => new Float64Array(buffer, 8 * this.histSize * k, this.histSize),
      );
    this.histBuffer0 = sab(8 * this.histSize * this.slots);
    this.hist0 = slotViews(this.histBuffer0);
    this.histBuffer1 = sab(8 * this.histSize * this.slots);
    this.hist1 = slotViews(this.histBuffer1);
    this.mids0 = new Int32Array(1024);
    this.mids1 = new Int32Array(this.ctl.buffer, 4 * MIDS, 1024);
    const memory = (hists: Float64Array[]): ShardMemory => ({
      data,
      rows: this.rows,
      og: this.og,
      oh: this.oh,
      packed: this.packed,
      expNegMargin: this.expNegMargin,
      y,
      hists,
      scratch: new Uint32Array(n),
      side: new Uint8Array(256),
      features: new Int32Array(0),
      kernel: () => {},
    });
    this.mem0 = memory(this.hist0);
    this.mem1 = memory(this.hist1);
    ({ red: this.red, redF: this.redF } = reduceBlocks());
    this.reduce0 = {
      hist0: this.hist0,
      hist1: this.hist1,
      binning: data.features,
      params,
      packing: this.packing,
      unpacked: this.unpacked,
      red: this.red,
      redF: this.redF,
      best: { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 },
    };
  }

  /** Start the shard worker (call once; without it, both shards run on this thread). */
  async startWorker(): Promise<void> {
    const init: ShardWorkerInit = {
      data: this.data,
      rows: this.rows,
      og: this.og,
      oh: this.oh,
      packed: this.packed,
      packing: this.packing,
      expNegMargin: this.expNegMargin,
      y: this.y,
      histBuffer: this.histBuffer1,
      histBuffer0: this.histBuffer0,
      histSize: this.histSize,
      red: this.red,
      redF: this.redF,
      searchParams: {
        lambda: this.params.lambda,
        minChildWeight: this.params.minChildWeight,
        maxCatOneHot: this.params.maxCatOneHot,
        minSplitGain: this.params.minSplitGain,
      },
      learningRate: this.params.learningRate,
      slots: this.slots,
      ctl: this.ctl,
      f64: this.f64,
    };
    const worker = new Worker(workerUrl(import.meta.url, './shard-worker.js'), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    this.worker = worker;
  }

  async stop(): Promise<void> {
    if (!this.worker) return;
    this.ctl[SLOT.OP] = OP_EXIT;
    Atomics.store(this.ctl, SLOT.SEQ, ++this.seq);
    Atomics.notify(this.ctl, SLOT.SEQ);
    await this.worker.terminate();
    this.worker = null;
  }

  /** Run shard 1's step on the worker (returns after posting) or, with no worker, right here. */
  private post(op: number, run1: () => void): void {
    if (!this.worker) {
      run1();
      return;
    }
    this.ctl[SLOT.OP] = op;
    Atomics.store(this.ctl, SLOT.SEQ, ++this.seq);
    Atomics.notify(this.ctl, SLOT.SEQ);
  }

  private wait(): void {
    if (!this.worker) return;
    const seq = this.seq;
    while (Atomics.load(this.ctl, SLOT.DONE) !== seq)
      Atomics.wait(this.ctl, SLOT.DONE, Atomics.load(this.ctl, SLOT.DONE), 100);
  }

  /**
   * Grow one tree on the first `m` entries of `rows` (the caller fills them with a subsample;
   * with `allRows`, the shards put every row in order themselves), using features `features`
   * (sorted), and add its leaf values to the margins of those rows.
   */
  grow(m: number, features: Int32Array, allRows: boolean): ShardedTree {
    const { params, ctl, f64, red, redF, packing } = this;
    const half = m >> 1;
    this.free.length = 0;
    for (let k = this.slots - 1; k >= 0; k--) this.free.push(k);
    const kernel = packedHistogramKernel(this.data.nFeatures, features);
    const m0 = { ...this.mem0, features, kernel };
    const m1 = { ...this.mem1, features, kernel };
    ctl[SLOT.N_FEATURES] = features.length;
    for (let k = 0; k < features.length; k++) ctl[SLOT.FEATURES + k] = features[k];

    const rootSlot = this.free.pop()!;
    ctl[SLOT.A] = half;
    ctl[SLOT.B] = m;
    ctl[SLOT.C] = rootSlot;
    ctl[SLOT.D] = allRows ? 1 : 0;
    f64[0] = params.scalePosWeight;
    const spw = params.scalePosWeight;
    this.post(OP_ROOT, () => shardRoot(m1, half, m, allRows, spw, packing, rootSlot));
    shardRoot(m0, 0, half, allRows, spw, packing, rootSlot);
    this.wait();
    this.merge(rootSlot, features);

    // The shape: per node id (in creation order), its split and children, or null for a leaf.
    const shape: Shape = { split: [null], left: [-1], right: [-1] };
    const [G, H] = this.quantisedTotals(this.hist0[rootSlot], features[0]);
    const root: Node = {
      id: 0,
      s0: 0,
      e0: half,
      s1: half,
      e1: m,
      g: G,
      h: H,
      depth: 0,
      slot: rootSlot,
      task: -1,
    };
    const leafNodes: number[] = [];
    const leafRanges: number[] = [];
    const leaf = (n: Node) => {
      leafNodes.push(n.id);
      leafRanges.push(n.s0, n.e0, n.s1, n.e1);
      if (n.slot >= 0) this.free.push(n.slot);
    };
    // The root is searched here; every later node by both threads (see shard-reduce.ts).
    const rootSplit = this.searchAll(this.hist0[rootSlot], features, G, H);
    let level: Node[] = [root];
    while (level.length > 0) {
      const splitNodes: Node[] = [];
      const splits0: ShardSplit[] = [];
      const splits1: ShardSplit[] = [];
      const chosen: Split[] = [];
      /** Per split: search index of the left and right child (-1: not searched). */
      const childTasks: number[] = [];
      clearReduce(red);
      for (const node of level) {
        const rowsIn = node.e0 - node.s0 + node.e1 - node.s1;
        if (
          node.depth >= params.maxDepth ||
          rowsIn < 2 ||
          node.h < 2 * params.minChildWeight ||
          node.slot < 0
        ) {
          leaf(node);
          continue;
        }
        const s = node === root ? rootSplit : node.task >= 0 ? this.readSplit(node.task) : null;
        if (!s) {
          leaf(node);
          continue;
        }
        const missing = this.hist0[node.slot][s.feature * PACKED_STRIDE + MISSING_BIN];
        if (packedHessian(packing, missing) === 0) s.missingLeft = s.leftH >= node.h - s.leftH;
        // Children split again need histograms: build the lighter one, subtract for the other.
        // Children at the depth limit are leaves: their rows are only partitioned.
        const needHist = node.depth + 1 < params.maxDepth;
        const buildLeft = s.leftH <= node.h - s.leftH ? 1 : 0;
        const slot = needHist ? this.free.pop()! : -1;
        if (needHist) {
          queueMerge(red, slot, node.slot);
          const rg = node.g - s.leftG;
          const rh = node.h - s.leftH;
          const mcw2 = 2 * params.minChildWeight;
          const leftSlot = buildLeft === 1 ? slot : node.slot;
          const rightSlot = buildLeft === 1 ? node.slot : slot;
          childTasks.push(
            s.leftH >= mcw2 ? queueSearch(red, redF, leftSlot, s.leftG, s.leftH) : -1,
            rh >= mcw2 ? queueSearch(red, redF, rightSlot, rg, rh) : -1,
          );
        } else {
          this.free.push(node.slot);
          childTasks.push(-1, -1);
        }
        const common = {
          feature: s.feature,
          bin: s.bin,
          missingLeft: s.missingLeft,
          catBits: s.catBits,
          buildLeft,
          slot,
        };
        splits0.push({ ...common, start: node.s0, end: node.e0 });
        splits1.push({ ...common, start: node.s1, end: node.e1 });
        splitNodes.push(node);
        chosen.push(s);
      }
      if (splitNodes.length === 0) break;
      ctl[SLOT.A] = splits1.length;
      writeSplits(ctl, splits1);
      this.post(OP_LEVEL, () => shardLevel(m1, splits1, this.mids1));
      shardLevel(m0, splits0, this.mids0);
      this.barrier();
      shardReduce(this.reduce0, features, 0);
      if (!this.worker) shardReduce(this.reduce0, features, 1);
      this.wait();
      const next: Node[] = [];
      for (let k = 0; k < splitNodes.length; k++) {
        const node = splitNodes[k];
        const s = chosen[k];
        const leftId = shape.split.push(null, null) - 2;
        shape.left.push(-1, -1);
        shape.right.push(-1, -1);
        shape.split[node.id] = s;
        shape.left[node.id] = leftId;
        shape.right[node.id] = leftId + 1;
        const { slot, buildLeft } = splits0[k];
        const mid0 = this.mids0[k];
        const mid1 = this.mids1[k];
        const child = (left: boolean, g: number, h: number): Node => ({
          id: left ? leftId : leftId + 1,
          s0: left ? node.s0 : mid0,
          e0: left ? mid0 : node.e0,
          s1: left ? node.s1 : mid1,
          e1: left ? mid1 : node.e1,
          g,
          h,
          depth: node.depth + 1,
          slot: slot < 0 ? -1 : (buildLeft === 1) === left ? slot : node.slot,
          task: childTasks[2 * k + (left ? 0 : 1)],
        });
        next.push(child(true, s.leftG, s.leftH), child(false, node.g - s.leftG, node.h - s.leftH));
      }
      level = next;
    }
    this.leaves(leafRanges);
    return { tree: this.build(shape, leafNodes), leafNodes, leafRanges };
  }

  /**
   * The leaf step on both threads, each taking whole leaves, about half the rows: exact sums
   * into the f64 mailbox and leaf values into the margins.
   */
  private leaves(leafRanges: readonly number[]): void {
    const { ctl, f64, params } = this;
    const nLeaves = leafRanges.length / 4;
    let total = 0;
    for (let r = 0; r < leafRanges.length; r += 2) total += leafRanges[r + 1] - leafRanges[r];
    let cut = 0;
    for (let seen = 0; cut < nLeaves && 2 * seen < total; cut++)
      seen +=
        leafRanges[4 * cut + 1] - leafRanges[4 * cut] + leafRanges[4 * cut + 3] - leafRanges[4 * cut + 2];
    for (let r = 0; r < leafRanges.length; r++) ctl[SLOT.SPLITS + r] = leafRanges[r];
    ctl[SLOT.A] = cut;
    ctl[SLOT.B] = nLeaves;
    const sums = f64.subarray(F64_LEAVES);
    const { lambda, learningRate: eta } = params;
    this.post(OP_LEAVES, () => leafStep(this.mem1, leafRanges, cut, nLeaves, lambda, eta, sums));
    leafStep(this.mem0, leafRanges, 0, cut, lambda, eta, sums);
    this.wait();
  }

  /**
   * The tree of a grown shape, with every node's value, cover and gain from the exact gradient
   * sums: each leaf's from the leaf step, each split's its children's.
   */
  private build(shape: Shape, leafNodes: readonly number[]): Tree {
    const n = shape.split.length;
    const ge = new Float64Array(n);
    const he = new Float64Array(n);
    for (let j = 0; j < leafNodes.length; j++) {
      ge[leafNodes[j]] = this.f64[F64_LEAVES + 2 * j];
      he[leafNodes[j]] = this.f64[F64_LEAVES + 2 * j + 1];
    }
    // Children have larger ids than their parent.
    for (let id = n - 1; id >= 0; id--) {
      if (!shape.split[id]) continue;
      ge[id] = ge[shape.left[id]] + ge[shape.right[id]];
      he[id] = he[shape.left[id]] + he[shape.right[id]];
    }
    const { lambda, learningRate: eta } = this.params;
    const tb = new TreeBuilder((g, h) => leafWeight(g, h, lambda, eta));
    for (let id = 0; id < n; id++) tb.add(ge[id], he[id]);
    for (let id = 0; id < n; id++) {
      const s = shape.split[id];
      if (!s) continue;
      const l = shape.left[id];
      const r = shape.right[id];
      s.gain = score(ge[l], he[l], lambda) + score(ge[r], he[r], lambda) - score(ge[id], he[id], lambda);
      tb.split(id, s, l, r, this.data);
    }
    return tb.build();
  }

  /** Signal that shard 0 has built and wait for shard 1 (the barrier before the shared reduce). */
  private barrier(): void {
    if (!this.worker) return;
    const { red, seq } = this;
    Atomics.store(red, RED.BUILT0, seq);
    Atomics.notify(red, RED.BUILT0);
    while (Atomics.load(red, RED.BUILT1) !== seq)
      Atomics.wait(red, RED.BUILT1, Atomics.load(red, RED.BUILT1), 100);
  }

  /** The combined result of search `task`, with its own bitset, or null. */
  private readSplit(task: number): Split | null {
    const s: Split = { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 };
    return readSearch(this.red, this.redF, task, s) ? s : null;
  }

  /** The quantised gradient and hessian totals of a packed histogram (all bins of one feature). */
  private quantisedTotals(hist: Float64Array, f: number): [number, number] {
    const o = f * PACKED_STRIDE;
    let v = hist[o + MISSING_BIN];
    for (let b = 0; b < this.data.features[f].nBins; b++) v += hist[o + b];
    const qh = packedHessian(this.packing, v);
    return [(v - qh) / this.packing.shift / this.packing.gScale, qh / this.packing.hScale];
  }

  /** Best split of a node over all features on this thread (the root), or null. */
  private searchAll(hist: Float64Array, features: Int32Array, g: number, h: number): Split | null {
    const best: Split = {
      gain: 0,
      feature: -1,
      bin: 0,
      missingLeft: false,
      catBits: null,
      leftG: 0,
      leftH: 0,
    };
    best.gain = gainFloor(this.params, h);
    for (let k = 0; k < features.length; k++) {
      const f = features[k];
      const fb = this.data.features[f];
      unpackFeature(this.packing, hist, f, fb.nBins, this.unpacked);
      searchFeature(this.unpacked, f, fb, g, h, this.params, best);
    }
    return best.feature >= 0 ? best : null;
  }

  /** Add shard 1's packed histogram in `slot` into shard 0's. */
  private merge(slot: number, features: Int32Array): void {
    const a = this.hist0[slot];
    const b = this.hist1[slot];
    for (let j = 0; j < features.length; j++) {
      const o = features[j] * PACKED_STRIDE;
      const used = o + this.data.features[features[j]].nBins;
      for (let q = o; q < used; q++) a[q] += b[q];
      a[o + MISSING_BIN] += b[o + MISSING_BIN];
    }
  }
}
