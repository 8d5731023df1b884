import { Worker } from 'node:worker_threads';
import type { BinnedData } from '../binning/bin-mapper.js';
import {
  buildHistogram,
  type GrowWorkspace,
  type HistogramBuilder,
  type HistogramTask,
} from '../tree/grow.js';
import { HIST_STRIDE } from '../tree/split.js';
import { workerUrl } from '../util/worker-url.js';

/** Layout of the control block shared with the worker (Int32 slots). */
export const CTL = {
  /** Sequence number of the posted batch; -1 asks the worker to exit. */
  SEQ: 0,
  /** Sequence number of the last batch the worker finished. */
  DONE: 1,
  N_TASKS: 2,
  /** The worker builds features[SPLIT .. N_FEATURES). */
  SPLIT: 3,
  N_FEATURES: 4,
  FEATURES: 8,
  /** Offset of the task triples (start, end, slot), after room for 256 features. */
  TASKS: 8 + 256,
} as const;

export const MAX_TASKS = 4096;

/** What the histogram worker receives at start. */
export interface HistogramWorkerInit {
  readonly bins: Uint8Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly rows: Uint32Array;
  readonly og: Float64Array;
  readonly oh: Float64Array;
  readonly histBuffer: SharedArrayBuffer;
  readonly histSize: number;
  readonly ctl: Int32Array;
}

/**
 * A histogram builder that shares each tree level with one worker thread: the features are split
 * in two ranges, the worker fills one while this thread fills the other, synchronised with
 * Atomics on shared memory (no messages on the hot path, so a level costs two wake-ups).
 */
export class ParallelHistogramBuilder implements HistogramBuilder {
  private seq = 0;
  private constructor(
    private readonly worker: Worker,
    private readonly ctl: Int32Array,
  ) {}

  /** Start the worker on the workspace's shared buffers; resolves once it is listening. */
  static async start(ws: GrowWorkspace, data: BinnedData): Promise<ParallelHistogramBuilder> {
    if (!ws.histBuffer) throw new Error('the workspace must use shared histogram slots');
    if (!(data.bins.buffer instanceof SharedArrayBuffer))
      throw new Error('the binned data must be on shared memory');
    const ctl = new Int32Array(new SharedArrayBuffer(4 * (CTL.TASKS + 3 * MAX_TASKS)));
    const init: HistogramWorkerInit = {
      bins: data.bins,
      nRows: data.nRows,
      nFeatures: data.nFeatures,
      rows: ws.rows,
      og: ws.og,
      oh: ws.oh,
      histBuffer: ws.histBuffer,
      histSize: ws.histSize,
      ctl,
    };
    const worker = new Worker(workerUrl(import.meta.url, './histogram-worker.js'), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return new ParallelHistogramBuilder(worker, ctl);
  }

  build(ws: GrowWorkspace, data: BinnedData, tasks: readonly HistogramTask[], features: Int32Array): void {
    const ctl = this.ctl;
    const nFeat = features.length;
    const total = tasks.reduce((s, t) => s + t.end - t.start, 0);
    // Tiny batches are cheaper here than a wake-up round trip.
    if (total * nFeat < 20_000 || tasks.length > MAX_TASKS || nFeat < 2) {
      for (const t of tasks) {
        const hist = ws.hists[t.slot];
        for (let k = 0; k < nFeat; k++)
          hist.fill(0, features[k] * HIST_STRIDE, (features[k] + 1) * HIST_STRIDE);
        buildHistogram(data, ws.og, ws.oh, ws.rows, t.start, t.end, features, hist, 0, nFeat);
      }
      return;
    }
    const split = nFeat >> 1;
    ctl[CTL.N_TASKS] = tasks.length;
    ctl[CTL.SPLIT] = split;
    ctl[CTL.N_FEATURES] = nFeat;
    for (let k = 0; k < nFeat; k++) ctl[CTL.FEATURES + k] = features[k];
    for (let k = 0; k < tasks.length; k++) {
      ctl[CTL.TASKS + 3 * k] = tasks[k].start;
      ctl[CTL.TASKS + 3 * k + 1] = tasks[k].end;
      ctl[CTL.TASKS + 3 * k + 2] = tasks[k].slot;
    }
    const seq = ++this.seq;
    Atomics.store(ctl, CTL.SEQ, seq);
    Atomics.notify(ctl, CTL.SEQ);
    for (const t of tasks) {
      const hist = ws.hists[t.slot];
      for (let k = 0; k < split; k++)
        hist.fill(0, features[k] * HIST_STRIDE, (features[k] + 1) * HIST_STRIDE);
      buildHistogram(data, ws.og, ws.oh, ws.rows, t.start, t.end, features, hist, 0, split);
    }
    while (Atomics.load(ctl, CTL.DONE) !== seq) Atomics.wait(ctl, CTL.DONE, seq - 1, 50);
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctl, CTL.SEQ, -1);
    Atomics.notify(this.ctl, CTL.SEQ);
    await this.worker.terminate();
  }
}
