import {
  CUSTOMER_SCHEMA,
  encodeDataset,
  generateCustomers,
  meanAbsShap,
  TreeExplainer,
  trainModel,
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
  }, 60_000);
});
