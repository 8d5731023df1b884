import { beforeAll, describe, expect, it } from 'vitest';
import type { ChurnModel } from '../model/model.js';
import { type EncodedRows, encodeDataset } from '../model/predict.js';
import { trainModel } from '../model/train.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { globalExplanation, meanAbsShap, sampleIndices } from './global.js';
import { TreeExplainer } from './tree-explainer.js';

let model: ChurnModel;
let explainer: TreeExplainer;
let rows: EncodedRows;

beforeAll(async () => {
  model = await trainModel(generateCustomers({ rows: 1500, seed: 51 }), CUSTOMER_SCHEMA, {
    algorithm: 'random-forest',
    forest: { nTrees: 5, maxDepth: 8, threads: 1 },
  });
  explainer = new TreeExplainer(model);
  rows = encodeDataset(model, generateCustomers({ rows: 700, seed: 52 }));
});

describe('sampleIndices', () => {
  it('draws distinct ascending indices, deterministically per seed', () => {
    const a = sampleIndices(1000, 50, 3);
    expect(a).toHaveLength(50);
    expect(new Set(a).size).toBe(50);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    expect(sampleIndices(1000, 50, 3)).toEqual(a);
    expect(sampleIndices(1000, 50, 4)).not.toEqual(a);
    expect(Array.from(sampleIndices(5, 50, 3))).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('meanAbsShap', () => {
  it('averages absolute values per feature and sorts by them', () => {
    const imp = meanAbsShap(Float64Array.of(1, -4, 0, -3, 2, 0), ['a', 'b', 'c']);
    expect(imp).toEqual([
      { feature: 'b', meanAbs: 3 },
      { feature: 'a', meanAbs: 2 },
      { feature: 'c', meanAbs: 0 },
    ]);
  });
});

describe('globalExplanation', () => {
  it('ranks features by mean |SHAP| over a bounded, deterministic sample', () => {
    const g = globalExplanation(explainer, rows, { sampleRows: 300, pointsPerFeature: 120, seed: 7 });
    expect(g.rows).toHaveLength(300);
    expect(g.importance).toHaveLength(explainer.nFeatures);
    for (let k = 1; k < g.importance.length; k++) {
      expect(g.importance[k].meanAbs).toBeLessThanOrEqual(g.importance[k - 1].meanAbs);
    }
    // The same as averaging the explainer's own values over the sampled rows.
    const all = explainer.shapBatch(rows);
    const nF = explainer.nFeatures;
    const top = g.importance[0];
    const f = explainer.featureNames.indexOf(top.feature);
    let sum = 0;
    for (const r of g.rows) sum += Math.abs(all[r * nF + f]);
    expect(top.meanAbs).toBeCloseTo(sum / g.rows.length, 12);
    expect(globalExplanation(explainer, rows, { sampleRows: 300, pointsPerFeature: 120, seed: 7 })).toEqual(
      g,
    );
  });

  it('gives each feature at most pointsPerFeature (value, SHAP) points from explained rows', () => {
    const g = globalExplanation(explainer, rows, { sampleRows: 200, pointsPerFeature: 80 });
    const all = explainer.shapBatch(rows);
    const nF = explainer.nFeatures;
    expect(g.dependence.map((d) => d.feature)).toEqual(explainer.featureNames);
    const sampled = new Set(g.rows);
    g.dependence.forEach((d, f) => {
      expect(d.rows).toHaveLength(80);
      d.rows.forEach((r, k) => {
        expect(sampled.has(r)).toBe(true);
        expect(Object.is(d.values[k], rows.x[r * nF + f])).toBe(true);
        expect(d.shap[k]).toBeCloseTo(all[r * nF + f], 12);
      });
    });
    const small = globalExplanation(explainer, rows, { sampleRows: 30, pointsPerFeature: 500 });
    expect(small.dependence[0].rows).toHaveLength(30);
  });
});
