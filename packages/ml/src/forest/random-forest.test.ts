import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { binDataset, fitBinning } from '../binning/bin-mapper.js';
import type { Dataset } from '../data/dataset.js';
import { rocAuc } from '../metrics/index.js';
import { type ChurnModel, MODEL_FORMAT_VERSION } from '../model/model.js';
import { predictDataset } from '../model/predict.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { leafOfBinnedRow, type Tree, treeDepth } from '../tree/tree.js';
import { FOREST_DEFAULTS, type ForestParams, trainForest } from './random-forest.js';

const WORKER = fileURLToPath(new URL('../../dist/forest/forest-worker.js', import.meta.url));

function setup(rows: number, seed = 7) {
  const ds = generateCustomers({ rows, seed });
  const binning = fitBinning(ds);
  return { ds, binning, data: binDataset(ds, binning), y: ds.target! };
}

const params = (over: Partial<ForestParams>): ForestParams => ({
  ...FOREST_DEFAULTS,
  nTrees: 20,
  maxDepth: 8,
  threads: 1,
  ...over,
});

/** Trees as JSON, every typed array spelled out. */
const treesJson = (trees: readonly Tree[]): string =>
  JSON.stringify(trees, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));

/** A model object around trees, to score raw rows the way the server does. */
const forestModel = (binning: ChurnModel['binning'], trees: Tree[]): ChurnModel =>
  ({
    format: 'churn-model',
    formatVersion: MODEL_FORMAT_VERSION,
    algorithm: 'random-forest',
    schema: CUSTOMER_SCHEMA,
    binning,
    trees,
    baseMargin: 0,
    training: {} as ChurnModel['training'],
  }) satisfies ChurnModel;

