import { Worker } from 'node:worker_threads';
import type { BinnedData } from '../binning/bin-mapper.js';
import { arenaMemory, type PairArena, pairHistogramKernel } from '../tree/histogram-wasm.js';
import { HIST_STRIDE, type Split, searchFeature } from '../tree/split.js';
import type { Tree } from '../tree/tree.js';
import { TreeBuilder } from '../tree/tree-builder.js';
import { waitForValue } from '../util/spin-wait.js';
import type { WasmMemory } from '../util/wasm-asm.js';
import { workerUrl } from '../util/worker-url.js';
import { histogramSlots, type ShardMemory, type ShardSplit, shardLevel, shardRoot } from './shard-ops.js';
import {
  controlBlockLength,
  F64_SLOTS,
  MIDS,
  OP_EXIT,
  OP_LEVEL,
  OP_ROOT,
  SLOT,
  writeSplits,
} from './shard-protocol.js';
import {
  clearReduce,
  gainFloor,
  MISSING_PAIR,
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
  readonly leafValue: (g: number, h: number) => number;
  readonly scalePosWeight: number;
}

/** What the shard worker receives at start. */
export interface ShardWorkerInit {
  /** The data, its bins in the arena. */
  readonly data: BinnedData;
  /** The arena (see {@link ShardedGrower}): its WebAssembly memory, or null, and its buffer. */
  readonly memory: WasmMemory | null;
  readonly buffer: SharedArrayBuffer;
  readonly rows: Uint32Array;
  readonly gh: Float64Array;
  readonly margin: Float64Array;
  readonly expNeg: Float64Array;
  readonly y: Uint8Array;
  /** Byte offsets in the buffer of shard 1's histogram slots and of shard 0's (which the worker's half of each reduce writes too). */
  readonly hist1Offset: number;
  readonly hist0Offset: number;
  readonly histSize: number;
  readonly red: Int32Array;
  readonly redF: Float64Array;
  readonly searchParams: SearchParams;
  readonly slots: number;
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
}

/**
 * A grown tree and, per leaf whose values are not yet in the margins, the row ranges of both
 * shards in `rows`. Splits into leaves at the depth limit add their leaves' values to the margins
 * as they are applied; their row ranges are listed in `finalRanges`.
 */
export interface ShardedTree {
  readonly tree: Tree;
  readonly leafNodes: number[];
  /** Four numbers a leaf: start0, end0, start1, end1. */
  readonly leafRanges: number[];
  /** Four numbers a final split (start0, end0, start1, end1): rows already given their leaf values. */
  readonly finalRanges: number[];
}

interface Node {
  id: number;
  s0: number;
  e0: number;
  s1: number;
  e1: number;
  g: number;
  h: number;
  depth: number;
  slot: number;
  /** Index of this node's queued split search, or -1. */
  task: number;
}

const sab = (bytes: number) => new SharedArrayBuffer(bytes);

/**
 * Grows boosting trees with the rows split in two shards, each partitioned and histogrammed on
 * its own (by a worker thread when one is available, else in turn on this thread). Adding the two
 * shards' histograms, the subtraction for the larger children and the next level's split search
 * are then shared by features between the two threads (shard-reduce.ts); split decisions and
 * bookkeeping stay on this thread. The arithmetic is the same with one thread or two, so the
 * model does not depend on the thread count.
 */
export class ShardedGrower {
  /** The data, its row-major bins copied into the arena. */
  readonly data: BinnedData;
  readonly rows: Uint32Array;
  readonly margin: Float64Array;
  /**
   * exp(−margin) per row (see ShardMemory.expNeg); every change to `margin` goes through
   * addToMargin (shard-ops.ts).
   */
  readonly expNeg: Float64Array;
  private readonly arena: PairArena;
  private readonly buffer: SharedArrayBuffer;
  private readonly gh: Float64Array;
  private readonly histSize: number;
  private readonly slots: number;
  private readonly hist0: Float64Array[];
  private readonly hist1: Float64Array[];
  private readonly hist0Offset: number;
  private readonly hist1Offset: number;
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

