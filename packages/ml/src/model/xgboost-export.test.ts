import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ParityOutput, XGBoostHarness } from '../../test/xgboost-harness.js';
import type { Column, Dataset } from '../data/dataset.js';
import { TreeExplainer } from '../explain/tree-explainer.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { inferSchema } from '../schema/infer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { leafOfRow, type Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import type { ChurnModel } from './model.js';
import { type EncodedRows, encodeDataset, predictEncoded } from './predict.js';
import { trainModel } from './train.js';
import {
  exportXGBoostJson,
  float32AtOrBelow,
  float32Text,
  nextFloat32Up,
  toXGBoostJsonString,
  type XGBoostModelJson,
  xgboostSplitCondition,
} from './xgboost-export.js';

/*
 * Parity with the real XGBoost: export, load with the venv's xgboost (bench/python/xgb_parity.py),
 * and compare leaf indices and probabilities row by row (for the forest also pred_contribs against
 * our TreeSHAP, which the export is meant to reproduce). Needs Python + xgboost via
 * scripts/pyenv.sh; when they are unavailable the suite fails (it does not skip).
 */

const TOLERANCE = 1e-6;

let xgb: XGBoostHarness;

beforeAll(() => {
  // Throws (failing the suite) when the venv cannot be created; may install on a cold machine.
  xgb = XGBoostHarness.start('churn-xgb-export-');
}, 900_000);

afterAll(() => {
  xgb?.close();
});

/** Asserts identical leaves in every tree and probabilities within TOLERANCE; returns the max diff. */
function expectParity(model: ChurnModel, rows: EncodedRows, out: ParityOutput): number {
  const ours = predictEncoded(model, rows);
  expect(out.probabilities).toHaveLength(rows.nRows);
  const leaves = out.leaves!;
  expect(leaves).toHaveLength(rows.nRows);
  const leafMismatches: string[] = [];
  let maxDiff = 0;
  for (let i = 0; i < rows.nRows; i++) {
    model.trees.forEach((t, k) => {
      const leaf = leafOfRow(t, rows.x, i * rows.nFeatures);
      if (leaves[i][k] !== leaf && leafMismatches.length < 10) {
        const row = Array.from(rows.x.subarray(i * rows.nFeatures, (i + 1) * rows.nFeatures));
        leafMismatches.push(`row ${i} tree ${k}: ours ${leaf}, xgboost ${leaves[i][k]} [${row.join(', ')}]`);
      }
    });
    maxDiff = Math.max(maxDiff, Math.abs(out.probabilities[i] - ours[i]));
  }
  expect(leafMismatches).toEqual([]);
  expect(maxDiff).toBeLessThan(TOLERANCE);
  return maxDiff;
}

/** The nodes one encoded row visits from the root to its leaf (the walk of `leafOfRow`). */
function pathOf(t: Tree, x: Float64Array, offset: number): number[] {
  const path = [0];
  let node = 0;
  while (t.feature[node] >= 0) {
    const v = x[offset + t.feature[node]];
    const o = t.catOffset[node];
    const left = Number.isNaN(v)
      ? t.defaultLeft[node] === 1
      : o >= 0
        ? (t.catBits[o + (v >>> 5)] & (1 << (v & 31))) !== 0
        : v <= t.threshold[node];
    node = left ? t.left[node] : t.right[node];
    path.push(node);
  }
  if (node !== leafOfRow(t, x, offset)) throw new Error('pathOf disagrees with leafOfRow');
  return path;
}

/** Copies of rows[base] with feature f set to each value, appended to `out`. */
function pushProbes(out: number[], rows: EncodedRows, base: number, f: number, values: number[]): void {
  const nF = rows.nFeatures;
  for (const v of values) {
    const row = Array.from(rows.x.subarray(base * nF, (base + 1) * nF));
    row[f] = v;
    out.push(...row);
  }
}

/**
 * Rows that sit on the model's split points: for every split, a row reaching that node gets the
 * split feature replaced by the float32 values on either side of the threshold (and the
 * threshold itself when float32 represents it), or by every category and missing.
 */
function thresholdProbes(model: ChurnModel, rows: EncodedRows): EncodedRows {
  const nF = rows.nFeatures;
  const x: number[] = [];
  for (const t of model.trees) {
    // The first row reaching each node.
    const reach = new Int32Array(t.nNodes).fill(-1);
    for (let i = 0; i < rows.nRows; i++) {
      for (const node of pathOf(t, rows.x, i * nF)) if (reach[node] < 0) reach[node] = i;
    }
    for (let node = 0; node < t.nNodes; node++) {
      const f = t.feature[node];
      if (f < 0) continue;
      const base = Math.max(0, reach[node]);
      const fb = model.binning[f];
      if (t.catOffset[node] >= 0 && fb.kind === 'categorical') {
        pushProbes(x, rows, base, f, [...Array.from({ length: fb.nBins }, (_, b) => b), Number.NaN]);
        continue;
      }
      const thr = t.threshold[node];
      const below = float32AtOrBelow(thr);
      const values = [below, nextFloat32Up(below), -nextFloat32Up(-below), Number.NaN];
      if (Math.fround(thr) === thr) values.push(thr);
      pushProbes(x, rows, base, f, values);
    }
  }
  return {
    x: Float64Array.from(x),
    nRows: x.length / nF,
    nFeatures: nF,
    missingRows: 0,
    unseenCategories: {},
  };
}

function concatRows(a: EncodedRows, b: EncodedRows): EncodedRows {
  const x = new Float64Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  return { ...a, x, nRows: a.nRows + b.nRows };
}

/** Held-out customers with extra missing values, a missing category and an unseen category. */
function heldOutCustomers(): Dataset {
  const ds = generateCustomers({ rows: 400, seed: 11 });
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'categorical' && c.name === 'payment_method') {
      const codes = Int32Array.from(c.codes);
      const unseen = c.categories.length;
      for (let i = 0; i < codes.length; i++) {
        if (i % 13 === 0) codes[i] = unseen;
        else if (i % 17 === 0) codes[i] = -1;
      }
      return { ...c, codes, categories: [...c.categories, 'crypto_wallet'] };
    }
    if (c.kind === 'categorical' && c.name === 'favorite_category') {
      const codes = Int32Array.from(c.codes);
      for (let i = 5; i < codes.length; i += 19) codes[i] = -1;
      return { ...c, codes };
    }
    if (c.kind === 'numeric' && (c.name === 'days_since_last_order' || c.name === 'total_orders')) {
      const values = Float64Array.from(c.values);
      for (let i = 3; i < values.length; i += 11) values[i] = Number.NaN;
      return { ...c, values };
    }
    return c;
  });
  return { ...ds, columns };
}

