/**
 * Isolation Forest (Liu, Ting & Zhou 2008): 100 trees, each grown on 256 rows drawn without
 * replacement, splitting on a random feature at a uniform random threshold until a row is alone
 * or the height limit ceil(log2 256) = 8 is reached. A row's score is s = 2^(-E[h(x)] / c(ψ)),
 * where h(x) is its path length plus c(size) for the rows left together in its external node and
 * c(n) = 2 H(n-1) - 2 (n-1)/n is the average path length of an unsuccessful BST search. Scores
 * near 1 are anomalies, around 0.5 and below are normal. Seeded, hence deterministic.
 *
 * Trees are stored flat in preorder (the left child follows its parent), thresholds as float32,
 * so the JSON form is compact and round-trips exactly.
 */
import type { Dataset } from '../data/dataset.js';
import type { TableSchema } from '../schema/feature-schema.js';
import { Rng } from '../util/rng.js';
import { encodeColumns, type FeatureEncoding, fitEncodings } from './encoding.js';

const EULER = 0.5772156649015329;

/** Average path length of an unsuccessful search in a BST of n nodes: c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

export interface IsolationForestOptions {
  readonly trees: number;
  readonly sampleSize: number;
  readonly seed: number;
  /** Expected share of outliers in the training data: the threshold is that score quantile. */
  readonly contamination: number;
  /** Rows scored to calibrate the threshold (a deterministic subset above this). */
  readonly calibrationRows: number;
}

export const ISOLATION_FOREST_DEFAULTS: IsolationForestOptions = Object.freeze({
  trees: 100,
  sampleSize: 256,
  seed: 42,
  contamination: 0.01,
  calibrationRows: 20_000,
});

/** A fitted forest: encodings, flat trees and the calibrated threshold. */
export interface IsolationForest {
  readonly format: 'churn-isolation-forest';
  readonly version: 1;
  readonly options: IsolationForestOptions;
  readonly encodings: readonly FeatureEncoding[];
  /** Rows per tree actually used (ψ = min(sampleSize, training rows)). */
  readonly psi: number;
  /** Start node of each tree in the flat arrays, plus the total at the end. */
  readonly treeStart: Int32Array;
  /** Split feature, or -1 for an external node. */
  readonly feature: Int16Array;
  /** Split threshold (go left when x < threshold), or the external node's row count. */
  readonly value: Float32Array;
  /** Right child (node index within the tree); the left child is the next node. */
  readonly right: Uint16Array;
  /** Score above which a row is an outlier. */
  readonly threshold: number;
}

interface Builder {
  feature: number[];
  value: number[];
  right: number[];
}

function grow(
  b: Builder,
  cols: readonly Float64Array[],
  rows: Int32Array,
  lo: number,
  hi: number,
  depth: number,
  maxDepth: number,
  rng: Rng,
  base: number,
): void {
  const size = hi - lo;
  const node = b.feature.length;
  const leaf = (): void => {
    b.feature.push(-1);
    b.value.push(size);
    b.right.push(0);
  };
  if (size <= 1 || depth >= maxDepth) {
    leaf();
    return;
  }
  // Random feature among those not constant on this node's rows.
  const candidates: number[] = [];
  const mins: number[] = [];
  const maxs: number[] = [];
  for (let f = 0; f < cols.length; f++) {
    const c = cols[f];
    let mn = c[rows[lo]];
    let mx = mn;
    for (let i = lo + 1; i < hi; i++) {
      const v = c[rows[i]];
      if (v < mn) mn = v;
      else if (v > mx) mx = v;
    }
    if (mx > mn) {
      candidates.push(f);
      mins.push(mn);
      maxs.push(mx);
    }
  }
  if (candidates.length === 0) {
    leaf();
    return;
  }
  const k = rng.int(candidates.length);
  const f = candidates[k];
  // float32 thresholds keep the stored forest small; a split that rounding empties on one side
  // (values within float32 precision of each other) simply ends the branch.
  const t = Math.fround(mins[k] + rng.next() * (maxs[k] - mins[k]));
  const c = cols[f];
  let mid = lo;
  for (let i = lo; i < hi; i++) {
    if (c[rows[i]] < t) {
      const tmp = rows[mid];
      rows[mid] = rows[i];
      rows[i] = tmp;
      mid++;
    }
  }
  if (mid === lo || mid === hi) {
    leaf();
    return;
  }
  b.feature.push(f);
  b.value.push(t);
  b.right.push(0);
  grow(b, cols, rows, lo, mid, depth + 1, maxDepth, rng, base);
  b.right[node] = b.feature.length - base;
  grow(b, cols, rows, mid, hi, depth + 1, maxDepth, rng, base);
}

