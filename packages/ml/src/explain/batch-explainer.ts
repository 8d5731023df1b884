import { Worker } from 'node:worker_threads';
import type { ChurnModel } from '../model/model.js';
import type { EncodedRows } from '../model/predict.js';
import { modelToJson } from '../model/serialize.js';
import { workerUrl } from '../util/worker-url.js';
import { type ShapOutputSpace, TreeExplainer } from './tree-explainer.js';

/*
 * Batches of rows explained on two (or more) threads: every thread holds its own TreeExplainer
 * (built once, from the model file's JSON in the workers), the rows sit in shared memory, and each
 * thread explains a consecutive share of them into a shared output. This thread takes the first
 * share itself, so a batch costs one message per worker.
 */

/** Below this many rows a batch is explained on this thread alone (hand-off not worth it). */
const MIN_PARALLEL_ROWS = 256;

/** What a batch worker receives at start. */
export interface BatchShareInit {
  readonly modelJson: string;
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

/**
 * Exact TreeSHAP of row batches with the rows shared between this thread and `threads − 1` worker
 * threads. Same values, output space and expected value as {@link TreeExplainer} (each row is
 * explained whole by one thread, so the values are bit-identical). Call {@link close} when done.
 *
 * @example
 * const explainer = await BatchTreeExplainer.create(model);
 * const values = await explainer.shapBatch(encodeDataset(model, ds));
 * await explainer.close();
 */
export class BatchTreeExplainer {
  readonly local: TreeExplainer;
  readonly threads: number;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, PendingShare>();
  private nextId = 0;
  private closed = false;

  private constructor(local: TreeExplainer, workers: Worker[]) {
    this.local = local;
    this.workers = workers;
    this.threads = workers.length + 1;
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

  /** Build the explainer on this thread and in `threads − 1` workers (default: 2 threads in all). */
  static async create(model: ChurnModel, threads = 2): Promise<BatchTreeExplainer> {
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    const init: BatchShareInit = { modelJson: threads > 1 ? modelToJson(model) : '' };
    const workers = Array.from(
      { length: threads - 1 },
      () => new Worker(workerUrl(import.meta.url, './batch-explainer-worker.js'), { workerData: init }),
    );
    // The workers build their explainers while this thread builds its own.
    const local = new TreeExplainer(model);
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
    return new BatchTreeExplainer(local, workers);
  }

  get nFeatures(): number {
    return this.local.nFeatures;
  }
  get outputSpace(): ShapOutputSpace {
    return this.local.outputSpace;
  }
  get expectedValue(): number {
    return this.local.expectedValue;
  }

  /** SHAP values of encoded rows, row-major: value (i, f) at i · nFeatures + f. */
  async shapBatch(rows: EncodedRows): Promise<Float64Array> {
    if (this.closed) throw new Error('the explainer is closed');
    const nF = this.local.nFeatures;
    if (rows.nFeatures !== nF) throw new Error(`rows have ${rows.nFeatures} features, the model ${nF}`);
    const n = rows.nRows;
    if (this.workers.length === 0 || n < MIN_PARALLEL_ROWS) return this.local.shapBatch(rows);
    const input = new SharedArrayBuffer(8 * n * nF);
    new Float64Array(input).set(rows.x.subarray(0, n * nF));
    const output = new SharedArrayBuffer(8 * n * nF);
    const per = Math.ceil(n / this.threads);
    const done = this.workers.map((w, k) => {
      const start = Math.min(n, (k + 1) * per);
      const end = Math.min(n, (k + 2) * per);
      const job: BatchShareJob = { id: this.nextId++, input, output, nFeatures: nF, start, end };
      return new Promise<void>((resolve, reject) => {
        this.pending.set(job.id, { resolve, reject });
        w.postMessage(job);
      });
    });
    const mine = this.local.shapBatch({ ...rows, x: rows.x.subarray(0, per * nF), nRows: Math.min(per, n) });
    await Promise.all(done);
    const out = new Float64Array(n * nF);
    out.set(new Float64Array(output));
    out.set(mine, 0);
    return out;
  }

  /** The model output the values of a row add up to: expectedValue + Σ values[offset..]. */
  outputOf(values: Float64Array, offset = 0): number {
    return this.local.outputOf(values, offset);
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