const COLORS = ['red', 'orange', 'yellow', 'green', 'blue', 'indigo', 'violet', 'black'];
const COLOR_RISK = [1.6, -1.2, 1.1, -1.5, 0.9, -0.8, 1.3, -1.4];
const TIERS = ['bronze', 'silver', 'gold'];
const TIER_RISK = [0.9, -0.2, -1.1];
const R_VALUES = [0.1, 0.2, 0.3, 0.7];

/**
 * A small hand-made table: integer `x` (thresholds at .5), `r` with thresholds float32 cannot
 * represent (0.15000000000000002, ...), `z` in {-1, 1} (threshold 0), an 8-category `color`
 * (sorted-subset splits) and a 3-category `tier` (one-vs-rest splits), with missing values.
 */
function smallTable(rows: number, seed: number, withTarget: boolean): Dataset {
  const rng = new Rng(seed);
  const x = new Float64Array(rows);
  const r = new Float64Array(rows);
  const z = new Float64Array(rows);
  const color = new Int32Array(rows);
  const tier = new Int32Array(rows);
  const target = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i] = rng.next() < 0.06 ? Number.NaN : 1 + rng.int(6);
    r[i] = R_VALUES[rng.int(R_VALUES.length)];
    z[i] = rng.next() < 0.5 ? -1 : 1;
    color[i] = rng.next() < 0.05 ? -1 : rng.int(COLORS.length);
    tier[i] = rng.int(TIERS.length);
    const logit =
      (Number.isNaN(x[i]) ? 0.8 : 0.45 * (x[i] - 3.5)) +
      2.2 * (r[i] - 0.3) +
      0.6 * z[i] +
      (color[i] < 0 ? 0 : COLOR_RISK[color[i]]) +
      TIER_RISK[tier[i]];
    target[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return {
    nRows: rows,
    columns: [
      { kind: 'numeric', name: 'x', values: x },
      { kind: 'numeric', name: 'r', values: r },
      { kind: 'numeric', name: 'z', values: z },
      { kind: 'categorical', name: 'color', codes: color, categories: COLORS },
      { kind: 'categorical', name: 'tier', codes: tier, categories: TIERS },
    ],
    target: withTarget ? target : undefined,
    targetName: 'churned',
  };
}