describe('trainForest', () => {
  const small = setup(1500);

  it('grows identical trees for the same seed and different trees for another seed', async () => {
    const a = await trainForest(small.data, small.y, params({ seed: 3 }));
    const b = await trainForest(small.data, small.y, params({ seed: 3 }));
    const c = await trainForest(small.data, small.y, params({ seed: 4 }));
    expect(a.trees).toHaveLength(20);
    expect(treesJson(b.trees)).toBe(treesJson(a.trees));
    expect(Buffer.from(b.oobPrediction.buffer).equals(Buffer.from(a.oobPrediction.buffer))).toBe(true);
    expect(treesJson(c.trees)).not.toBe(treesJson(a.trees));
    // Trees within one forest differ too (each has its own bootstrap and feature draws).
    expect(treesJson([a.trees[0]])).not.toBe(treesJson([a.trees[1]]));
  });

  it('without bootstrap, makes each leaf the positive fraction of the training rows reaching it', async () => {
    const { data, y } = small;
    const { trees, oobPrediction } = await trainForest(data, y, params({ bootstrap: false, nTrees: 5 }));
    for (const tree of trees) {
      const pos = new Float64Array(tree.nNodes);
      const count = new Float64Array(tree.nNodes);
      for (let i = 0; i < data.nRows; i++) {
        const leaf = leafOfBinnedRow(tree, data.bins, i * data.nFeatures);
        pos[leaf] += y[i];
        count[leaf]++;
      }
      for (let k = 0; k < tree.nNodes; k++) {
        if (tree.feature[k] >= 0) continue;
        expect(count[k]).toBeGreaterThan(0);
        expect(tree.value[k]).toBeCloseTo(pos[k] / count[k], 12);
        expect(tree.cover[k]).toBe(count[k]);
      }
    }
    // Nothing is out of bag without a bootstrap.
    expect(oobPrediction.every((v) => Number.isNaN(v))).toBe(true);
  });

  it('scores the mean of the trees’ leaf fractions, a probability, on raw and binned rows alike', async () => {
    const { ds, binning, data, y } = small;
    const { trees } = await trainForest(data, y, params({ seed: 9 }));
    const p = predictDataset(forestModel(binning, trees), ds);
    for (let i = 0; i < ds.nRows; i++) {
      let s = 0;
      for (const t of trees) {
        const v = t.value[leafOfBinnedRow(t, data.bins, i * data.nFeatures)];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        s += v;
      }
      expect(p[i]).toBeCloseTo(s / trees.length, 12);
    }
    // Rows the forest has never seen, too (raw thresholds agree with the bins they came from).
    const fresh: Dataset = generateCustomers({ rows: 500, seed: 99 });
    const freshBins = binDataset(fresh, binning);
    const q = predictDataset(forestModel(binning, trees), fresh);
    for (let i = 0; i < fresh.nRows; i++) {
      const s = trees.reduce((acc, t) => acc + t.value[leafOfBinnedRow(t, freshBins.bins, i * 21)], 0);
      expect(q[i]).toBeCloseTo(s / trees.length, 12);
      expect(q[i] >= 0 && q[i] <= 1).toBe(true);
    }
  });

  it('gives out-of-bag predictions for (nearly) every row, with a useful AUC', async () => {
    const { data, y } = setup(3000, 21);
    const { oobPrediction } = await trainForest(data, y, params({ nTrees: 30, seed: 2 }));
    const ys: number[] = [];
    const ps: number[] = [];
    oobPrediction.forEach((v, i) => {
      if (Number.isNaN(v)) return;
      expect(v >= 0 && v <= 1).toBe(true);
      ys.push(y[i]);
      ps.push(v);
    });
    // A row is in all 30 bootstraps with probability 0.632^30 ≈ 1e-6.
    expect(ys.length).toBeGreaterThanOrEqual(2995);
    expect(rocAuc(ys, ps)).toBeGreaterThan(0.7);
  });

  it.each([
    { maxDepth: 1, minSamplesLeaf: 1, maxFeatures: 'sqrt' as const },
    { maxDepth: 4, minSamplesLeaf: 40, maxFeatures: 3 },
    { maxDepth: 12, minSamplesLeaf: 5, maxFeatures: 21 },
  ])('respects maxDepth $maxDepth and minSamplesLeaf $minSamplesLeaf', async (over) => {
    const { trees } = await trainForest(small.data, small.y, params({ ...over, nTrees: 6 }));
    for (const t of trees) {
      expect(treeDepth(t)).toBeLessThanOrEqual(over.maxDepth);
      expect(treeDepth(t)).toBeGreaterThan(0);
      // Cover is the bootstrap weight reaching a node.
      for (let k = 1; k < t.nNodes; k++) expect(t.cover[k]).toBeGreaterThanOrEqual(over.minSamplesLeaf);
    }
  });
});

describe('trainForest on worker threads (5,000 rows × 40 trees)', () => {
  const runs: { threads: number; result: Awaited<ReturnType<typeof trainForest>>; progress: number[] }[] = [];
  beforeAll(async () => {
    if (!existsSync(WORKER)) {
      throw new Error(`${WORKER} is missing: build first with \`npx tsc -b packages/ml packages/server\``);
    }
    const { data, y } = setup(5000, 11);
    const p = params({ nTrees: 40, maxDepth: 6, seed: 5 });
    expect(data.nRows * p.nTrees).toBeGreaterThanOrEqual(200_000);
    for (const threads of [1, 2, 3]) {
      const progress: number[] = [];
      const result = await trainForest(data, y, { ...p, threads }, (done) => progress.push(done));
      runs.push({ threads, result, progress });
    }
  }, 60_000);

  it('grows identical trees whatever the thread count', () => {
    const json = treesJson(runs[0].result.trees);
    for (const r of runs) expect(treesJson(r.result.trees), `${r.threads} threads`).toBe(json);
    for (const r of runs)
      expect(r.progress.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
  });

  it('gives the same out-of-bag predictions, bit for bit, whatever the thread count', () => {
    const [one, ...others] = runs.map((r) => r.result.oobPrediction);
    for (const [k, oob] of others.entries()) {
      const differ = oob.filter((v, i) => !Object.is(v, one[i])).length;
      expect(
        differ,
        `${runs[k + 1].threads} threads: ${differ} of 5000 OOB predictions differ from 1 thread`,
      ).toBe(0);
    }
  });
});
