import { parentPort, workerData } from 'node:worker_threads';
import { type PairKernel, pairHistogramKernel } from '../tree/histogram-wasm.js';
import { waitForChange, waitForValue } from '../util/spin-wait.js';
import { histogramSlots, type ShardMemory, type ShardSplit, shardLevel, shardRoot } from './shard-ops.js';
import { MIDS, OP_EXIT, OP_LEVEL, OP_ROOT, readSplits, SLOT } from './shard-protocol.js';
import { RED, type ReduceContext, shardReduce } from './shard-reduce.js';
import type { ShardWorkerInit } from './sharded-grower.js';

// Worker entry: run shard 1 of each posted step (root or level) and signal completion.
const init = workerData as ShardWorkerInit;
const { ctl, f64 } = init;
const n = init.data.nRows;
const features = new Int32Array(256);
const arena = { memory: init.memory, bins: init.data.bins, rows: init.rows, gh: init.gh };
const slotViews = (offset: number) => histogramSlots(init.buffer, offset, init.slots, init.histSize);
const memory: ShardMemory = {
  data: init.data,
  rows: init.rows,
  gh: init.gh,
  margin: init.margin,
  expNeg: init.expNeg,
  y: init.y,
  hists: slotViews(init.hist1Offset),
  scratch: new Uint32Array(n),
  side: new Uint8Array(256),
  features,
  kernel: () => {},
};
const { red } = init;
const reduce: ReduceContext = {
  hist0: slotViews(init.hist0Offset),
  hist1: memory.hists,
  binning: init.data.features,
  params: init.searchParams,
  red,
  redF: init.redF,
  best: { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 },
};
const splits: ShardSplit[] = [];
const mids = new Int32Array(ctl.buffer, ctl.byteOffset + 4 * MIDS, ctl.length - MIDS);
parentPort!.postMessage('ready');
let last = 0;
let kernel: PairKernel = () => {};
let kernelFeatures = new Int32Array(0);
for (;;) {
  const seq = waitForChange(ctl, SLOT.SEQ, last);
  if (seq === last) continue;
  last = seq;
  const op = ctl[SLOT.OP];
  if (op === OP_EXIT) break;
  const nFeat = ctl[SLOT.N_FEATURES];
  for (let k = 0; k < nFeat; k++) features[k] = ctl[SLOT.FEATURES + k];
  const fs = features.subarray(0, nFeat);
  // The feature list changes with each tree (column sampling), not each step: look the kernel up then.
  if (nFeat !== kernelFeatures.length || fs.some((f, k) => f !== kernelFeatures[k])) {
    kernel = pairHistogramKernel(arena, init.data.nFeatures, fs);
    kernelFeatures = fs.slice();
  }
  const m = { ...memory, features: fs, kernel };
  if (op === OP_ROOT) {
    const [G, H] = shardRoot(m, ctl[SLOT.A], ctl[SLOT.B], f64[0], ctl[SLOT.C]);
    f64[1] = G;
    f64[2] = H;
  } else if (op === OP_LEVEL) {
    shardLevel(m, readSplits(ctl, f64, ctl[SLOT.A], splits), mids);
    // Barrier: both shards built, then this thread's half of the merges and searches.
    Atomics.store(red, RED.BUILT1, seq);
    Atomics.notify(red, RED.BUILT1);
    waitForValue(red, RED.BUILT0, seq);
    shardReduce(reduce, fs, 1);
  }
  Atomics.store(ctl, SLOT.DONE, seq);
  Atomics.notify(ctl, SLOT.DONE);
}
