import type { Dataset } from '../data/dataset.js';
import { type EncodedRows, encodeDataset } from '../model/predict.js';
import { assertDatasetColumns } from './schema-check.js';
import type { ShapOutputSpace, TreeExplainer } from './tree-explainer.js';

/** SHAP values of a dataset's rows, with what each row was missing. */
export interface DatasetExplanation {
  readonly featureNames: readonly string[];
  readonly nRows: number;
  readonly nFeatures: number;
  /** Row-major SHAP values: (i, f) at i · nFeatures + f. */
  readonly values: Float64Array;
  /** Model output with nothing known (probability for the forest, log-odds for boosting). */
  readonly baseValue: number;
  readonly outputSpace: ShapOutputSpace;
  /** Per row: baseValue + Σ values, the model's raw output. */
  readonly outputs: Float64Array;
  /** (i, f) = 1 when row i has no value for feature f (it took the split's default branch). */
  readonly missing: Uint8Array;
  /** (i, f) = 1 when row i's category for f was never seen in training (also took the default branch). */
  readonly unseen: Uint8Array;
  /** Identifiers of the rows, when the dataset has them. */
  readonly ids?: readonly string[];
  /** The encoded rows the values explain. */
  readonly encoded: EncodedRows;
}

/** One row of a {@link DatasetExplanation}, keyed by feature name. */
export interface RowExplanation {
  readonly id?: string;
  readonly baseValue: number;
  readonly output: number;
  readonly outputSpace: ShapOutputSpace;
  readonly values: Readonly<Record<string, number>>;
  /** Features with no value in this row. */
  readonly missing: readonly string[];
  /** Categorical features whose category the model never saw. */
  readonly unseen: readonly string[];
}

/**
 * Explain every row of a dataset: refuses data whose columns do not match the model (an
 * {@link ExplainInputError} naming them), encodes it as the model scores it, and records per row
 * and feature whether the value was missing or an unseen category — both are scored by the
 * default branch of each split, so their SHAP value is that of "missing", and a reader should know.
 */
export function explainDataset(explainer: TreeExplainer, ds: Dataset): DatasetExplanation {
  const model = explainer.model;
  assertDatasetColumns(model, ds);
  const encoded = encodeDataset(model, ds);
  const values = explainer.shapBatch(encoded);
  const nF = explainer.nFeatures;
  const n = ds.nRows;
  const missing = new Uint8Array(n * nF);
  const unseen = new Uint8Array(n * nF);
  const byName = new Map(ds.columns.map((c) => [c.name, c] as const));
  model.binning.forEach((b, f) => {
    const col = byName.get(b.name)!;
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(encoded.x[i * nF + f])) continue;
      const present = col.kind === 'numeric' ? !Number.isNaN(col.values[i]) : col.codes[i] >= 0;
      if (present) unseen[i * nF + f] = 1;
      else missing[i * nF + f] = 1;
    }
  });
  const outputs = new Float64Array(n);
  for (let i = 0; i < n; i++) outputs[i] = explainer.outputOf(values, i * nF);
  return {
    featureNames: explainer.featureNames,
    nRows: n,
    nFeatures: nF,
    values,
    baseValue: explainer.expectedValue,
    outputSpace: explainer.outputSpace,
    outputs,
    missing,
    unseen,
    ids: ds.ids,
    encoded,
  };
}

/** Row i of an explanation as a record of feature name → SHAP value, with its missing/unseen features. */
export function rowExplanation(e: DatasetExplanation, i: number): RowExplanation {
  if (!(i >= 0 && i < e.nRows)) throw new RangeError(`row ${i} is out of range (${e.nRows} rows)`);
  const values: Record<string, number> = {};
  const missing: string[] = [];
  const unseen: string[] = [];
  e.featureNames.forEach((name, f) => {
    const k = i * e.nFeatures + f;
    values[name] = e.values[k];
    if (e.missing[k]) missing.push(name);
    if (e.unseen[k]) unseen.push(name);
  });
  return {
    id: e.ids?.[i],
    baseValue: e.baseValue,
    output: e.outputs[i],
    outputSpace: e.outputSpace,
    values,
    missing,
    unseen,
  };
}
