import { availableParallelism } from 'node:os';
import type { BinnedData } from '../binning/bin-mapper.js';
import { BinnedTreeWalker } from '../tree/binned-walk.js';
import { GrowWorkspace, growTree } from '../tree/grow.js';
import { leafOfBinnedRow, type Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { addToMargin } from './shard-ops.js';
import { ShardedGrower } from './sharded-grower.js';

export interface BoostingParams {
  readonly nRounds: number;
  readonly learningRate: number;
  readonly maxDepth: number;
  /** L2 regularisation on leaf weights (XGBoost's lambda). */
  readonly lambda: number;
  /** Minimum loss reduction to split (XGBoost's gamma). */
  readonly gamma: number;
  readonly minChildWeight: number;
  /** Row subsampling per round. */
  readonly subsample: number;
  /** Column subsampling per tree. */
  readonly colsampleByTree: number;
  /** Weight of positive rows (XGBoost's scale_pos_weight). */
  readonly scalePosWeight: number;
  /** Stop when the validation log-loss has not improved for this many rounds (0 = off). */
  readonly earlyStoppingRounds: number;
  /** Categorical features with at most this many categories split one-vs-rest (XGBoost's max_cat_to_onehot). */
  readonly maxCatOneHot: number;
  readonly seed: number;
  /** Threads for histogram building (0 = one per core, at most 2); 1 = this thread only. */
  readonly threads: number;
}

export const BOOSTING_DEFAULTS: BoostingParams = {
  nRounds: 200,
  learningRate: 0.1,
  maxDepth: 6,
  lambda: 1,
  gamma: 0,
  minChildWeight: 1,
  subsample: 1,
  colsampleByTree: 1,
  scalePosWeight: 1,
  earlyStoppingRounds: 0,
  maxCatOneHot: 4,
  seed: 42,
  threads: 0,
};

export interface BoostingResult {
  readonly trees: Tree[];
  /** Margin (log-odds) every prediction starts from. */
  readonly baseMargin: number;
  /** Validation log-loss per round, when a validation set was given. */
  readonly validationLoss: number[];
  readonly bestRound: number;
}

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

/**
 * The intercept as XGBoost (>= 2.0) estimates it for binary:logistic: the logit of the (weighted)
 * mean label, so the first tree starts from the base rate.
 */
export function baseMarginFor(y: Uint8Array, scalePosWeight = 1): number {
  let pos = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    const w = y[i] ? scalePosWeight : 1;
    pos += w * y[i];
    tot += w;
  }
  const p = Math.min(1 - 1e-7, Math.max(1e-7, pos / tot));
  return Math.log(p / (1 - p));
}

/**
 * Train gradient-boosted trees for binary log-loss (XGBoost's `binary:logistic` with the `hist`
 * tree method): Newton leaves -G/(H+lambda) scaled by the learning rate, depth-wise growth,
 * histogram subtraction, optional row/column subsampling and early stopping.
 */
export async function trainBoosting(
  data: BinnedData,
  y: Uint8Array,
  params: BoostingParams,
  validation?: { data: BinnedData; y: Uint8Array },
  onProgress?: (done: number, total: number) => void,
): Promise<BoostingResult> {
  const threads = Math.min(2, params.threads > 0 ? params.threads : availableParallelism());
  const eta = params.learningRate;
  const lambda = params.lambda;
  const leafValue = (gs: number, hs: number) => (-gs / (hs + lambda)) * eta;
  // Trees of depth <= 10 grow on two row shards (a worker takes one on large tables);
  // deeper ones, rare in boosting, on the single-threaded node grower.
  if (params.maxDepth > 10) return boostSerial(data, y, params, leafValue, validation, onProgress);
  const ys = new Uint8Array(new SharedArrayBuffer(y.length));
  ys.set(y);
  const grower = new ShardedGrower(sharedColumns(data), ys, {
    maxDepth: params.maxDepth,
    lambda,
    minChildWeight: params.minChildWeight,
    maxCatOneHot: params.maxCatOneHot,
    minSplitGain: params.gamma,
    leafValue,
    scalePosWeight: params.scalePosWeight,
  });
  if (threads > 1 && data.nRows >= 20_000) await grower.startWorker();
  try {
    return boostSharded(grower.data, ys, params, grower, validation, onProgress);
  } finally {
    await grower.stop();
  }
}

