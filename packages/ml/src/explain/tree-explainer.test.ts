import { beforeAll, describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import type { ChurnModel } from '../model/model.js';
import { type EncodedRows, encodeDataset, predictEncoded, rawOutput } from '../model/predict.js';
import { trainModel } from '../model/train.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { treeDepth } from '../tree/tree.js';
import { logOddsToProbability } from './probability.js';
import { TreeExplainer } from './tree-explainer.js';
import { modelShapRecursive } from './tree-shap-recursive.js';

/*
 * The fast explainer against the reference recursion on trained customer models — a depth-15
 * forest (polynomial algorithm) and a depth-6 boosting model (compiled leaf tables) — on held-out
 * rows with missing values and an unseen category, and additivity against the model's own output.
 */

/** Held-out customers with missing numbers, a missing category and an unseen category. */
function heldOut(rows: number, seed: number): Dataset {
  const ds = generateCustomers({ rows, seed });
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'categorical' && c.name === 'payment_method') {
      const codes = Int32Array.from(c.codes);
      for (let i = 0; i < codes.length; i++) {
        if (i % 7 === 0) codes[i] = c.categories.length;
        else if (i % 11 === 0) codes[i] = -1;
      }
      return { ...c, codes, categories: [...c.categories, 'crypto_wallet'] };
    }
    if (c.kind === 'numeric' && (c.name === 'days_since_last_order' || c.name === 'email_open_rate')) {
      const values = Float64Array.from(c.values);
      for (let i = 2; i < values.length; i += 5) values[i] = Number.NaN;
      return { ...c, values };
    }
    return c;
  });
  return { ...ds, columns };
}

let forest: ChurnModel;
let boosting: ChurnModel;

beforeAll(async () => {
  const train = generateCustomers({ rows: 3000, seed: 21 });
  forest = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'random-forest',
    forest: { nTrees: 6, maxDepth: 15, threads: 1 },
  });
  boosting = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 40, maxDepth: 6, threads: 1 },
  });
});

function expectMatchesReference(model: ChurnModel, rows: EncodedRows): void {
  const explainer = new TreeExplainer(model);
  const values = explainer.shapBatch(rows);
  const nF = rows.nFeatures;
  const raw = new Float64Array(rows.nRows);
  for (let i = 0; i < rows.nRows; i++) raw[i] = rawOutput(model, rows.x, i * nF);
  let worstRef = 0;
  let worstSum = 0;
  let worstSingle = 0;
  for (let i = 0; i < rows.nRows; i++) {
    const ref = modelShapRecursive(model, rows.x, i * nF);
    expect(Math.abs(ref.expectedValue - explainer.expectedValue)).toBeLessThan(1e-12);
    const single = explainer.shap(rows.x, i * nF);
    for (let f = 0; f < nF; f++) {
      worstRef = Math.max(worstRef, Math.abs(values[i * nF + f] - ref.phi[f]));
      worstSingle = Math.max(worstSingle, Math.abs(single[f] - values[i * nF + f]));
    }
    // Additivity on every row: Σ φ + E = the model's raw output.
    worstSum = Math.max(worstSum, Math.abs(explainer.outputOf(values, i * nF) - raw[i]));
  }
  expect(worstRef).toBeLessThan(1e-9);
  expect(worstSum).toBeLessThan(1e-9);
  expect(worstSingle).toBeLessThan(1e-12);
}

describe('TreeExplainer on a depth-15 forest', () => {
  it('uses the polynomial algorithm on these deep trees', () => {
    expect(Math.max(...forest.trees.map((t) => treeDepth(t)))).toBeGreaterThanOrEqual(13);
    const e = new TreeExplainer(forest);
    expect(e.treesByPolynomial).toBe(forest.trees.length);
    expect(e.outputSpace).toBe('probability');
    // The mean of the trees' cover-weighted leaf means: close to the training churn rate.
    expect(e.expectedValue).toBeGreaterThan(0.05);
    expect(e.expectedValue).toBeLessThan(0.6);
  });

  it('equals the recursion, adds up to the probability, incl. missing and unseen values', () => {
    const rows = encodeDataset(forest, heldOut(120, 5));
    expect(rows.missingRows).toBeGreaterThan(0);
    expect(rows.unseenCategories.payment_method).toBeGreaterThan(0);
    expectMatchesReference(forest, rows);
  });
});

describe('TreeExplainer on a depth-6 boosting model', () => {
  it('compiles every tree to leaf tables and explains the log-odds margin', () => {
    const e = new TreeExplainer(boosting);
    expect(e.treesCompiled).toBe(boosting.trees.length);
    expect(e.outputSpace).toBe('log-odds');
  });

  it('equals the recursion, adds up to the margin, incl. missing and unseen values', () => {
    const rows = encodeDataset(boosting, heldOut(300, 6));
    expect(rows.missingRows).toBeGreaterThan(0);
    expectMatchesReference(boosting, rows);
  });

  it('converts to probability space by proportional scaling (sums to p − σ(E))', () => {
    const e = new TreeExplainer(boosting);
    const rows = encodeDataset(boosting, heldOut(50, 7));
    const values = e.shapBatch(rows);
    const p = predictEncoded(boosting, rows);
    for (let i = 0; i < rows.nRows; i++) {
      const c = logOddsToProbability(values, e.expectedValue, i * e.nFeatures, e.nFeatures);
      const sum = c.values.reduce((s, v) => s + v, 0);
      expect(c.probability).toBeCloseTo(p[i], 12);
      expect(c.base + sum).toBeCloseTo(p[i], 12);
      for (let f = 0; f < e.nFeatures; f++) {
        const v = values[i * e.nFeatures + f];
        if (v !== 0) expect(Math.sign(c.values[f])).toBe(Math.sign(v));
      }
    }
    // A zero total falls back to the slope at the expected margin.
    const flat = logOddsToProbability(Float64Array.of(0.5, -0.5), 0);
    expect(flat.values[0]).toBeCloseTo(0.125, 12);
    expect(flat.probability).toBe(0.5);
  });
});

describe('TreeExplainer input checks', () => {
  it('refuses rows of another width or out of range', () => {
    const e = new TreeExplainer(boosting);
    const rows = encodeDataset(boosting, heldOut(3, 8));
    expect(() => e.shapBatch({ ...rows, nFeatures: rows.nFeatures - 1 })).toThrow(/features/);
    expect(() => e.shap(rows.x, rows.x.length - 2)).toThrow(RangeError);
  });

  it('explains a model with no trees as its base value', () => {
    const empty: ChurnModel = { ...boosting, trees: [] };
    const e = new TreeExplainer(empty);
    expect(e.expectedValue).toBe(boosting.baseMargin);
    const rows = encodeDataset(empty, heldOut(2, 9));
    expect(Array.from(e.shapBatch(rows)).every((v) => v === 0)).toBe(true);
  });
});