/**
 * Held-out rows for the small table on a grid of edge values: exactly on the .5 thresholds, on
 * either side of zero (incl. -0 and the smallest float32 subnormal), float32 neighbours of the
 * r thresholds, out-of-range values, missing values, an unseen color and a missing color.
 */
function smallEdgeRows(model: ChurnModel, n: number): EncodedRows {
  const rng = new Rng(99);
  const rThresholds = [0.15000000000000002, 0.25, 0.5];
  const rGrid = [...R_VALUES, ...rThresholds.flatMap((t) => [float32AtOrBelow(t), xgboostSplitCondition(t)])];
  const xGrid = [0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, Number.NaN];
  const zGrid = [-1, -0, 0, 1.401298464324817e-45, -1.401298464324817e-45, 1, Number.NaN];
  const colors = [...COLORS, 'ultraviolet'];
  const pick = <T>(a: readonly T[]): T => a[rng.int(a.length)];
  const x = new Float64Array(n);
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const color = new Int32Array(n);
  const tier = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = pick(xGrid);
    r[i] = rng.next() < 0.05 ? Number.NaN : pick(rGrid);
    z[i] = pick(zGrid);
    color[i] = rng.next() < 0.08 ? -1 : rng.int(colors.length);
    tier[i] = rng.next() < 0.05 ? -1 : rng.int(TIERS.length);
  }
  const ds: Dataset = {
    nRows: n,
    columns: [
      { kind: 'numeric', name: 'x', values: x },
      { kind: 'numeric', name: 'r', values: r },
      { kind: 'numeric', name: 'z', values: z },
      { kind: 'categorical', name: 'color', codes: color, categories: colors },
      { kind: 'categorical', name: 'tier', codes: tier, categories: TIERS },
    ],
  };
  return encodeDataset(model, ds);
}

const popcount = (bits: Uint32Array, offset: number): number => {
  let c = 0;
  for (let w = 0; w < 8; w++) for (let v = bits[offset + w]; v; v &= v - 1) c++;
  return c;
};

describe('xgboostSplitCondition', () => {
  it('makes x < c (float32) agree with x <= threshold (float64) for float32 inputs', () => {
    const rng = new Rng(5);
    const thresholds = [0, -0, 0.5, 1.5, -2.5, 0.1, 0.15000000000000002, 1e-40, -1e-40, 3.4e38, -3.4e38];
    for (let i = 0; i < 2000; i++) {
      const scale = 10 ** (rng.int(20) - 10);
      thresholds.push((rng.next() - 0.5) * scale, Math.fround((rng.next() - 0.5) * scale));
    }
    const bad: string[] = [];
    for (const t of thresholds) {
      const c = xgboostSplitCondition(t);
      if (Math.fround(c) !== c || !(c > t)) bad.push(`threshold ${t}: condition ${c}`);
      const below = float32AtOrBelow(t);
      const probes = [below, -nextFloat32Up(-below), c, nextFloat32Up(c), Math.fround(t)];
      for (const v of probes) if (v < c !== v <= t) bad.push(`threshold ${t}, input ${v}`);
    }
    expect(bad).toEqual([]);
  });

  it('uses the next float32 for representable thresholds and caps at the float32 range', () => {
    expect(xgboostSplitCondition(1.5)).toBe(1.5000001192092896);
    expect(xgboostSplitCondition(0)).toBe(1.401298464324817e-45);
    expect(xgboostSplitCondition(-0)).toBe(1.401298464324817e-45);
    expect(xgboostSplitCondition(0.15000000000000002)).toBe(Math.fround(0.15000000000000002));
    expect(xgboostSplitCondition(1e39)).toBe(3.4028234663852886e38);
    expect(xgboostSplitCondition(-1e39)).toBe(-3.4028234663852886e38);
    expect(() => xgboostSplitCondition(Number.NaN)).toThrow(/NaN/);
  });
});

