import { availableParallelism } from 'node:os';
import type { BinnedData } from '../binning/bin-mapper.js';
import { GrowWorkspace, growTree, type HistogramBuilder, serialHistogramBuilder } from '../tree/grow.js';
import { leafOfBinnedRow, type Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { ParallelHistogramBuilder } from './parallel-histograms.js';

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
  // Worker help pays off on large tables with shallow-enough trees for the preallocated slots.
  const parallel =
    threads > 1 &&
    data.nRows >= 20_000 &&
    params.maxDepth <= 10 &&
    data.bins.buffer instanceof SharedArrayBuffer;
  const ws = new GrowWorkspace(data.nRows, data.nFeatures, parallel ? 2 ** params.maxDepth + 2 : 0);
  const builder: HistogramBuilder = parallel
    ? await ParallelHistogramBuilder.start(ws, data)
    : serialHistogramBuilder;
  try {
    return boost(data, y, params, ws, builder, validation, onProgress);
  } finally {
    if (builder instanceof ParallelHistogramBuilder) await builder.stop();
  }
}

function boost(
  data: BinnedData,
  y: Uint8Array,
  params: BoostingParams,
  ws: GrowWorkspace,
  builder: HistogramBuilder,
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
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = y[i] ? params.scalePosWeight : 1;
  const vMargin = validation ? new Float64Array(validation.data.nRows).fill(baseMargin) : null;
  const trees: Tree[] = [];
  const validationLoss: number[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestRound = -1;
  const eta = params.learningRate;
  const lambda = params.lambda;
  const growParams = {
    maxDepth: params.maxDepth,
    lambda,
    minChildWeight: params.minChildWeight,
    maxCatOneHot: params.maxCatOneHot,
    minSplitGain: params.gamma,
    featuresPerNode: 0,
    leafValue: (gs: number, hs: number) => (-gs / (hs + lambda)) * eta,
  };
  const inSample = new Uint8Array(n);

  for (let round = 0; round < params.nRounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margin[i]);
      g[i] = (p - y[i]) * w[i];
      h[i] = Math.max(p * (1 - p), 1e-16) * w[i];
    }
    let rows: Uint32Array | null = null;
    if (params.subsample < 1) {
      const picked: number[] = [];
      for (let i = 0; i < n; i++) if (rng.next() < params.subsample) picked.push(i);
      rows = Uint32Array.from(picked);
    }
    let allowed: Int32Array | null = null;
    if (params.colsampleByTree < 1) {
      const k = Math.max(1, Math.round(params.colsampleByTree * nF));
      const perm = Int32Array.from({ length: nF }, (_, f) => f);
      for (let i = 0; i < k; i++) {
        const j = i + rng.int(nF - i);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      allowed = perm.subarray(0, k).sort();
    }
    const grown = growTree(data, g, h, rows, growParams, null, allowed, ws, builder);
    const tree = grown.tree;
    trees.push(tree);
    // Margin update: sampled rows by their leaf ranges, the others by walking the tree.
    if (rows === null) {
      for (let j = 0; j < grown.leafNodes.length; j++) {
        const v = tree.value[grown.leafNodes[j]];
        for (let k = grown.leafStart[j]; k < grown.leafEnd[j]; k++) margin[grown.rows[k]] += v;
      }
    } else {
      inSample.fill(0);
      for (let j = 0; j < grown.leafNodes.length; j++) {
        const v = tree.value[grown.leafNodes[j]];
        for (let k = grown.leafStart[j]; k < grown.leafEnd[j]; k++) {
          margin[grown.rows[k]] += v;
          inSample[grown.rows[k]] = 1;
        }
      }
      for (let i = 0; i < n; i++)
        if (!inSample[i]) margin[i] += tree.value[leafOfBinnedRow(tree, data.bins, i * nF)];
    }
    if (validation && vMargin) {
      const vd = validation.data;
      let loss = 0;
      for (let i = 0; i < vd.nRows; i++) {
        vMargin[i] += tree.value[leafOfBinnedRow(tree, vd.bins, i * vd.nFeatures)];
        const m = vMargin[i];
        // log(1 + e^-|m|) form keeps the loss finite for large margins.
        loss += Math.max(m, 0) - m * validation.y[i] + Math.log1p(Math.exp(-Math.abs(m)));
      }
      loss /= Math.max(1, vd.nRows);
      validationLoss.push(loss);
      if (loss < bestLoss - 1e-12) {
        bestLoss = loss;
        bestRound = round;
      } else if (params.earlyStoppingRounds > 0 && round - bestRound >= params.earlyStoppingRounds) {
        onProgress?.(params.nRounds, params.nRounds);
        break;
      }
    }
    onProgress?.(round + 1, params.nRounds);
  }
  const keep = validation && params.earlyStoppingRounds > 0 && bestRound >= 0 ? bestRound + 1 : trees.length;
  return { trees: trees.slice(0, keep), baseMargin, validationLoss, bestRound: keep - 1 };
}
