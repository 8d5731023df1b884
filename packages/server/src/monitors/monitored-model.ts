import {
  BatchTreeExplainer,
  type ChurnModel,
  type Column,
  type DriftReference,
  encodeDataset,
  type FeatureSpec,
  type IsolationForest,
  meanAbsShap,
  prepareDriftReference,
} from '@churn/ml';

/** How a model's features are laid out for the monitors: the columns of its training reference. */
export interface FeatureLayout {
  /** One spec per feature, in the reference's column order (what the windows hold). */
  readonly features: readonly FeatureSpec[];
  /** Category index per categorical feature (null for numeric ones). */
  readonly categoryIndex: readonly (ReadonlyMap<string, number> | null)[];
}

/** What the monitors need of one model version, prepared once when its first event arrives. */
export interface MonitoredModel {
  readonly version: number;
  readonly layout: FeatureLayout;
  /** The training reference sorted and counted once; null for model files without a reference. */
  readonly drift: DriftReference | null;
  /** The stored Isolation Forest; null for model files without one. */
  readonly forest: IsolationForest | null;
  /**
   * Importance weights by feature for the drift severity rule: the model's stored gain importance
   * at first, then mean |SHAP| over its training reference once {@link useShapImportance} has
   * computed it on a worker thread (seconds for the forest; this object is updated in place).
   */
  importance: Readonly<Record<string, number>>;
  importanceSource: ImportanceSource;
}

/** What the drift severity's importance weights are: split gain, or mean |SHAP| (the target). */
export type ImportanceSource = 'gain' | 'mean_abs_shap';

/**
 * Rows of the training reference explained for the importance weights: 100, fewer for large
 * forests (about 25 million node visits in all: 31 rows, ~2 s of one core, for the 100-tree
 * depth-15 forest; 100 rows of the 200-round boosting model take ~0.1 s).
 */
function shapImportanceRows(model: ChurnModel): number {
  let nodes = 0;
  for (const t of model.trees) nodes += t.nNodes;
  return Math.max(10, Math.min(100, Math.floor(25_000_000 / Math.max(1, nodes))));
}

/**
 * Switch a monitored model's importance weights to mean |SHAP| over the first rows of its training
 * reference ({@link shapImportanceRows}), explained on a worker thread (one row of the 100-tree forest takes tens of
 * milliseconds, which on this thread would hold up every request). Until it resolves, or if it
 * fails, the weights stay the stored gain importance.
 */
export async function useShapImportance(
  m: MonitoredModel,
  model: ChurnModel,
  rows = shapImportanceRows(model),
): Promise<void> {
  const ref = model.training.reference;
  if (!ref || ref.nRows === 0) return;
  const explainer = await BatchTreeExplainer.create(model, 1, { offThread: true });
  try {
    const values = await explainer.shapBatch(
      encodeDataset(model, { ...ref, nRows: Math.min(rows, ref.nRows) }),
    );
    const names = model.binning.map((b) => b.name);
    m.importance = Object.fromEntries(meanAbsShap(values, names).map((i) => [i.feature, i.meanAbs]));
    m.importanceSource = 'mean_abs_shap';
  } finally {
    await explainer.close();
  }
}

/** The monitors' view of a model; throws nothing for old files (fields come back null). */
export function monitoredModel(version: number, model: ChurnModel): MonitoredModel {
  const ref = model.training.reference;
  const columns: readonly Column[] =
    ref?.columns ??
    model.schema.features
      .filter((f) => model.binning.some((b) => b.name === f.name))
      .map((f) =>
        f.kind === 'numeric'
          ? { kind: 'numeric' as const, name: f.name, values: new Float64Array(0) }
          : {
              kind: 'categorical' as const,
              name: f.name,
              codes: new Int32Array(0),
              categories: f.categories,
            },
      );
  const specs = new Map(model.schema.features.map((f) => [f.name, f]));
  const features = columns.map((c): FeatureSpec => {
    const spec = specs.get(c.name);
    if (c.kind === 'numeric') return spec?.kind === 'numeric' ? spec : { kind: 'numeric', name: c.name };
    return { ...(spec ?? {}), kind: 'categorical', name: c.name, categories: c.categories };
  });
  const layout: FeatureLayout = {
    features,
    categoryIndex: features.map((f) =>
      f.kind === 'categorical' ? new Map(f.categories.map((c, i) => [c, i] as const)) : null,
    ),
  };
  return {
    version,
    layout,
    drift: ref ? prepareDriftReference({ nRows: ref.nRows, columns: ref.columns }) : null,
    forest: model.training.outliers ?? null,
    importance: Object.fromEntries(model.training.importance.map((i) => [i.feature, i.gain])),
    importanceSource: 'gain' as ImportanceSource,
  };
}

/**
 * A payload's features in the layout: numbers (NaN when missing) and category indexes (-1 when
 * missing; `unseen` gets the category text of values the model never saw, which are -1 too).
 * Returns why the payload is unusable instead, with the JSON path of the first problem.
 */
export function encodeFeatures(
  layout: FeatureLayout,
  features: Readonly<Record<string, unknown>>,
  out: Float64Array,
  unseen: (string | null)[],
): string | null {
  const specs = layout.features;
  for (let j = 0; j < specs.length; j++) {
    const f = specs[j];
    const v = features[f.name];
    unseen[j] = null;
    if (v === null) {
      out[j] = f.kind === 'numeric' ? Number.NaN : -1;
      continue;
    }
    if (v === undefined) return `/payload/features/${f.name}: is required`;
    if (f.kind === 'numeric') {
      if (typeof v !== 'number' || !Number.isFinite(v))
        return `/payload/features/${f.name}: must be a finite number or null`;
      out[j] = v;
      continue;
    }
    if (typeof v !== 'string' && typeof v !== 'number')
      return `/payload/features/${f.name}: must be a category (string) or null`;
    const text = String(v);
    const code = layout.categoryIndex[j]?.get(text);
    if (code === undefined) {
      out[j] = -1;
      unseen[j] = text;
    } else out[j] = code;
  }
  return null;
}