describe('float32Text', () => {
  it('writes the shortest text that reads back as the same float32, never a bare integer', () => {
    expect(float32Text(0)).toBe('0.0');
    expect(float32Text(-0)).toBe('-0.0');
    expect(float32Text(2)).toBe('2.0');
    expect(float32Text(1.401298464324817e-45)).toBe('1e-45');
    expect(float32Text(0.2459554374217987)).toBe('0.24595544');
    expect(float32Text(3.4028234663852886e38)).toBe('3.4028235e+38');
    const rng = new Rng(8);
    const bad: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = Math.fround((rng.next() - 0.5) * 10 ** (rng.int(60) - 30));
      const text = float32Text(v);
      const digits = text
        .replace(/^-/, '')
        .replace(/e.*$/, '')
        .replace('.', '')
        .replace(/^0+|0+$/g, '');
      if (Math.fround(Number(text)) !== v || !/[.e]/.test(text) || digits.length > 9) bad.push(v);
    }
    expect(bad).toEqual([]);
  });
});

describe('exportXGBoostJson', () => {
  let customers: ChurnModel;
  let small: ChurnModel;

  beforeAll(async () => {
    const ds = generateCustomers({ rows: 3000, seed: 3 });
    customers = await trainModel(ds, CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 30, maxDepth: 4, threads: 1 },
    });
    const table = smallTable(800, 21, true);
    small = await trainModel(table, inferSchema(table), {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 25, maxDepth: 3, learningRate: 0.3, minChildWeight: 0.5, threads: 1 },
    });
  });

  it('mirrors the structure of an XGBoost JSON model', () => {
    const doc: XGBoostModelJson = exportXGBoostJson(customers);
    const { learner } = doc;
    expect(doc.version).toHaveLength(3);
    expect(learner.feature_names).toEqual(customers.binning.map((b) => b.name));
    expect(learner.feature_types.filter((t) => t === 'c')).toHaveLength(3);
    expect(learner.feature_types.filter((t) => t === 'float')).toHaveLength(customers.binning.length - 3);
    expect(learner.objective.name).toBe('binary:logistic');
    expect(learner.learner_model_param).toMatchObject({
      num_class: '0',
      num_target: '1',
      num_feature: String(customers.binning.length),
    });
    // base_score: probability space, float32, at most 9 significant digits (XGBoost 1.7 silently
    // replaces a longer string by the default 0.5).
    const baseScoreText = learner.learner_model_param.base_score;
    expect(baseScoreText).toMatch(/^\d(\.\d{1,8})?E-?\d+$/);
    expect(Math.fround(Number(baseScoreText))).toBe(Math.fround(1 / (1 + Math.exp(-customers.baseMargin))));
    const gb = learner.gradient_booster.model;
    expect(gb.trees).toHaveLength(customers.trees.length);
    expect(gb.gbtree_model_param.num_trees).toBe(String(customers.trees.length));
    expect(gb.tree_info).toEqual(new Array(customers.trees.length).fill(0));
    expect(gb.iteration_indptr).toEqual(Array.from({ length: customers.trees.length + 1 }, (_, i) => i));
    const t0 = gb.trees[0];
    const n = customers.trees[0].nNodes;
    for (const key of [
      'split_indices',
      'split_conditions',
      'left_children',
      'right_children',
      'parents',
      'default_left',
      'split_type',
      'base_weights',
      'loss_changes',
      'sum_hessian',
    ] as const) {
      expect(t0[key]).toHaveLength(n);
    }
    expect(t0.parents[0]).toBe(2147483647);
    expect(t0.tree_param.num_nodes).toBe(String(n));
    // Leaves carry their value in split_conditions.
    for (let i = 0; i < n; i++) {
      if (t0.left_children[i] === -1)
        expect(t0.split_conditions[i]).toBe(Math.fround(customers.trees[0].value[i]));
    }
  });

  it('writes every float of the trees as a JSON float, never as a bare integer', () => {
    const text = toXGBoostJsonString(customers);
    // The same document once floats are read back as float32.
    const asF32 = (_k: string, v: unknown) => (typeof v === 'number' ? Math.fround(v) : v);
    expect(JSON.parse(text, asF32)).toEqual(JSON.parse(JSON.stringify(exportXGBoostJson(customers)), asF32));
    for (const key of ['split_conditions', 'base_weights', 'loss_changes', 'sum_hessian']) {
      const arrays = [...text.matchAll(new RegExp(`"${key}":\\[([^\\]]*)\\]`, 'g'))].map((m) => m[1]);
      expect(arrays).toHaveLength(customers.trees.length);
      for (const a of arrays) for (const v of a.split(',')) expect(v).toMatch(/[.e]/);
    }
  });

  it('predicts like XGBoost on held-out customers, split points, missing and unseen categories', () => {
    const heldOut = encodeDataset(customers, heldOutCustomers());
    expect(heldOut.missingRows).toBeGreaterThan(0);
    expect(heldOut.unseenCategories.payment_method).toBeGreaterThan(0);
    const rows = concatRows(heldOut, thresholdProbes(customers, heldOut));
    const out = xgb.run('customers', customers, rows, [
      '--leaves',
      '--contribs',
      '--resave',
      xgb.path('customers.resaved.json'),
    ]);
    expectParity(customers, rows, out);

    // pred_contribs: one column per feature plus the bias, summing to the margin.
    const ours = predictEncoded(customers, rows);
    const contribs = out.contribs!;
    expect(contribs).toHaveLength(rows.nRows);
    let worst = 0;
    for (let i = 0; i < rows.nRows; i++) {
      expect(contribs[i]).toHaveLength(customers.binning.length + 1);
      const margin = contribs[i].reduce((s, v) => s + v, 0);
      worst = Math.max(worst, Math.abs(margin - Math.log(ours[i] / (1 - ours[i]))));
    }
    expect(worst).toBeLessThan(1e-4);

    // save_model round trip: same predictions, and XGBoost kept the structure we wrote.
    expect(out.resave!.max_abs_diff).toBe(0);
    const resaved = JSON.parse(
      readFileSync(out.resave!.path, 'utf8').replace(/\bNaN\b/g, 'null'),
    ) as XGBoostModelJson;
    // XGBoost kept our intercept (3.x writes it as a one-element vector, "[2.13E-1]").
    const kept = Number(resaved.learner.learner_model_param.base_score.replace(/[[\]]/g, ''));
    expect(Math.fround(kept)).toBe(Math.fround(1 / (1 + Math.exp(-customers.baseMargin))));
    const ours2 = exportXGBoostJson(customers).learner.gradient_booster.model.trees;
    const theirs = resaved.learner.gradient_booster.model.trees;
    expect(theirs).toHaveLength(ours2.length);
    theirs.forEach((t, k) => {
      const o = ours2[k];
      expect(t.split_indices).toEqual(o.split_indices);
      expect(t.left_children).toEqual(o.left_children);
      expect(t.right_children).toEqual(o.right_children);
      expect(t.default_left).toEqual(o.default_left);
      expect(t.split_type).toEqual(o.split_type);
      expect(t.categories_nodes).toEqual(o.categories_nodes);
      expect(t.categories).toEqual(o.categories);
      t.split_conditions.forEach((c, i) => {
        if (o.split_type[i] === 0) expect(Math.fround(c)).toBe(o.split_conditions[i]);
      });
    });
  });

  it('matches XGBoost on values exactly at thresholds and both kinds of categorical split', () => {
    // The fixture must exercise what it is for: both categorical split styles and the thresholds.
    const colorF = small.binning.findIndex((b) => b.name === 'color');
    const tierF = small.binning.findIndex((b) => b.name === 'tier');
    let subsetSplits = 0;
    let oneVsRestSplits = 0;
    const thresholds = new Set<number>();
    for (const t of small.trees) {
      for (let i = 0; i < t.nNodes; i++) {
        if (t.feature[i] < 0) continue;
        if (t.catOffset[i] < 0) thresholds.add(t.threshold[i]);
        else if (t.feature[i] === colorF && popcount(t.catBits, t.catOffset[i]) >= 2) subsetSplits++;
        else if (t.feature[i] === tierF && popcount(t.catBits, t.catOffset[i]) === 1) oneVsRestSplits++;
      }
    }
    expect(subsetSplits).toBeGreaterThan(0);
    expect(oneVsRestSplits).toBeGreaterThan(0);
    expect(thresholds.has(0)).toBe(true);
    expect([...thresholds].some((t) => Math.fround(t) !== t)).toBe(true);
    expect([...thresholds].some((t) => t % 1 === 0.5)).toBe(true);

    const edge = smallEdgeRows(small, 1500);
    expect(edge.unseenCategories.color).toBeGreaterThan(0);
    const rows = concatRows(edge, thresholdProbes(small, edge));
    const out = xgb.run('small', small, rows, ['--leaves']);
    expectParity(small, rows, out);
  });
});

