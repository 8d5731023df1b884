import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FeatureBinning } from '../binning/bin-mapper.js';
import type { Tree } from '../tree/tree.js';
import { workerUrl } from '../util/worker-url.js';
import type { BatchKernel } from './batch-kernel.js';

/** Models each worker keeps compiled (least recently used dropped first). */
const WORKER_MODELS = 4;
/**
 * A chunk a worker claimed and has not finished after this many of this thread's chunk times is
 * scored again here: a worker descheduled on a busy machine (or gone) then costs at most that.
 */
const CHUNK_PATIENCE = 2;

/** A batch for the workers: rows, outputs and the claim counter all in shared memory. */
export interface ScoringJob {
  readonly model: number;
  /** Trees and binning when this worker has not seen the model yet. */
  readonly trees?: readonly Tree[];
  readonly binning?: readonly FeatureBinning[];
  /** A model the worker drops from its cache. */
  readonly evict?: number;
  readonly x: Float64Array;
  readonly out: Float64Array;
  /** [0] next chunk to claim; [1 + c] = 1 once chunk c is written. */
  readonly ctl: Int32Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly chunkRows: number;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Models sent to this worker, least recently used first (mirrors the worker's cache). */
  readonly models: number[];
  alive: boolean;
}

/**
 * Claim and score chunks until none is left; returns how many this thread scored. Both sides run
 * it: a chunk's rows are scored by the same kernel code whichever thread claims it (or scores it
 * again), so results do not depend on the thread count.
 */
export function scoreChunks(job: ScoringJob, kernel: BatchKernel): number {
  const { ctl, nRows, chunkRows } = job;
  const nChunks = Math.ceil(nRows / chunkRows);
  for (let done = 0; ; done++) {
    const c = Atomics.add(ctl, 0, 1);
    if (c >= nChunks) return done;
    kernel(job.x, job.nFeatures, c * chunkRows, Math.min(nRows, (c + 1) * chunkRows), job.out);
    Atomics.store(ctl, 1 + c, 1);
    Atomics.notify(ctl, 1 + c);
  }
}

/**
 * Worker threads that share large scoring batches with the calling thread. The call stays
 * synchronous: the caller posts the batch, scores chunks itself, then waits (Atomics.wait) for the
 * chunks a worker claimed. A worker still starting up, or gone, simply claims nothing.
 */
class ScoringPool {
  private readonly workers: PoolWorker[] = [];

  constructor(size: number) {
    for (let k = 0; k < size; k++) {
      const worker = new Worker(workerUrl(import.meta.url, './scoring-worker.js'));
      const w: PoolWorker = { worker, models: [], alive: true };
      worker.on('error', () => {
        w.alive = false;
      });
      worker.on('exit', () => {
        w.alive = false;
      });
      worker.unref();
      this.workers.push(w);
    }
  }

  run(
    model: number,
    trees: readonly Tree[],
    binning: readonly FeatureBinning[],
    kernel: BatchKernel,
    chunkRows: number,
    x: Float64Array,
    nFeatures: number,
    nRows: number,
  ): Float64Array {
    const nChunks = Math.ceil(nRows / chunkRows);
    const xs = x.buffer instanceof SharedArrayBuffer ? x : sharedCopy(x, nRows * nFeatures);
    const out = new Float64Array(new SharedArrayBuffer(8 * nRows));
    const ctl = new Int32Array(new SharedArrayBuffer(4 * (1 + nChunks)));
    const base = { model, x: xs, out, ctl, nRows, nFeatures, chunkRows };
    for (const w of this.workers) {
      if (!w.alive) continue;
      const at = w.models.indexOf(model);
      if (at >= 0) {
        w.models.splice(at, 1);
        w.models.push(model);
        w.worker.postMessage(base);
        continue;
      }
      w.models.push(model);
      const evict = w.models.length > WORKER_MODELS ? w.models.shift() : undefined;
      w.worker.postMessage({ ...base, trees, binning, evict } satisfies ScoringJob);
    }
    const started = performance.now();
    const own = scoreChunks(base, kernel);
    const patienceMs = Math.max(0.2, (CHUNK_PATIENCE * (performance.now() - started)) / Math.max(1, own));
    for (let c = 0; c < nChunks; c++) {
      if (Atomics.load(ctl, 1 + c) === 1) continue;
      // Writing the same bits the worker would is harmless if it finishes after all.
      if (Atomics.wait(ctl, 1 + c, 0, patienceMs) === 'timed-out' && Atomics.load(ctl, 1 + c) === 0)
        kernel(xs, nFeatures, c * chunkRows, Math.min(nRows, (c + 1) * chunkRows), out);
    }
    return Float64Array.from(out);
  }
}

function sharedCopy(x: Float64Array, length: number): Float64Array {
  const s = new Float64Array(new SharedArrayBuffer(8 * length));
  s.set(x.subarray(0, length));
  return s;
}

let pool: ScoringPool | null | undefined;

/** The process's scoring pool (one worker per extra core, at most 3), or null on one core. */
export function scoringPool(): ScoringPool | null {
  if (pool === undefined) {
    const size = Math.min(3, availableParallelism() - 1);
    pool = size > 0 ? new ScoringPool(size) : null;
  }
  return pool;
}
