import {
  CUSTOMER_SCHEMA,
  encodeDataset,
  generateCustomers,
  meanAbsShap,
  modelFromJson,
  modelToJson,
  TreeExplainer,
  trainModel,
  withShapImportance,
} from '@churn/ml';
import { describe, expect, it } from 'vitest';
import { monitoredModel, useShapImportance } from '../../src/monitors/index.js';

describe('monitored model importance', () => {
  it('starts with gain and switches to mean |SHAP| over the first reference rows', async () => {
    const model = await trainModel(generateCustomers({ rows: 3000, seed: 21 }), CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 20, threads: 1 },
    });
    const m = monitoredModel(1, model);
    expect(m.importanceSource).toBe('gain');
    expect(m.importance).toEqual(
      Object.fromEntries(model.training.importance.map((i) => [i.feature, i.gain])),
    );

    await useShapImportance(m, model, 50);
    expect(m.importanceSource).toBe('mean_abs_shap');
    const ref = model.training.reference!;
    const explainer = new TreeExplainer(model);
    const values = explainer.shapBatch(encodeDataset(model, { ...ref, nRows: 50 }));
    const expected = Object.fromEntries(
      meanAbsShap(values, explainer.featureNames).map((i) => [i.feature, i.meanAbs]),
    );
    expect(m.importance).toEqual(expected);
    expect(Object.keys(m.importance)).toHaveLength(21);

    // Stored with the model (withShapImportance, as the platform's training does): used at once,
    // and it survives the model file.
    const stored = await withShapImportance(model, { rows: 50 });
    expect(stored.trees).toBe(model.trees);
    const fromFile = monitoredModel(2, modelFromJson(modelToJson(stored)));
    expect(fromFile.importanceSource).toBe('mean_abs_shap');
    expect(fromFile.importance).toEqual(expected);
  }, 60_000);

  it('a model without a training reference keeps its gain importance', async () => {
    const model = await trainModel(generateCustomers({ rows: 800, seed: 22 }), CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 5, threads: 1 },
    });
    const bare = { ...model, training: { ...model.training, reference: undefined } };
    expect(await withShapImportance(bare)).toBe(bare);
    expect(monitoredModel(1, bare).importanceSource).toBe('gain');
  }, 60_000);
});
