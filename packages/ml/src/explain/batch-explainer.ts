import { Worker } from 'node:worker_threads';
import type { ChurnModel } from '../model/model.js';
import type { EncodedRows } from '../model/predict.js';
import { workerUrl } from '../util/worker-url.js';
import { type ShapOutputSpace, shapBase, TreeExplainer } from './tree-explainer.js';

/*
 * Batches of rows explained on two (or more) threads: every thread holds its own TreeExplainer
 * (built once, in the workers from a structured clone of the model), the rows sit in shared memory, and each
 * thread explains a consecutive share of them into a shared output. This thread takes the first
 * share itself, so a batch costs one message per worker.
 */

/** Below this many rows a batch is explained on this thread alone (hand-off not worth it). */
const MIN_PARALLEL_ROWS = 256;

/** What a batch worker receives at start. */
export interface BatchShareInit {
  /**
   * The model itself, structured-cloned into the worker: its typed arrays are copied as they are,
   * where a JSON text would cost the sender a string as large as the model file (and its garbage)
   * and the worker a parse.
   */
  readonly model: ChurnModel;
}

/** One share of a batch: rows [start, end) of `input`, values to the same rows of `output`. */
export interface BatchShareJob {
  readonly id: number;
  readonly input: SharedArrayBuffer;
  readonly output: SharedArrayBuffer;
  readonly nFeatures: number;
  readonly start: number;
  readonly end: number;
}

interface PendingShare {
  resolve(): void;
  reject(err: Error): void;
}

/** Options of {@link BatchTreeExplainer.create}. */
export interface BatchExplainerOptions {
  /**
   * Explain every row on the worker threads (`threads` of them) and none on this one: for a
   * server, whose thread must keep answering while a large forest is explained (tens of ms).
   */
  readonly offThread?: boolean;
}

/**
 * Exact TreeSHAP of row batches with the rows shared between this thread and `threads − 1` worker
 * threads (or only `threads` workers, off this thread). Same values, output space and expected
 * value as {@link TreeExplainer} (each row is explained whole by one thread, so the values are
 * bit-identical). Call {@link close} when done.
 *
 * @example
 * const explainer = await BatchTreeExplainer.create(model);
 * const values = await explainer.shapBatch(encodeDataset(model, ds));
 * await explainer.close();
 */
export class BatchTreeExplainer {
  /** This thread's explainer, or null off-thread. */
  readonly local: TreeExplainer | null;
  readonly threads: number;
  readonly nFeatures: number;
  readonly outputSpace: ShapOutputSpace;
  readonly expectedValue: number;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, PendingShare>();
  private nextId = 0;
  private closed = false;

  private constructor(model: ChurnModel, local: TreeExplainer | null, workers: Worker[]) {
    this.local = local;
    this.workers = workers;
    this.threads = workers.length + (local ? 1 : 0);
    this.nFeatures = model.binning.length;
    const base = local ?? shapBase(model);
    this.outputSpace = base.outputSpace;
    this.expectedValue = base.expectedValue;
    for (const w of workers) {
      w.on('message', (id: number) => {
        this.pending.get(id)?.resolve();
        this.pending.delete(id);
      });
      w.on('error', (err) => this.failAll(err));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new Error(`batch explainer worker exited with code ${code}`));
      });
    }
  }

  /**
   * Build the explainer on this thread and in `threads − 1` workers (default: 2 threads in all),
   * or, off-thread, in `threads` workers only.
   */
  static async create(
    model: ChurnModel,
    threads = 2,
    options: BatchExplainerOptions = {},
  ): Promise<BatchTreeExplainer> {
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    const nWorkers = options.offThread ? threads : threads - 1;
    const init: BatchShareInit = { model };
    const workers = Array.from(
      { length: nWorkers },
      () => new Worker(workerUrl(import.meta.url, './batch-explainer-worker.js'), { workerData: init }),
    );
    // The workers build their explainers while this thread builds its own.
    const local = options.offThread ? null : new TreeExplainer(model);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
    for (const w of workers) w.unref();
    return new BatchTreeExplainer(model, local, workers);
  }

  /** SHAP values of encoded rows, row-major: value (i, f) at i · nFeatures + f. */
  async shapBatch(rows: EncodedRows): Promise<Float64Array> {
    if (this.closed) throw new Error('the explainer is closed');
    const nF = this.nFeatures;
    if (rows.nFeatures !== nF) throw new Error(`rows have ${rows.nFeatures} features, the model ${nF}`);
    const n = rows.nRows;
    const { local } = this;
    if (local && (this.workers.length === 0 || n < MIN_PARALLEL_ROWS)) return local.shapBatch(rows);
    const input = new SharedArrayBuffer(8 * n * nF);
    new Float64Array(input).set(rows.x.subarray(0, n * nF));
    const output = new SharedArrayBuffer(8 * n * nF);
    // Shares in row order: this thread's first (when it takes one), then each worker's.
    const per = Math.ceil(n / this.threads);
    const first = local ? 1 : 0;
    const done = this.workers.map((w, k) => {
      const start = Math.min(n, (k + first) * per);
      const end = Math.min(n, (k + first + 1) * per);
      const job: BatchShareJob = { id: this.nextId++, input, output, nFeatures: nF, start, end };
      return new Promise<void>((resolve, reject) => {
        this.pending.set(job.id, { resolve, reject });
        w.postMessage(job);
      });
    });
    const mine = local?.shapBatch({ ...rows, x: rows.x.subarray(0, per * nF), nRows: Math.min(per, n) });
    await Promise.all(done);
    const out = new Float64Array(n * nF);
    out.set(new Float64Array(output));
    if (mine) out.set(mine, 0);
    return out;
  }

  /** The model output the values of a row add up to: expectedValue + Σ values[offset..]. */
  outputOf(values: Float64Array, offset = 0): number {
    let s = this.expectedValue;
    for (let f = 0; f < this.nFeatures; f++) s += values[offset + f];
    return s;
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('the explainer is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