/**
 * Fit an Isolation Forest on training data and calibrate its threshold.
 *
 * @example
 * ```ts
 * const forest = fitIsolationForest(training, { schema: CUSTOMER_SCHEMA });
 * const report = detectOutliers(forest, incoming);
 * ```
 */
export function fitIsolationForest(
  ds: Dataset,
  options: Partial<IsolationForestOptions> & { schema?: Pick<TableSchema, 'features'> } = {},
): IsolationForest {
  const { schema, ...rest } = options;
  const o: IsolationForestOptions = { ...ISOLATION_FOREST_DEFAULTS, ...rest };
  if (ds.nRows < 2) throw new Error('isolation forest: need at least 2 training rows');
  const encodings = fitEncodings(ds, schema);
  const cols = encodeColumns(encodings, ds);
  const rng = new Rng(o.seed);
  const psi = Math.min(o.sampleSize, ds.nRows);
  const maxDepth = Math.ceil(Math.log2(psi));
  const b: Builder = { feature: [], value: [], right: [] };
  const treeStart = new Int32Array(o.trees + 1);
  const all = Int32Array.from({ length: ds.nRows }, (_, i) => i);
  for (let t = 0; t < o.trees; t++) {
    for (let i = 0; i < psi; i++) {
      const j = i + rng.int(ds.nRows - i);
      const tmp = all[i];
      all[i] = all[j];
      all[j] = tmp;
    }
    const rows = all.slice(0, psi);
    treeStart[t] = b.feature.length;
    grow(b, cols, rows, 0, psi, 0, maxDepth, rng, b.feature.length);
  }
  treeStart[o.trees] = b.feature.length;
  const forest: IsolationForest = {
    format: 'churn-isolation-forest',
    version: 1,
    options: o,
    encodings,
    psi,
    treeStart,
    feature: Int16Array.from(b.feature),
    value: Float32Array.from(b.value),
    right: Uint16Array.from(b.right),
    threshold: 1,
  };
  // Calibrate on the training rows (a deterministic subset when there are many).
  const step = Math.max(1, Math.ceil(ds.nRows / o.calibrationRows));
  const sub: number[] = [];
  for (let i = 0; i < ds.nRows; i += step) sub.push(i);
  const scores = scoreEncoded(
    forest,
    cols.map((c) => Float64Array.from(sub, (i) => c[i])),
    sub.length,
  ).sort();
  const q = scores[Math.min(scores.length - 1, Math.floor((1 - o.contamination) * scores.length))];
  return { ...forest, threshold: q };
}

function scoreEncoded(forest: IsolationForest, cols: readonly Float64Array[], n: number): Float64Array {
  const { feature, value, right, treeStart } = forest;
  const nTrees = treeStart.length - 1;
  const cpsi = averagePathLength(forest.psi);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let t = 0; t < nTrees; t++) {
      const base = treeStart[t];
      let node = base;
      let depth = 0;
      while (feature[node] >= 0) {
        node = cols[feature[node]][i] < value[node] ? node + 1 : base + right[node];
        depth++;
      }
      total += depth + averagePathLength(value[node]);
    }
    out[i] = 2 ** (-(total / nTrees) / cpsi);
  }
  return out;
}

/** Anomaly scores (0..1, higher is more anomalous) of every row of a dataset. */
export function isolationScores(forest: IsolationForest, ds: Dataset): Float64Array {
  return scoreEncoded(forest, encodeColumns(forest.encodings, ds), ds.nRows);
}
