import { parentPort, workerData } from 'node:worker_threads';
import type { BinnedData } from '../binning/bin-mapper.js';
import { buildHistogram } from '../tree/grow.js';
import { HIST_STRIDE } from '../tree/split.js';
import { CTL, type HistogramWorkerInit } from './parallel-histograms.js';

// Worker entry: wait for a posted level, build its share of the features, signal done.
const init = workerData as HistogramWorkerInit;
const { ctl, og, oh, rows } = init;
const data = { bins: init.bins, nRows: init.nRows, nFeatures: init.nFeatures } as BinnedData;
const slots: Float64Array[] = [];
const slot = (k: number): Float64Array => {
  while (slots.length <= k)
    slots.push(new Float64Array(init.histBuffer, 8 * init.histSize * slots.length, init.histSize));
  return slots[k];
};
const features = new Int32Array(256);
parentPort!.postMessage('ready');
let last = 0;
for (;;) {
  Atomics.wait(ctl, CTL.SEQ, last);
  const seq = Atomics.load(ctl, CTL.SEQ);
  if (seq < 0) break;
  if (seq === last) continue;
  const nFeat = ctl[CTL.N_FEATURES];
  const split = ctl[CTL.SPLIT];
  for (let k = 0; k < nFeat; k++) features[k] = ctl[CTL.FEATURES + k];
  const fs = features.subarray(0, nFeat);
  const nTasks = ctl[CTL.N_TASKS];
  for (let t = 0; t < nTasks; t++) {
    const start = ctl[CTL.TASKS + 3 * t];
    const end = ctl[CTL.TASKS + 3 * t + 1];
    const hist = slot(ctl[CTL.TASKS + 3 * t + 2]);
    for (let k = split; k < nFeat; k++) hist.fill(0, fs[k] * HIST_STRIDE, (fs[k] + 1) * HIST_STRIDE);
    buildHistogram(data, og, oh, rows, start, end, fs, hist, split, nFeat);
  }
  last = seq;
  Atomics.store(ctl, CTL.DONE, seq);
  Atomics.notify(ctl, CTL.DONE);
}
