import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import type { ChurnModel } from '../model/model.js';
import { encodeDataset, rawOutput } from '../model/predict.js';
import { trainModel } from '../model/train.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { ParallelTreeExplainer } from './parallel-explainer.js';
import { TreeExplainer } from './tree-explainer.js';
import { modelShapRecursive } from './tree-shap-recursive.js';

/*
 * The two-thread explainer (half the trees in a worker) against the reference recursion and the
 * one-thread explainer, on trained models of both learners, with missing values, a missing
 * category and an unseen one; and its life cycle (closed explainers refuse work).
 */

function heldOut(rows: number, seed: number): Dataset {
  const ds = generateCustomers({ rows, seed });
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'categorical' && c.name === 'payment_method') {
      const codes = Int32Array.from(c.codes);
      for (let i = 0; i < codes.length; i++) {
        if (i % 5 === 0) codes[i] = c.categories.length;
        else if (i % 7 === 0) codes[i] = -1;
      }
      return { ...c, codes, categories: [...c.categories, 'barter'] };
    }
    if (c.kind === 'numeric' && c.name === 'email_open_rate') {
      const values = Float64Array.from(c.values);
      for (let i = 1; i < values.length; i += 4) values[i] = Number.NaN;
      return { ...c, values };
    }
    return c;
  });
  return { ...ds, columns };
}

let forest: ChurnModel;
let boosting: ChurnModel;
const open: ParallelTreeExplainer[] = [];

beforeAll(async () => {
  const train = generateCustomers({ rows: 2500, seed: 41 });
  forest = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'random-forest',
    forest: { nTrees: 7, maxDepth: 14, threads: 1 },
  });
  boosting = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 15, maxDepth: 6, threads: 1 },
  });
});

afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
});

async function create(model: ChurnModel, threads?: number): Promise<ParallelTreeExplainer> {
  const e = await ParallelTreeExplainer.create(model, threads);
  open.push(e);
  return e;
}

describe.each([
  ['random forest', () => forest],
  ['gradient boosting', () => boosting],
])('ParallelTreeExplainer on a %s', (_name, model) => {
  it('equals the recursion and the one-thread explainer, and adds up to the raw output', async () => {
    const m = model();
    const parallel = await create(m);
    expect(parallel.threads).toBe(2);
    const single = new TreeExplainer(m);
    expect(parallel.expectedValue).toBeCloseTo(single.expectedValue, 12);
    expect(parallel.outputSpace).toBe(single.outputSpace);
    const rows = encodeDataset(m, heldOut(60, 9));
    expect(rows.missingRows).toBeGreaterThan(0);
    expect(rows.unseenCategories.payment_method).toBeGreaterThan(0);
    const nF = rows.nFeatures;
    let worstRef = 0;
    let worstSingle = 0;
    let worstSum = 0;
    for (let i = 0; i < rows.nRows; i++) {
      const values = parallel.shap(rows.x, i * nF);
      const ref = modelShapRecursive(m, rows.x, i * nF);
      const one = single.shap(rows.x, i * nF);
      for (let f = 0; f < nF; f++) {
        worstRef = Math.max(worstRef, Math.abs(values[f] - ref.phi[f]));
        worstSingle = Math.max(worstSingle, Math.abs(values[f] - one[f]));
      }
      worstSum = Math.max(worstSum, Math.abs(parallel.outputOf(values) - rawOutput(m, rows.x, i * nF)));
    }
    expect(worstRef).toBeLessThan(1e-9);
    expect(worstSingle).toBeLessThan(1e-12);
    expect(worstSum).toBeLessThan(1e-9);
  });
});

describe('ParallelTreeExplainer life cycle', () => {
  it('runs in this thread alone with threads = 1, and refuses bad thread counts', async () => {
    const one = await create(forest, 1);
    expect(one.threads).toBe(1);
    const rows = encodeDataset(forest, heldOut(3, 10));
    const want = new TreeExplainer(forest).shap(rows.x, 0);
    const got = one.shap(rows.x, 0);
    for (let f = 0; f < rows.nFeatures; f++) expect(got[f]).toBeCloseTo(want[f], 12);
    await expect(ParallelTreeExplainer.create(forest, 0)).rejects.toThrow(RangeError);
  });

  it('refuses rows out of range, and any row once closed', async () => {
    const e = await create(forest);
    const rows = encodeDataset(forest, heldOut(2, 11));
    expect(() => e.shap(rows.x, rows.x.length - 3)).toThrow(RangeError);
    await e.close();
    expect(() => e.shap(rows.x, 0)).toThrow(/closed/);
  });
});