  /**
   * `data.cols` must live in shared memory. The arena, one shared memory (a WebAssembly memory
   * when the runtime provides one, so that the histogram kernel runs as WebAssembly SIMD), holds
   * the row-major bins, the row order, the (gradient, hessian) pairs and both shards' histograms.
   */
  constructor(
    source: BinnedData,
    private readonly y: Uint8Array,
    private readonly params: ShardedGrowParams,
  ) {
    const n = source.nRows;
    const nF = source.nFeatures;
    this.histSize = nF * HIST_STRIDE;
    this.slots = 2 ** params.maxDepth + 2;
    const align = (b: number) => Math.ceil(b / 64) * 64;
    const binsBytes = align(n * nF);
    const rowsBytes = align(4 * n);
    const ghBytes = align(16 * n);
    const histBytes = 8 * this.histSize * this.slots;
    this.hist0Offset = binsBytes + rowsBytes + ghBytes;
    this.hist1Offset = this.hist0Offset + histBytes;
    const { memory, buffer } = arenaMemory(this.hist1Offset + histBytes);
    this.buffer = buffer;
    const bins = new Uint8Array(buffer, 0, n * nF);
    bins.set(source.bins);
    this.data = { ...source, bins };
    this.rows = new Uint32Array(buffer, binsBytes, n);
    this.gh = new Float64Array(buffer, binsBytes + rowsBytes, 2 * n);
    this.arena = { memory, bins, rows: this.rows, gh: this.gh };
    this.margin = new Float64Array(sab(8 * n));
    this.expNeg = new Float64Array(sab(8 * n));
    this.hist0 = histogramSlots(buffer, this.hist0Offset, this.slots, this.histSize);
    this.hist1 = histogramSlots(buffer, this.hist1Offset, this.slots, this.histSize);
    const data = this.data;
    this.mids0 = new Int32Array(1024);
    this.mids1 = new Int32Array(this.ctl.buffer, 4 * MIDS, 1024);
    const shard = (hists: Float64Array[]): ShardMemory => ({
      data,
      rows: this.rows,
      gh: this.gh,
      margin: this.margin,
      expNeg: this.expNeg,
      y,
      hists,
      scratch: new Uint32Array(n),
      side: new Uint8Array(256),
      features: new Int32Array(0),
      kernel: () => {},
    });
    this.mem0 = shard(this.hist0);
    this.mem1 = shard(this.hist1);
    ({ red: this.red, redF: this.redF } = reduceBlocks());
    this.reduce0 = {
      hist0: this.hist0,
      hist1: this.hist1,
      binning: data.features,
      params,
      red: this.red,
      redF: this.redF,
      best: { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 },
    };
  }