describe('exportXGBoostJson of a random forest', () => {
  let forest: ChurnModel;

  beforeAll(async () => {
    forest = await trainModel(generateCustomers({ rows: 3000, seed: 5 }), CUSTOMER_SCHEMA, {
      algorithm: 'random-forest',
      forest: { nTrees: 10, maxDepth: 8, threads: 1 },
    });
  });

  /**
   * Held-out customers (missing values, unseen categories) as float32. The split points
   * themselves are probed on boosting above: both learners' splits are exported by the same code.
   */
  function float32Rows(): EncodedRows {
    const rows = encodeDataset(forest, heldOutCustomers());
    // XGBoost reads float32; the export's splits agree with ours on every float32 input.
    for (let i = 0; i < rows.x.length; i++) rows.x[i] = Math.fround(rows.x[i]);
    return rows;
  }

  it('writes the mean of the trees as a margin: no intercept, no logistic, weights / trees', () => {
    const doc = exportXGBoostJson(forest);
    const { learner } = doc;
    expect(learner.objective.name).toBe('reg:squarederror');
    expect(Number(learner.learner_model_param.base_score)).toBe(0);
    const trees = learner.gradient_booster.model.trees;
    const nTrees = forest.trees.length;
    expect(trees).toHaveLength(nTrees);
    forest.trees.forEach((t, k) => {
      const x = trees[k];
      for (let i = 0; i < t.nNodes; i++) {
        expect(x.base_weights[i]).toBe(Math.fround(t.value[i] / nTrees));
        // Bootstrap weights are small integers: float32 holds them exactly, so XGBoost's
        // TreeSHAP weighs the branches as ours does.
        expect(x.sum_hessian[i]).toBe(t.cover[i]);
        if (t.feature[i] < 0) expect(x.split_conditions[i]).toBe(x.base_weights[i]);
      }
    });

    // The exported leaves of a row add up to our probability (up to their float32 rounding).
    const rows = float32Rows();
    const ours = predictEncoded(forest, rows);
    let worst = 0;
    for (let i = 0; i < rows.nRows; i++) {
      let sum = 0;
      forest.trees.forEach((t, k) => {
        sum += trees[k].split_conditions[leafOfRow(t, rows.x, i * rows.nFeatures)];
      });
      worst = Math.max(worst, Math.abs(sum - ours[i]));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('predicts our probability and pred_contribs gives our SHAP values, in XGBoost', () => {
    const rows = float32Rows();
    expect(rows.missingRows).toBeGreaterThan(0);
    expect(rows.unseenCategories.payment_method).toBeGreaterThan(0);
    // reg:squarederror: XGBoost's prediction is the margin, which must be our probability.
    const out = xgb.run('forest', forest, rows, ['--leaves', '--contribs']);
    expectParity(forest, rows, out);

    const explainer = new TreeExplainer(forest);
    expect(explainer.outputSpace).toBe('probability');
    const values = explainer.shapBatch(rows);
    const nF = rows.nFeatures;
    const contribs = out.contribs!;
    expect(contribs).toHaveLength(rows.nRows);
    let worst = 0;
    let worstBias = 0;
    let nonZero = 0;
    for (let i = 0; i < rows.nRows; i++) {
      expect(contribs[i]).toHaveLength(nF + 1);
      for (let f = 0; f < nF; f++) {
        worst = Math.max(worst, Math.abs(contribs[i][f] - values[i * nF + f]));
        if (Math.abs(contribs[i][f]) > 1e-3) nonZero++;
      }
      worstBias = Math.max(worstBias, Math.abs(contribs[i][nF] - explainer.expectedValue));
    }
    expect(nonZero).toBeGreaterThan(rows.nRows * 5);
    expect(worst).toBeLessThan(1e-5);
    expect(worstBias).toBeLessThan(1e-5);
  });
});
