import type { EncodedRows } from '../model/predict.js';
import { Rng } from '../util/rng.js';
import type { TreeExplainer } from './tree-explainer.js';

/*
 * Global views built from per-row SHAP values: which features matter overall (mean |SHAP|), and how
 * each feature's value relates to its effect (the points of a beeswarm or dependence chart). Both
 * work on a deterministic sample of rows so that their cost is bounded and the same data gives the
 * same chart.
 */

/** Mean absolute SHAP value of one feature. */
export interface ShapImportance {
  readonly feature: string;
  readonly meanAbs: number;
}

/** The points of one feature's dependence (or beeswarm) chart. */
export interface DependenceSamples {
  readonly feature: string;
  /** Row of each point, ascending. */
  readonly rows: Int32Array;
  /** Encoded feature value of each point: the raw number, the category index, or NaN when missing. */
  readonly values: Float64Array;
  /** SHAP value of the feature in that row. */
  readonly shap: Float64Array;
}

/** What {@link globalExplanation} returns. */
export interface GlobalExplanation {
  /** Rows explained (a sample when the data was larger than `sampleRows`), ascending. */
  readonly rows: Int32Array;
  /** Features by decreasing mean |SHAP| over those rows. */
  readonly importance: readonly ShapImportance[];
  /** One chart per feature, in the model's feature order. */
  readonly dependence: readonly DependenceSamples[];
}

/** Options of {@link globalExplanation}. */
export interface GlobalOptions {
  /** Most rows to explain (default 2,000). */
  readonly sampleRows?: number;
  /** Most points per feature chart (default 500), a sample of the explained rows. */
  readonly pointsPerFeature?: number;
  /** Seed of the row sampling (default 1). */
  readonly seed?: number;
}

/** Up to k of the indices 0..n-1, uniformly without replacement, ascending; deterministic per seed. */
export function sampleIndices(n: number, k: number, seed: number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, k).sort();
}

/** Mean |SHAP| per feature over rows of row-major values (n × names.length), largest first. */
export function meanAbsShap(values: Float64Array, featureNames: readonly string[]): ShapImportance[] {
  const nF = featureNames.length;
  const n = nF > 0 ? values.length / nF : 0;
  const sums = new Float64Array(nF);
  for (let i = 0; i < n; i++) for (let f = 0; f < nF; f++) sums[f] += Math.abs(values[i * nF + f]);
  return featureNames
    .map((feature, f) => ({ feature, meanAbs: n > 0 ? sums[f] / n : 0 }))
    .sort((a, b) => b.meanAbs - a.meanAbs || a.feature.localeCompare(b.feature));
}

/**
 * Explain a sample of rows and summarise: mean |SHAP| importance and, per feature, up to
 * `pointsPerFeature` (value, SHAP) points. Sampling is uniform without replacement and seeded, so
 * the result depends only on the data, the model and the options.
 */
export function globalExplanation(
  explainer: TreeExplainer,
  rows: EncodedRows,
  options: GlobalOptions = {},
): GlobalExplanation {
  const seed = options.seed ?? 1;
  const nF = explainer.nFeatures;
  const picked = sampleIndices(rows.nRows, Math.max(0, options.sampleRows ?? 2000), seed);
  const x = new Float64Array(picked.length * nF);
  picked.forEach((r, i) => {
    x.set(rows.x.subarray(r * nF, (r + 1) * nF), i * nF);
  });
  const values = explainer.shapBatch({ ...rows, x, nRows: picked.length });
  const points = sampleIndices(picked.length, Math.max(0, options.pointsPerFeature ?? 500), seed + 1);
  const dependence = explainer.featureNames.map((feature, f): DependenceSamples => {
    const out = {
      feature,
      rows: new Int32Array(points.length),
      values: new Float64Array(points.length),
      shap: new Float64Array(points.length),
    };
    points.forEach((p, k) => {
      out.rows[k] = picked[p];
      out.values[k] = x[p * nF + f];
      out.shap[k] = values[p * nF + f];
    });
    return out;
  });
  return { rows: picked, importance: meanAbsShap(values, explainer.featureNames), dependence };
}