/** The data with its column-major bins in shared memory (the grower copies the row-major ones into its arena). */
function sharedColumns(data: BinnedData): BinnedData {
  if (data.cols.buffer instanceof SharedArrayBuffer) return data;
  const cols = new Uint8Array(new SharedArrayBuffer(data.cols.length));
  cols.set(data.cols);
  return { ...data, cols };
}

/** Shared per-round bookkeeping of both growers: validation loss and early stopping. */
class RoundTracker {
  readonly validationLoss: number[] = [];
  private bestLoss = Number.POSITIVE_INFINITY;
  bestRound = -1;
  private readonly vMargin: Float64Array | null;

  constructor(
    private readonly params: BoostingParams,
    baseMargin: number,
    private readonly validation?: { data: BinnedData; y: Uint8Array },
  ) {
    this.vMargin = validation ? new Float64Array(validation.data.nRows).fill(baseMargin) : null;
  }

  /** Account for a new tree; returns true when training should stop early. */
  add(tree: Tree, round: number): boolean {
    const { validation, vMargin } = this;
    if (!validation || !vMargin) return false;
    const vd = validation.data;
    let loss = 0;
    for (let i = 0; i < vd.nRows; i++) {
      vMargin[i] += tree.value[leafOfBinnedRow(tree, vd.bins, i * vd.nFeatures)];
      const m = vMargin[i];
      // log(1 + e^-|m|) form keeps the loss finite for large margins.
      loss += Math.max(m, 0) - m * validation.y[i] + Math.log1p(Math.exp(-Math.abs(m)));
    }
    loss /= Math.max(1, vd.nRows);
    this.validationLoss.push(loss);
    if (loss < this.bestLoss - 1e-12) {
      this.bestLoss = loss;
      this.bestRound = round;
      return false;
    }
    return this.params.earlyStoppingRounds > 0 && round - this.bestRound >= this.params.earlyStoppingRounds;
  }

  result(trees: Tree[], baseMargin: number): BoostingResult {
    const keep =
      this.validation && this.params.earlyStoppingRounds > 0 && this.bestRound >= 0
        ? this.bestRound + 1
        : trees.length;
    return {
      trees: trees.slice(0, keep),
      baseMargin,
      validationLoss: this.validationLoss,
      bestRound: keep - 1,
    };
  }
}

/** Features of one tree: all, or a column subsample drawn from the rng. */
function treeFeatures(nF: number, colsample: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: nF }, (_, f) => f);
  if (colsample >= 1) return all;
  const k = Math.max(1, Math.round(colsample * nF));
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(nF - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.subarray(0, k).sort();
}

