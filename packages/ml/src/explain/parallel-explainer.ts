import { Worker } from 'node:worker_threads';
import type { ChurnModel } from '../model/model.js';
import type { Tree } from '../tree/tree.js';
import { workerUrl } from '../util/worker-url.js';
import { buildClosingLayout, type ClosingLayout } from './closing-layout.js';
import { ClosingTreeShap } from './closing-shap.js';
import type { ShapOutputSpace } from './tree-explainer.js';
import { treeExpectedValue } from './tree-paths.js';

/*
 * One row's explanation of a deep forest split across threads: this thread walks one share of the
 * trees while a worker walks the other, each with its own layout built once at creation. A request
 * is a row copied into shared memory and a sequence number raised with Atomics.notify; the worker
 * answers by raising its own. Both sides block in Atomics.wait rather than exchanging messages,
 * which keeps the hand-off to tens of microseconds.
 */

/** Longest wait for a worker's share of one row. */
const WORKER_TIMEOUT_MS = 60_000;

/** What a worker receives at start: the model's layout (shared memory), its trees' range and the buffers. */
export interface ParallelShareJob {
  readonly layout: ClosingLayout;
  /** The worker's trees: [firstTree, endTree) of the layout. */
  readonly firstTree: number;
  readonly endTree: number;
  readonly nFeatures: number;
  readonly scale: number;
  /** Int32 [request sequence, answered sequence]; a negative request stops the worker. */
  readonly control: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  readonly output: SharedArrayBuffer;
}

interface Share {
  readonly worker: Worker;
  readonly ctl: Int32Array;
  readonly input: Float64Array;
  readonly output: Float64Array;
}

/**
 * Split trees into `parts` consecutive runs of about equal node counts: part k is trees
 * [bounds[k], bounds[k + 1]).
 */
function splitByNodes(trees: readonly Tree[], parts: number): number[] {
  let total = 0;
  for (const t of trees) total += t.nNodes;
  const counts = new Array<number>(parts).fill(0);
  let acc = 0;
  for (const t of trees) {
    counts[Math.min(parts - 1, Math.floor((acc / total) * parts))]++;
    acc += t.nNodes;
  }
  const bounds = [0];
  for (const c of counts) bounds.push(bounds[bounds.length - 1] + c);
  return bounds;
}

/**
 * Exact path-dependent TreeSHAP of one row at a time with the trees shared between this thread and
 * `threads − 1` worker threads (the polynomial walk of closing-shap.ts for every tree). Same
 * values, output space and expected value as {@link TreeExplainer}; for latency of single
 * explanations of large forests, where the walk takes milliseconds and the hand-off tens of
 * microseconds. Blocks the calling thread while the workers finish. Not re-entrant; call
 * {@link close} when done.
 *
 * @example
 * const explainer = await ParallelTreeExplainer.create(model);
 * const values = explainer.shap(encodedRow);
 * await explainer.close();
 */
export class ParallelTreeExplainer {
  readonly nFeatures: number;
  readonly outputSpace: ShapOutputSpace;
  readonly expectedValue: number;
  readonly threads: number;
  private readonly local: ClosingTreeShap;
  private readonly scale: number;
  private readonly shares: Share[];
  private seq = 0;
  private closed = false;

  private constructor(
    model: ChurnModel,
    local: ClosingTreeShap,
    /** This thread's trees: [0, localTrees) of `local`'s layout. */
    private readonly localTrees: number,
    shares: Share[],
    scale: number,
  ) {
    this.nFeatures = model.binning.length;
    const forest = model.algorithm === 'random-forest';
    this.outputSpace = forest ? 'probability' : 'log-odds';
    this.scale = scale;
    let expected = forest ? 0 : model.baseMargin;
    for (const t of model.trees) expected += scale * treeExpectedValue(t);
    this.expectedValue = expected;
    this.local = local;
    this.shares = shares;
    this.threads = shares.length + 1;
  }

  /** Lay out the model's trees in this thread and `threads − 1` workers (default 2 threads in all). */
  static async create(model: ChurnModel, threads = 2): Promise<ParallelTreeExplainer> {
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    const nFeatures = model.binning.length;
    const forest = model.algorithm === 'random-forest';
    const scale = forest && model.trees.length > 0 ? 1 / model.trees.length : 1;
    const bounds = splitByNodes(model.trees, Math.max(1, Math.min(threads, model.trees.length)));
    // One layout of every tree, in shared memory: each thread walks its own range of it.
    const layout = bounds.length > 2 ? buildClosingLayout(model.trees, nFeatures, true) : null;
    const shares = await Promise.all(
      bounds.slice(1, -1).map(async (firstTree, k): Promise<Share> => {
        const job: ParallelShareJob = {
          layout: layout!,
          firstTree,
          endTree: bounds[k + 2],
          nFeatures,
          scale,
          control: new SharedArrayBuffer(8),
          input: new SharedArrayBuffer(8 * nFeatures),
          output: new SharedArrayBuffer(8 * nFeatures),
        };
        const worker = new Worker(workerUrl(import.meta.url, './parallel-explainer-worker.js'), {
          workerData: job,
        });
        await new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`explainer worker exited with code ${code}`)));
        });
        worker.unref();
        return {
          worker,
          ctl: new Int32Array(job.control),
          input: new Float64Array(job.input),
          output: new Float64Array(job.output),
        };
      }),
    );
    const local = new ClosingTreeShap(layout ?? model.trees, nFeatures);
    return new ParallelTreeExplainer(model, local, bounds[1], shares, scale);
  }

  /** SHAP values of one encoded row x[offset .. offset + nFeatures): one per feature. */
  shap(x: Float64Array, offset = 0): Float64Array {
    if (this.closed) throw new Error('the explainer is closed');
    const nF = this.nFeatures;
    if (offset < 0 || offset + nF > x.length) throw new RangeError('row out of range of the input');
    const seq = ++this.seq;
    for (const s of this.shares) {
      s.input.set(x.subarray(offset, offset + nF));
      Atomics.store(s.ctl, 0, seq);
      Atomics.notify(s.ctl, 0);
    }
    const phi = new Float64Array(nF);
    this.local.addTrees(0, this.localTrees, x, offset, phi, 0, this.scale);
    for (const s of this.shares) {
      for (let seen = Atomics.load(s.ctl, 1); seen !== seq; seen = Atomics.load(s.ctl, 1)) {
        // A worker that died never answers: fail instead of blocking this thread for good.
        if (Atomics.wait(s.ctl, 1, seen, WORKER_TIMEOUT_MS) === 'timed-out')
          throw new Error(`an explainer worker did not answer within ${WORKER_TIMEOUT_MS} ms`);
      }
      for (let f = 0; f < nF; f++) phi[f] += s.output[f];
    }
    return phi;
  }

  /** The model output the values add up to: expectedValue + Σ values. */
  outputOf(values: Float64Array, offset = 0): number {
    let s = this.expectedValue;
    for (let f = 0; f < this.nFeatures; f++) s += values[offset + f];
    return s;
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.shares) {
      Atomics.store(s.ctl, 0, -1);
      Atomics.notify(s.ctl, 0);
    }
    await Promise.all(this.shares.map((s) => s.worker.terminate()));
  }
}
