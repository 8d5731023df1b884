import { beforeAll, describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import type { ChurnModel } from '../model/model.js';
import { predictDataset } from '../model/predict.js';
import { modelFromJson, modelToJson } from '../model/serialize.js';
import { trainModel } from '../model/train.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { explainDataset, rowExplanation } from './explain-rows.js';
import {
  assertDatasetColumns,
  assertModelSchema,
  ExplainInputError,
  modelSchemaProblems,
} from './schema-check.js';
import { TreeExplainer } from './tree-explainer.js';

let model: ChurnModel;
let explainer: TreeExplainer;

beforeAll(async () => {
  model = await trainModel(generateCustomers({ rows: 1500, seed: 41 }), CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 12, maxDepth: 4, threads: 1 },
  });
  explainer = new TreeExplainer(model);
});

/** Customers where row 0 misses total_orders, row 1 has an unseen payment method, row 2 misses it. */
function flagged(): Dataset {
  const ds = generateCustomers({ rows: 6, seed: 42 });
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'numeric' && c.name === 'total_orders') {
      const values = Float64Array.from(c.values);
      values[0] = Number.NaN;
      return { ...c, values };
    }
    if (c.kind === 'categorical' && c.name === 'payment_method') {
      const codes = Int32Array.from(c.codes);
      codes[1] = c.categories.length;
      codes[2] = -1;
      return { ...c, codes, categories: [...c.categories, 'barter'] };
    }
    return c;
  });
  return { ...ds, columns };
}

describe('explainDataset', () => {
  it('explains every row in order, adding up to the model output, with ids', () => {
    const ds = flagged();
    const e = explainDataset(explainer, ds);
    expect(e.nRows).toBe(6);
    expect(e.outputSpace).toBe('log-odds');
    expect(e.ids).toEqual(ds.ids);
    const p = predictDataset(model, ds);
    for (let i = 0; i < e.nRows; i++) {
      expect(e.outputs[i]).toBeCloseTo(Math.log(p[i] / (1 - p[i])), 9);
      const r = rowExplanation(e, i);
      expect(Object.keys(r.values)).toEqual(model.binning.map((b) => b.name));
      expect(r.id).toBe(ds.ids![i]);
    }
  });

  it('flags missing values and unseen categories per row and feature', () => {
    const e = explainDataset(explainer, flagged());
    expect(rowExplanation(e, 0).missing).toEqual(['total_orders']);
    expect(rowExplanation(e, 0).unseen).toEqual([]);
    expect(rowExplanation(e, 1).unseen).toEqual(['payment_method']);
    expect(rowExplanation(e, 1).missing).toEqual([]);
    expect(rowExplanation(e, 2).missing).toEqual(['payment_method']);
    for (let i = 3; i < 6; i++) {
      expect(rowExplanation(e, i).missing).toEqual([]);
      expect(rowExplanation(e, i).unseen).toEqual([]);
    }
    expect(() => rowExplanation(e, 6)).toThrow(RangeError);
  });

  it('refuses data with missing or mistyped columns, naming all of them', () => {
    const ds = generateCustomers({ rows: 5, seed: 43 });
    const columns = ds.columns
      .filter((c) => c.name !== 'total_orders' && c.name !== 'returns_count')
      .map(
        (c): Column =>
          c.name === 'shipping_method'
            ? { kind: 'numeric', name: c.name, values: new Float64Array(ds.nRows) }
            : c,
      );
    const bad = { ...ds, columns };
    expect(() => explainDataset(explainer, bad)).toThrow(ExplainInputError);
    expect(() => assertDatasetColumns(model, bad)).toThrow(
      /missing columns "total_orders", "returns_count"; column "shipping_method" must be categorical, it is numeric/,
    );
  });
});

describe('model schema check', () => {
  it('accepts a trained model and its saved copy', () => {
    expect(modelSchemaProblems(model)).toEqual([]);
    expect(() => assertModelSchema(modelFromJson(modelToJson(model)))).not.toThrow();
  });

  it('refuses a model whose binning names or kinds disagree with schema.features', () => {
    const renamed: ChurnModel = {
      ...model,
      binning: model.binning.map((b) => (b.name === 'total_orders' ? { ...b, name: 'orders_total' } : b)),
    };
    expect(() => assertModelSchema(renamed)).toThrow(
      /binning disagrees with its schema: feature "orders_total" is binned but not in the schema; feature "total_orders" is in the schema but not binned/,
    );
    const retyped: ChurnModel = {
      ...model,
      schema: {
        ...model.schema,
        features: model.schema.features.map((f) =>
          f.name === 'returns_count' ? { kind: 'categorical', name: f.name, categories: ['0', '1'] } : f,
        ),
      },
    };
    expect(modelSchemaProblems(retyped)).toEqual([
      'feature "returns_count" is numeric in the binning but categorical in the schema',
    ]);
    const reordered: ChurnModel = {
      ...model,
      schema: { ...model.schema, features: [...model.schema.features].reverse() },
    };
    expect(modelSchemaProblems(reordered).length).toBeGreaterThan(0);
  });
});
