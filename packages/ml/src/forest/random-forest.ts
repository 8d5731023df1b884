import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BinnedData, FeatureBinning } from '../binning/bin-mapper.js';
import { BinnedTreeWalker } from '../tree/binned-walk.js';
import type { Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { workerUrl } from '../util/worker-url.js';
import { ForestWorkspace, growForestTree } from './grow-forest-tree.js';

export interface ForestParams {
  readonly nTrees: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  /** Features drawn per split: 'sqrt' (scikit-learn's default for classifiers) or a count. */
  readonly maxFeatures: 'sqrt' | number;
  readonly bootstrap: boolean;
  readonly seed: number;
  /** Worker threads; 0 = one per core. 1 trains in this thread. */
  readonly threads: number;
}

export const FOREST_DEFAULTS: ForestParams = {
  nTrees: 100,
  maxDepth: 15,
  minSamplesLeaf: 1,
  maxFeatures: 'sqrt',
  bootstrap: true,
  seed: 42,
  threads: 0,
};

export interface ForestResult {
  readonly trees: Tree[];
  /** Out-of-bag probability per training row (NaN when a row was in every bootstrap). */
  readonly oobPrediction: Float64Array;
}

/** Everything a worker needs to grow a share of the trees. */
export interface ForestJob {
  readonly bins: Uint8Array;
  readonly cols: Uint8Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly features: readonly FeatureBinning[];
  readonly y: Uint8Array;
  readonly params: ForestParams;
  /**
   * The next block of OOB_BLOCK trees to grow, shared by every thread of the training: each takes
   * blocks until none is left, so a thread slowed down by other work on the machine takes fewer.
   */
  readonly nextBlock: Int32Array;
}

/**
 * Out-of-bag sums are kept per block of OOB_BLOCK consecutive trees and added block by block in
 * tree order, so the out-of-bag predictions do not depend on how trees were spread over threads.
 */
export const OOB_BLOCK = 10;

export interface ForestJobResult {
  readonly trees: Tree[];
  /** The index in the forest of each tree of `trees`. */
  readonly treeIndices: number[];
  /** Per block of trees this job grew (ascending): the block index and its out-of-bag sums and counts. */
  readonly oob: { block: number; sum: Float64Array; count: Float64Array }[];
}

/**
 * Grow blocks of trees until none is left; tree t always uses the same random stream, so the
 * model does not depend on which thread grew which tree.
 */
export function runForestJob(job: ForestJob, onTree?: () => void): ForestJobResult {
  const data: BinnedData = {
    bins: job.bins,
    cols: job.cols,
    nRows: job.nRows,
    nFeatures: job.nFeatures,
    features: job.features,
  };
  const { params, y } = job;
  const n = job.nRows;
  const nF = job.nFeatures;
  const mtry =
    params.maxFeatures === 'sqrt'
      ? Math.max(1, Math.floor(Math.sqrt(nF)))
      : Math.max(1, Math.min(nF, params.maxFeatures));
  const h = new Float64Array(n);
  const oob: ForestJobResult['oob'] = [];
  const trees: Tree[] = [];
  const treeIndices: number[] = [];
  const ws = new ForestWorkspace(data);
  const walker = new BinnedTreeWalker();
  const oobRows = new Int32Array(n);
  const oobLeaves = new Int32Array(n);
  const treeParams = {
    maxDepth: params.maxDepth,
    minSamplesLeaf: params.minSamplesLeaf,
    featuresPerNode: mtry,
  };
  const nBlocks = Math.ceil(params.nTrees / OOB_BLOCK);
  for (
    let block = Atomics.add(job.nextBlock, 0, 1);
    block < nBlocks;
    block = Atomics.add(job.nextBlock, 0, 1)
  ) {
    const sums = params.bootstrap ? { block, sum: new Float64Array(n), count: new Float64Array(n) } : null;
    if (sums) oob.push(sums);
    for (let t = block * OOB_BLOCK; t < Math.min(params.nTrees, (block + 1) * OOB_BLOCK); t++) {
      const rng = new Rng((params.seed * 1_000_003 + t * 7919) >>> 0);
      h.fill(0);
      if (params.bootstrap) for (let k = 0; k < n; k++) h[rng.int(n)] += 1;
      else h.fill(1);
      const tree = growForestTree(data, y, h, treeParams, rng, ws);
      trees.push(tree);
      treeIndices.push(t);
      if (sums) {
        let m = 0;
        for (let i = 0; i < n; i++) if (h[i] === 0) oobRows[m++] = i;
        walker.leaves(tree, data.bins, nF, oobRows, m, oobLeaves);
        for (let k = 0; k < m; k++) {
          const i = oobRows[k];
          sums.sum[i] += tree.value[oobLeaves[k]];
          sums.count[i]++;
        }
      }
      onTree?.();
    }
  }
  return { trees, treeIndices, oob };
}

/**
 * Train a Random Forest classifier as scikit-learn does (Gini, bootstrap, max_features = sqrt,
 * probability = mean of the trees' leaf class fractions) on binned data, on worker threads.
 */
export async function trainForest(
  data: BinnedData,
  y: Uint8Array,
  params: ForestParams,
  onProgress?: (done: number, total: number) => void,
): Promise<ForestResult> {
  const threads = Math.min(params.nTrees, params.threads > 0 ? params.threads : availableParallelism());
  let done = 0;
  const tick = () => onProgress?.(++done, params.nTrees);
  let results: ForestJobResult[];
  const base = { nRows: data.nRows, nFeatures: data.nFeatures, features: data.features, params };
  if (threads <= 1 || data.nRows * params.nTrees < 200_000) {
    const nextBlock = new Int32Array(1);
    results = [runForestJob({ ...base, bins: data.bins, cols: data.cols, y, nextBlock }, tick)];
  } else {
    const bins = toShared(data.bins);
    const cols = toShared(data.cols);
    const ys = toShared(y);
    const nextBlock = new Int32Array(new SharedArrayBuffer(4));
    results = await Promise.all(
      Array.from({ length: threads }, () => runInWorker({ ...base, bins, cols, y: ys, nextBlock }, tick)),
    );
  }
  // Put trees back in index order so the model is identical whatever the thread count.
  const trees: Tree[] = new Array(params.nTrees);
  for (const r of results) for (let k = 0; k < r.trees.length; k++) trees[r.treeIndices[k]] = r.trees[k];
  const blocks = results.flatMap((r) => r.oob).sort((a, b) => a.block - b.block);
  const sum = new Float64Array(data.nRows);
  const count = new Float64Array(data.nRows);
  for (const b of blocks) {
    for (let i = 0; i < data.nRows; i++) {
      sum[i] += b.sum[i];
      count[i] += b.count[i];
    }
  }
  const oobPrediction = new Float64Array(data.nRows);
  for (let i = 0; i < data.nRows; i++) oobPrediction[i] = count[i] > 0 ? sum[i] / count[i] : Number.NaN;
  return { trees, oobPrediction };
}

function toShared<T extends Uint8Array>(a: T): Uint8Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Uint8Array(new SharedArrayBuffer(a.length));
  s.set(a);
  return s;
}

function runInWorker(job: ForestJob, tick: () => void): Promise<ForestJobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl(import.meta.url, './forest-worker.js'), { workerData: job });
    worker.on('message', (msg: { type: 'tree' } | { type: 'done'; result: ForestJobResult }) => {
      if (msg.type === 'tree') tick();
      else {
        resolve(msg.result);
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`forest worker exited with code ${code}`));
    });
  });
}
