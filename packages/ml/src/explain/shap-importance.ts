import type { ChurnModel } from '../model/model.js';
import { encodeDataset } from '../model/predict.js';
import { BatchTreeExplainer } from './batch-explainer.js';
import { meanAbsShap } from './global.js';

/**
 * Rows of the training reference explained for the importance: 100, fewer for large forests
 * (about 25 million node visits in all: 31 rows, ~2 s of one core, for the 100-tree depth-15
 * forest; 100 rows of the 200-round boosting model take ~0.1 s).
 */
export function shapImportanceRows(model: ChurnModel): number {
  let nodes = 0;
  for (const t of model.trees) nodes += t.nNodes;
  return Math.max(10, Math.min(100, Math.floor(25_000_000 / Math.max(1, nodes))));
}

/**
 * Mean |SHAP| by feature over the first rows of the model's training reference
 * ({@link shapImportanceRows}), explained on `threads` worker threads (`offThread`, so the calling
 * thread stays free). Null when the model has no reference.
 */
export async function shapImportance(
  model: ChurnModel,
  options: { rows?: number; threads?: number } = {},
): Promise<Map<string, number> | null> {
  const ref = model.training.reference;
  if (!ref || ref.nRows === 0) return null;
  const rows = Math.min(options.rows ?? shapImportanceRows(model), ref.nRows);
  const explainer = await BatchTreeExplainer.create(model, options.threads ?? 1, { offThread: true });
  try {
    const values = await explainer.shapBatch(encodeDataset(model, { ...ref, nRows: rows }));
    const names = model.binning.map((b) => b.name);
    return new Map(meanAbsShap(values, names).map((i) => [i.feature, i.meanAbs]));
  } finally {
    await explainer.close();
  }
}

/**
 * The model with `meanAbsShap` in its stored importance ({@link shapImportance}): computed once
 * when a model is made, so that whoever loads it later (the drift monitor weighs drift by it) does
 * not explain rows again. The model itself is unchanged when it has no training reference.
 */
export async function withShapImportance(
  model: ChurnModel,
  options: { rows?: number; threads?: number } = {},
): Promise<ChurnModel> {
  const byFeature = await shapImportance(model, options);
  if (!byFeature) return model;
  return {
    ...model,
    training: {
      ...model.training,
      importance: model.training.importance.map((i) => ({
        ...i,
        meanAbsShap: byFeature.get(i.feature) ?? 0,
      })),
    },
  };
}
