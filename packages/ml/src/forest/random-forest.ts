import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BinnedData, FeatureBinning } from '../binning/bin-mapper.js';
import { GrowWorkspace, growTree } from '../tree/grow.js';
import { leafOfBinnedRow, type Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { workerUrl } from '../util/worker-url.js';

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
  readonly treeIndices: readonly number[];
}

/**
 * Out-of-bag sums are kept per block of OOB_BLOCK consecutive trees and added block by block in
 * tree order, so the out-of-bag predictions do not depend on how trees were spread over threads.
 */
export const OOB_BLOCK = 10;

export interface ForestJobResult {
  readonly trees: Tree[];
  /** Per block of trees this job grew (ascending): the block index and its out-of-bag sums and counts. */
  readonly oob: { block: number; sum: Float64Array; count: Float64Array }[];
}

/** Grow the trees of `job.treeIndices`; tree t always uses the same random stream, so the model does not depend on the thread count. */
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
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const oob: ForestJobResult['oob'] = [];
  const trees: Tree[] = [];
  const ws = new GrowWorkspace(n, nF);
  const growParams = {
    maxDepth: params.maxDepth,
    lambda: 0,
    minChildWeight: params.minSamplesLeaf,
    maxCatOneHot: 4,
    minSplitGain: 0,
    featuresPerNode: mtry,
    leafValue: (gs: number, hs: number) => (hs > 0 ? gs / hs : 0),
  };
  for (const t of job.treeIndices) {
    const rng = new Rng((params.seed * 1_000_003 + t * 7919) >>> 0);
    h.fill(0);
    if (params.bootstrap) for (let k = 0; k < n; k++) h[rng.int(n)] += 1;
    else h.fill(1);
    let m = 0;
    for (let i = 0; i < n; i++) if (h[i] > 0) m++;
    const rows = new Uint32Array(m);
    m = 0;
    for (let i = 0; i < n; i++) {
      if (h[i] > 0) {
        rows[m++] = i;
        g[i] = h[i] * y[i];
      } else g[i] = 0;
    }
    const { tree } = growTree(data, g, h, rows, growParams, rng, null, ws);
    trees.push(tree);
    if (params.bootstrap) {
      const block = Math.floor(t / OOB_BLOCK);
      if (oob.length === 0 || oob[oob.length - 1].block !== block) {
        oob.push({ block, sum: new Float64Array(n), count: new Float64Array(n) });
      }
      const { sum, count } = oob[oob.length - 1];
      for (let i = 0; i < n; i++) {
        if (h[i] > 0) continue;
        sum[i] += tree.value[leafOfBinnedRow(tree, data.bins, i * nF)];
        count[i]++;
      }
    }
    onTree?.();
  }
  return { trees, oob };
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
  const all = Array.from({ length: params.nTrees }, (_, t) => t);
  let done = 0;
  const tick = () => onProgress?.(++done, params.nTrees);
  let results: ForestJobResult[];
  const base = { nRows: data.nRows, nFeatures: data.nFeatures, features: data.features, params };
  if (threads <= 1 || data.nRows * params.nTrees < 200_000) {
    results = [runForestJob({ ...base, bins: data.bins, cols: data.cols, y, treeIndices: all }, tick)];
  } else {
    const bins = toShared(data.bins);
    const cols = toShared(data.cols);
    const ys = toShared(y);
    const shares = shareOut(all, threads);
    results = await Promise.all(
      shares.map((treeIndices) => runInWorker({ ...base, bins, cols, y: ys, treeIndices }, tick)),
    );
  }
  // Put trees back in index order so the model is identical whatever the thread count.
  const trees: Tree[] = new Array(params.nTrees);
  const shares = results.length === 1 ? [all] : shareOut(all, threads);
  results.forEach((r, w) => {
    r.trees.forEach((tree, k) => {
      trees[shares[w][k]] = tree;
    });
  });
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

/** Trees per worker: whole OOB blocks, dealt round-robin. */
function shareOut(all: number[], threads: number): number[][] {
  return Array.from({ length: threads }, (_, w) =>
    all.filter((t) => Math.floor(t / OOB_BLOCK) % threads === w),
  );
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