function boostSharded(
  data: BinnedData,
  y: Uint8Array,
  params: BoostingParams,
  grower: ShardedGrower,
  validation?: { data: BinnedData; y: Uint8Array },
  onProgress?: (done: number, total: number) => void,
): BoostingResult {
  const n = data.nRows;
  const nF = data.nFeatures;
  const rng = new Rng(params.seed);
  const baseMargin = baseMarginFor(y, params.scalePosWeight);
  const { margin, expNeg } = grower;
  margin.fill(baseMargin);
  expNeg.fill(Math.exp(-baseMargin));
  const rows = grower.rows;
  const tracker = new RoundTracker(params, baseMargin, validation);
  const trees: Tree[] = [];
  const inSample = new Uint8Array(n);
  // Rows left out of a round's sample, and their leaves.
  const walker = new BinnedTreeWalker();
  const outRows = new Int32Array(params.subsample < 1 ? n : 0);
  const outLeaves = new Int32Array(outRows.length);
  for (let round = 0; round < params.nRounds; round++) {
    let m = 0;
    if (params.subsample < 1) {
      for (let i = 0; i < n; i++) if (rng.next() < params.subsample) rows[m++] = i;
    } else {
      for (let i = 0; i < n; i++) rows[i] = i;
      m = n;
    }
    const features = treeFeatures(nF, params.colsampleByTree, rng);
    const grown = grower.grow(m, features);
    const tree = grown.tree;
    trees.push(tree);
    if (m < n) {
      inSample.fill(0);
      const fr = grown.finalRanges;
      for (let r = 0; r < fr.length; r += 2) for (let k = fr[r]; k < fr[r + 1]; k++) inSample[rows[k]] = 1;
    }
    const ranges = grown.leafRanges;
    for (let j = 0; j < grown.leafNodes.length; j++) {
      const v = tree.value[grown.leafNodes[j]];
      const ev = Math.exp(-v);
      for (let r = 4 * j; r < 4 * j + 4; r += 2) {
        for (let k = ranges[r]; k < ranges[r + 1]; k++) {
          addToMargin(margin, expNeg, rows[k], v, ev);
          if (m < n) inSample[rows[k]] = 1;
        }
      }
    }
    if (m < n) {
      const expValue = tree.value.map((v) => Math.exp(-v));
      let count = 0;
      for (let i = 0; i < n; i++) if (!inSample[i]) outRows[count++] = i;
      walker.leaves(tree, data.bins, nF, outRows, count, outLeaves);
      for (let k = 0; k < count; k++) {
        const leaf = outLeaves[k];
        addToMargin(margin, expNeg, outRows[k], tree.value[leaf], expValue[leaf]);
      }
    }
    if (tracker.add(tree, round)) {
      onProgress?.(params.nRounds, params.nRounds);
      break;
    }
    onProgress?.(round + 1, params.nRounds);
  }
  return tracker.result(trees, baseMargin);
}

function boostSerial(
  data: BinnedData,
  y: Uint8Array,
  params: BoostingParams,
  leafValue: (g: number, h: number) => number,
  validation?: { data: BinnedData; y: Uint8Array },
  onProgress?: (done: number, total: number) => void,
): BoostingResult {
  const n = data.nRows;
  const nF = data.nFeatures;
  const rng = new Rng(params.seed);
  const baseMargin = baseMarginFor(y, params.scalePosWeight);
  const margin = new Float64Array(n).fill(baseMargin);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const ws = new GrowWorkspace(n, nF);
  const tracker = new RoundTracker(params, baseMargin, validation);
  const trees: Tree[] = [];
  const growParams = {
    maxDepth: params.maxDepth,
    lambda: params.lambda,
    minChildWeight: params.minChildWeight,
    maxCatOneHot: params.maxCatOneHot,
    minSplitGain: params.gamma,
    featuresPerNode: 0,
    leafValue,
  };
  for (let round = 0; round < params.nRounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margin[i]);
      const w = y[i] ? params.scalePosWeight : 1;
      g[i] = (p - y[i]) * w;
      h[i] = Math.max(p * (1 - p), 1e-16) * w;
    }
    let sample: Uint32Array | null = null;
    if (params.subsample < 1) {
      const picked: number[] = [];
      for (let i = 0; i < n; i++) if (rng.next() < params.subsample) picked.push(i);
      sample = Uint32Array.from(picked);
    }
    const features = treeFeatures(nF, params.colsampleByTree, rng);
    const grown = growTree(
      data,
      g,
      h,
      sample,
      growParams,
      null,
      features.length === nF ? null : features,
      ws,
    );
    const tree = grown.tree;
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i] += tree.value[leafOfBinnedRow(tree, data.bins, i * nF)];
    if (tracker.add(tree, round)) {
      onProgress?.(params.nRounds, params.nRounds);
      break;
    }
    onProgress?.(round + 1, params.nRounds);
  }
  return tracker.result(trees, baseMargin);
}
