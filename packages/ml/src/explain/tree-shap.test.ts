import { describe, expect, it } from 'vitest';
import type { FeatureBinning } from '../binning/bin-mapper.js';
import type { Dataset } from '../data/dataset.js';
import type { ChurnModel } from '../model/model.js';
import { encodeDataset } from '../model/predict.js';
import { trainModel } from '../model/train.js';
import { inferSchema } from '../schema/infer-schema.js';
import { treeOfArrays } from '../tree/random-tree.fixture.js';
import type { Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { bruteForceTreeShap, coalitionValue } from './brute-force.js';
import { buildClosingLayout } from './closing-layout.js';
import { ClosingTreeShap } from './closing-shap.js';
import { TreeExplainer } from './tree-explainer.js';
import { treeExpectedValue } from './tree-paths.js';
import { treeShapRecursive } from './tree-shap-recursive.js';

/*
 * Every algorithm against Shapley values by definition (all coalitions enumerated, the value of a
 * coalition being the cover-weighted conditional expectation), on random hand-made trees with
 * repeated features, categorical splits and missing values, and on small trained models.
 */

const N_FEATURES = 6;
/** Features 4 and 5 are categorical (category index, 8 categories); the others numeric. */
const CATEGORICAL = new Set([4, 5]);

/** A random tree of the given depth (leaves may come early) with consistent covers. */
function randomTree(rng: Rng, depth: number, options: { zeroCover?: boolean } = {}): Tree {
  const [feature, threshold, left, right, defaultLeft, catOffset, catBits, value, cover] = Array.from(
    { length: 9 },
    (): number[] => [],
  );
  const grow = (d: number): number => {
    const n = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    defaultLeft.push(rng.next() < 0.5 ? 1 : 0);
    catOffset.push(-1);
    value.push(rng.next() * 4 - 2);
    cover.push(0);
    if (d === depth || (d > 1 && rng.next() < 0.15)) {
      cover[n] = options.zeroCover && rng.next() < 0.2 ? 0 : 1 + rng.int(20);
      return n;
    }
    const f = rng.int(N_FEATURES);
    feature[n] = f;
    if (CATEGORICAL.has(f)) {
      catOffset[n] = catBits.length;
      catBits.push(1 + rng.int(254), 0, 0, 0, 0, 0, 0, 0);
    } else threshold[n] = rng.int(5) + 0.5;
    left[n] = grow(d + 1);
    right[n] = grow(d + 1);
    cover[n] = cover[left[n]] + cover[right[n]];
    return n;
  };
  grow(0);
  return treeOfArrays({ feature, threshold, left, right, defaultLeft, catOffset, catBits, value, cover });
}

/** Random rows: numbers on the thresholds' grid, category indices 0..7, and NaN now and then. */
function randomRows(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n * N_FEATURES);
  for (let i = 0; i < x.length; i++) {
    const f = i % N_FEATURES;
    x[i] = rng.next() < 0.12 ? Number.NaN : CATEGORICAL.has(f) ? rng.int(8) : rng.int(6);
  }
  return x;
}

/** A model around hand-made trees, so TreeExplainer can explain them. */
function modelOf(trees: Tree[], algorithm: ChurnModel['algorithm']): ChurnModel {
  const features = Array.from({ length: N_FEATURES }, (_, f) =>
    CATEGORICAL.has(f)
      ? { kind: 'categorical' as const, name: `f${f}`, categories: 'abcdefgh'.split('') }
      : { kind: 'numeric' as const, name: `f${f}` },
  );
  return {
    format: 'churn-model',
    formatVersion: 1,
    algorithm,
    schema: { features },
    binning: features.map(
      (s): FeatureBinning =>
        s.kind === 'categorical'
          ? { kind: 'categorical', name: s.name, categories: s.categories, nBins: 8, otherBin: -1 }
          : ({ kind: 'numeric', name: s.name, thresholds: new Float64Array(0), nBins: 1 } as FeatureBinning),
    ),
    trees,
    baseMargin: algorithm === 'gradient-boosting' ? -0.7 : 0,
    training: {} as ChurnModel['training'],
  };
}

const worstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((w, v, i) => Math.max(w, Math.abs(v - b[i])), 0);