  /** Start the shard worker (call once; without it, both shards run on this thread). */
  async startWorker(): Promise<void> {
    const init: ShardWorkerInit = {
      data: this.data,
      memory: this.arena.memory,
      buffer: this.buffer,
      rows: this.rows,
      gh: this.gh,
      margin: this.margin,
      expNeg: this.expNeg,
      y: this.y,
      hist1Offset: this.hist1Offset,
      hist0Offset: this.hist0Offset,
      histSize: this.histSize,
      red: this.red,
      redF: this.redF,
      searchParams: {
        lambda: this.params.lambda,
        minChildWeight: this.params.minChildWeight,
        maxCatOneHot: this.params.maxCatOneHot,
        minSplitGain: this.params.minSplitGain,
      },
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
    waitForValue(this.ctl, SLOT.DONE, this.seq);
  }

  /**
   * Grow one tree on the first `m` entries of `rows` (the caller fills them: all rows, or a
   * subsample), using features `features` (sorted).
   */
  grow(m: number, features: Int32Array): ShardedTree {
    const { params, ctl, f64, red, redF } = this;
    const half = m >> 1;
    this.free.length = 0;
    for (let k = this.slots - 1; k >= 0; k--) this.free.push(k);
    const kernel = pairHistogramKernel(this.arena, this.data.nFeatures, features);
    const m0 = { ...this.mem0, features, kernel };
    const m1 = { ...this.mem1, features, kernel };
    ctl[SLOT.N_FEATURES] = features.length;
    for (let k = 0; k < features.length; k++) ctl[SLOT.FEATURES + k] = features[k];

    const rootSlot = this.free.pop()!;
    let G1 = 0;
    let H1 = 0;
    ctl[SLOT.A] = half;
    ctl[SLOT.B] = m;
    ctl[SLOT.C] = rootSlot;
    f64[0] = params.scalePosWeight;
    this.post(OP_ROOT, () => ([G1, H1] = shardRoot(m1, half, m, params.scalePosWeight, rootSlot)));
    const [G0, H0] = shardRoot(m0, 0, half, params.scalePosWeight, rootSlot);
    this.wait();
    if (this.worker) {
      G1 = f64[1];
      H1 = f64[2];
    }
    this.merge(rootSlot, features);

    const tb = new TreeBuilder(params.leafValue);
    const G = G0 + G1;
    const H = H0 + H1;
    const root: Node = {
      id: tb.add(G, H),
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
    const finalRanges: number[] = [];
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
        if (this.hist0[node.slot][s.feature * HIST_STRIDE + MISSING_PAIR + 1] === 0)
          s.missingLeft = s.leftH >= node.h - s.leftH;
        // The children split again need histograms: build the lighter one, subtract for the other.
        const needHist = node.depth + 1 < params.maxDepth;
        const final = !needHist;
        const buildLeft = s.leftH <= node.h - s.leftH ? 1 : 0;
        const slot = needHist ? this.free.pop()! : -1;
        if (!needHist) this.free.push(node.slot);
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
        } else childTasks.push(-1, -1);
        const common = {
          feature: s.feature,
          bin: s.bin,
          missingLeft: s.missingLeft,
          catBits: s.catBits,
          buildLeft,
          slot,
          final,
          leftValue: final ? params.leafValue(s.leftG, s.leftH) : 0,
          rightValue: final ? params.leafValue(node.g - s.leftG, node.h - s.leftH) : 0,
        };
        splits0.push({ ...common, start: node.s0, end: node.e0 });
        splits1.push({ ...common, start: node.s1, end: node.e1 });
        splitNodes.push(node);
        chosen.push(s);
      }
      if (splitNodes.length === 0) break;
      ctl[SLOT.A] = splits1.length;
      writeSplits(ctl, f64, splits1);
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
        const depth = node.depth + 1;
        const lg = s.leftG;
        const lh = s.leftH;
        const leftId = tb.add(lg, lh);
        const rightId = tb.add(node.g - lg, node.h - lh);
        tb.split(node.id, s, leftId, rightId, this.data);
        if (splits0[k].final) {
          finalRanges.push(node.s0, node.e0, node.s1, node.e1);
          continue;
        }
        const mid0 = this.mids0[k];
        const mid1 = this.mids1[k];
        const slot = splits0[k].slot;
        const buildLeft = splits0[k].buildLeft === 1;
        next.push(
          {
            id: leftId,
            s0: node.s0,
            e0: mid0,
            s1: node.s1,
            e1: mid1,
            g: lg,
            h: lh,
            depth,
            slot: buildLeft ? slot : node.slot,
            task: childTasks[2 * k],
          },
          {
            id: rightId,
            s0: mid0,
            e0: node.e0,
            s1: mid1,
            e1: node.e1,
            g: node.g - lg,
            h: node.h - lh,
            depth,
            slot: buildLeft ? node.slot : slot,
            task: childTasks[2 * k + 1],
          },
        );
      }
      level = next;
    }
    return { tree: tb.build(), leafNodes, leafRanges, finalRanges };
  }

  /** Signal that shard 0 has built and wait for shard 1 (the barrier before the shared reduce). */
  private barrier(): void {
    if (!this.worker) return;
    const { red, seq } = this;
    Atomics.store(red, RED.BUILT0, seq);
    Atomics.notify(red, RED.BUILT0);
    waitForValue(red, RED.BUILT1, seq);
  }

  /** The combined result of search `task`, with its own bitset, or null. */
  private readSplit(task: number): Split | null {
    const s: Split = { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 };
    return readSearch(this.red, this.redF, task, s) ? s : null;
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
    for (let k = 0; k < features.length; k++)
      searchFeature(hist, features[k], this.data.features[features[k]], g, h, this.params, best);
    return best.feature >= 0 ? best : null;
  }

  /** Add shard 1's histogram in `slot` into shard 0's. */
  private merge(slot: number, features: Int32Array): void {
    const a = this.hist0[slot];
    const b = this.hist1[slot];
    for (let j = 0; j < features.length; j++) {
      const o = features[j] * HIST_STRIDE;
      const used = o + 2 * this.data.features[features[j]].nBins;
      for (let q = o; q < used; q++) a[q] += b[q];
      a[o + MISSING_PAIR] += b[o + MISSING_PAIR];
      a[o + MISSING_PAIR + 1] += b[o + MISSING_PAIR + 1];
    }
  }
}
