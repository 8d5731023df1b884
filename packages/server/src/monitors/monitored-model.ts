import {
  type ChurnModel,
  type Column,
  type DriftReference,
  type FeatureSpec,
  type IsolationForest,
  prepareDriftReference,
  shapImportance,
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
   * Importance weights by feature for the drift severity rule: mean |SHAP| over its training
   * reference as stored with the model; for a model stored without it, gain at first, then mean
   * |SHAP| once {@link useShapImportance} has computed it on a worker thread (seconds for the
   * forest; this object is updated in place).
   */
  importance: Readonly<Record<string, number>>;
  importanceSource: ImportanceSource;
}

/** What the drift severity's importance weights are: split gain, or mean |SHAP| (the target). */
export type ImportanceSource = 'gain' | 'mean_abs_shap';

/**
 * Switch a monitored model's importance weights to mean |SHAP| over the first rows of its training
 * reference, explained on a worker thread (one row of the 100-tree forest takes tens of
 * milliseconds, which on this thread would hold up every request), for models made without it
 * (the platform's own training stores it: `withShapImportance`). Until it resolves, or if it
 * fails, the weights stay the stored gain importance.
 */
export async function useShapImportance(m: MonitoredModel, model: ChurnModel, rows?: number): Promise<void> {
  const byFeature = await shapImportance(model, { rows });
  if (!byFeature) return;
  m.importance = Object.fromEntries(byFeature);
  m.importanceSource = 'mean_abs_shap';
}

/** The model's stored importance: mean |SHAP| when it was computed with the model, else gain. */
function storedImportance(model: ChurnModel): Pick<MonitoredModel, 'importance' | 'importanceSource'> {
  const imp = model.training.importance;
  const shap = imp.length > 0 && imp.every((i) => i.meanAbsShap !== undefined);
  return {
    importance: Object.fromEntries(imp.map((i) => [i.feature, shap ? (i.meanAbsShap as number) : i.gain])),
    importanceSource: shap ? 'mean_abs_shap' : 'gain',
  };
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
    ...storedImportance(model),
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