describe('brute-force Shapley values', () => {
  it('add up from the expected value to the prediction, and give unused features 0', () => {
    const rng = new Rng(3);
    const t = randomTree(rng, 4);
    const x = randomRows(rng, 20);
    for (let i = 0; i < 20; i++) {
      const phi = bruteForceTreeShap(t, x, i * N_FEATURES, N_FEATURES);
      const all = coalitionValue(t, x, i * N_FEATURES, () => true);
      expect(phi.reduce((s, v) => s + v, 0)).toBeCloseTo(all - treeExpectedValue(t), 12);
      for (let f = 0; f < N_FEATURES; f++) if (!t.feature.includes(f)) expect(phi[f]).toBe(0);
    }
  });
});

describe('TreeSHAP on random trees equals brute force', () => {
  const rng = new Rng(11);
  // Depths 1-6 (tables + recursion), 9 (more than 256 nodes: the polynomial algorithm), zero covers.
  const cases = [
    ...Array.from({ length: 24 }, (_, k) => ({ depth: 1 + (k % 6), zeroCover: false })),
    { depth: 9, zeroCover: false },
    { depth: 9, zeroCover: false },
    { depth: 5, zeroCover: true },
    { depth: 8, zeroCover: true },
    // Deep trees over few features: many edges where several features close at once.
    { depth: 12, zeroCover: false },
    { depth: 12, zeroCover: true },
  ];
  const trees = cases.map((c) => randomTree(rng, c.depth, c));
  const rows = randomRows(rng, 12);

  it('the reference recursion (Algorithm 2)', () => {
    let worst = 0;
    for (const t of trees) {
      for (let i = 0; i < 12; i++) {
        const phi = new Float64Array(N_FEATURES);
        treeShapRecursive(t, rows, i * N_FEATURES, phi);
        worst = Math.max(worst, worstDiff(phi, bruteForceTreeShap(t, rows, i * N_FEATURES, N_FEATURES)));
      }
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('the polynomial (closing-point) algorithm', () => {
    const fast = new ClosingTreeShap(trees, N_FEATURES);
    const { closeStart, meta } = fast.layout;
    let multiClosing = 0;
    for (let n = 0; n < meta.length; n++) if (closeStart[n + 1] - closeStart[n] >= 3) multiClosing++;
    expect(multiClosing).toBeGreaterThan(10);
    let worst = 0;
    trees.forEach((t, k) => {
      for (let i = 0; i < 12; i++) {
        const phi = new Float64Array(N_FEATURES);
        fast.addTree(k, rows, i * N_FEATURES, phi, 0, 1);
        worst = Math.max(worst, worstDiff(phi, bruteForceTreeShap(t, rows, i * N_FEATURES, N_FEATURES)));
      }
    });
    expect(worst).toBeLessThan(1e-9);
    // All trees in one call, scaled, equals the scaled sum of the trees' brute-force values.
    for (let i = 0; i < 12; i++) {
      const all = new Float64Array(N_FEATURES + 2);
      fast.addTrees(0, trees.length, rows, i * N_FEATURES, all, 1, 0.25);
      const want = new Float64Array(N_FEATURES + 2);
      for (const t of trees) {
        const phi = bruteForceTreeShap(t, rows, i * N_FEATURES, N_FEATURES);
        for (let f = 0; f < N_FEATURES; f++) want[1 + f] += 0.25 * phi[f];
      }
      expect(worstDiff(all, want)).toBeLessThan(1e-9);
    }
  });

  it('the polynomial algorithm on a layout in shared memory, by ranges of trees', () => {
    const own = new ClosingTreeShap(trees, N_FEATURES);
    const layout = buildClosingLayout(trees, N_FEATURES, true);
    for (const a of [layout.meta, layout.split, layout.closeCover, layout.closeFeature, layout.roots])
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(layout.closeCover)).toEqual(Array.from(own.layout.closeCover));
    const shared = new ClosingTreeShap(layout, N_FEATURES);
    expect(shared.nTrees).toBe(trees.length);
    const mid = trees.length >> 1;
    for (let i = 0; i < 12; i++) {
      const whole = new Float64Array(N_FEATURES);
      own.addTrees(0, trees.length, rows, i * N_FEATURES, whole, 0, 1);
      // Two ranges, as two threads take them, add up to the same values, bit for bit.
      const parts = new Float64Array(N_FEATURES);
      shared.addTrees(0, mid, rows, i * N_FEATURES, parts, 0, 1);
      const rest = new Float64Array(N_FEATURES);
      shared.addTrees(mid, trees.length, rows, i * N_FEATURES, rest, 0, 1);
      for (let f = 0; f < N_FEATURES; f++) parts[f] += rest[f];
      const split = new Float64Array(N_FEATURES);
      own.addTrees(0, mid, rows, i * N_FEATURES, split, 0, 1);
      const splitRest = new Float64Array(N_FEATURES);
      own.addTrees(mid, trees.length, rows, i * N_FEATURES, splitRest, 0, 1);
      for (let f = 0; f < N_FEATURES; f++) split[f] += splitRest[f];
      expect(Array.from(parts)).toEqual(Array.from(split));
      expect(worstDiff(parts, whole)).toBeLessThan(1e-12);
    }
  });

  it('TreeExplainer (compiled leaf tables and polynomial), in both output spaces', () => {
    for (const algorithm of ['gradient-boosting', 'random-forest'] as const) {
      const model = modelOf(trees, algorithm);
      const explainer = new TreeExplainer(model);
      expect(explainer.treesCompiled).toBeGreaterThan(0);
      expect(explainer.treesByPolynomial).toBeGreaterThan(0);
      const scale = algorithm === 'random-forest' ? 1 / trees.length : 1;
      let worst = 0;
      for (let i = 0; i < 12; i++) {
        const want = new Float64Array(N_FEATURES);
        for (const t of trees) {
          const phi = bruteForceTreeShap(t, rows, i * N_FEATURES, N_FEATURES);
          for (let f = 0; f < N_FEATURES; f++) want[f] += scale * phi[f];
        }
        worst = Math.max(worst, worstDiff(explainer.shap(rows, i * N_FEATURES), want));
      }
      expect(worst).toBeLessThan(1e-9);
    }
  });
});

/** A small table with integer, fractional and categorical features, missing values and a target. */
function smallTable(rows: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const color = new Int32Array(rows);
  const tier = new Int32Array(rows);
  const target = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    a[i] = rng.next() < 0.08 ? Number.NaN : rng.int(7);
    b[i] = Math.round(rng.next() * 100) / 100;
    color[i] = rng.next() < 0.06 ? -1 : rng.int(6);
    tier[i] = rng.int(3);
    const logit =
      (Number.isNaN(a[i]) ? 1 : 0.4 * (a[i] - 3)) +
      2 * (b[i] - 0.5) +
      (color[i] % 2 ? 0.8 : -0.6) -
      0.5 * tier[i];
    target[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return {
    nRows: rows,
    columns: [
      { kind: 'numeric', name: 'a', values: a },
      { kind: 'numeric', name: 'b', values: b },
      { kind: 'categorical', name: 'color', codes: color, categories: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'] },
      { kind: 'categorical', name: 'tier', codes: tier, categories: ['t0', 't1', 't2'] },
    ],
    target,
    targetName: 'y',
  };
}

describe('TreeSHAP on small trained models equals brute force', () => {
  for (const algorithm of ['random-forest', 'gradient-boosting'] as const) {
    it(`${algorithm}: every tree, recursion and explainer, with missing and categorical values`, async () => {
      const table = smallTable(600, 5);
      const model = await trainModel(table, inferSchema(table), {
        algorithm,
        forest: { nTrees: 4, maxDepth: 8, threads: 1 },
        boosting: { nRounds: 6, maxDepth: 4, threads: 1, maxCatOneHot: 2 },
      });
      const hasCategoricalSplit = model.trees.some((t) => t.catOffset.some((o) => o >= 0));
      expect(hasCategoricalSplit).toBe(true);
      const rows = encodeDataset(model, smallTable(40, 6));
      expect(rows.missingRows).toBeGreaterThan(0);
      const nF = rows.nFeatures;
      const scale = algorithm === 'random-forest' ? 1 / model.trees.length : 1;
      const explainer = new TreeExplainer(model);
      let worst = 0;
      for (let i = 0; i < rows.nRows; i++) {
        const want = new Float64Array(nF);
        for (const t of model.trees) {
          const brute = bruteForceTreeShap(t, rows.x, i * nF, nF);
          const phi = new Float64Array(nF);
          treeShapRecursive(t, rows.x, i * nF, phi);
          worst = Math.max(worst, worstDiff(phi, brute));
          for (let f = 0; f < nF; f++) want[f] += scale * brute[f];
        }
        worst = Math.max(worst, worstDiff(explainer.shap(rows.x, i * nF), want));
      }
      expect(worst).toBeLessThan(1e-9);
    });
  }
});
