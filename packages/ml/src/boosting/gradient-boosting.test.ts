import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BinnedData, binDataset, fitBinning } from '../binning/bin-mapper.js';
import type { Dataset } from '../data/dataset.js';
import { generateCustomers } from '../synth/generator.js';
import { leafOfBinnedRow, type Tree } from '../tree/tree.js';
import { BOOSTING_DEFAULTS, type BoostingParams, baseMarginFor, trainBoosting } from './gradient-boosting.js';

const WORKER = fileURLToPath(new URL('../../dist/boosting/shard-worker.js', import.meta.url));

const params = (over: Partial<BoostingParams> = {}): BoostingParams => ({
  ...BOOSTING_DEFAULTS,
  nRounds: 10,
  threads: 1,
  ...over,
});
const binned = (ds: Dataset, from: Dataset = ds): BinnedData => binDataset(ds, fitBinning(from));
const customers = (rows: number, seed: number) => generateCustomers({ rows, seed });
const treesJson = (trees: readonly Tree[]): string =>
  JSON.stringify(trees, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));
const logit = (p: number) => Math.log(p / (1 - p));

/** Margins of every row after the given trees. */
function margins(data: BinnedData, base: number, trees: readonly Tree[]): Float64Array {
  const m = new Float64Array(data.nRows).fill(base);
  for (const t of trees)
    for (let i = 0; i < data.nRows; i++) m[i] += t.value[leafOfBinnedRow(t, data.bins, i * data.nFeatures)];
  return m;
}

describe('baseMarginFor', () => {
  it.each([
    { y: [0, 1, 1, 1], spw: 1, expected: Math.log(3) },
    { y: [0, 0, 1, 1], spw: 1, expected: 0 },
    { y: [0, 0, 0, 1], spw: 3, expected: 0 },
    { y: [0, 0, 0, 0, 1], spw: 2, expected: logit(2 / 6) },
    { y: [0, 0, 0], spw: 1, expected: logit(1e-7) },
    { y: [1, 1], spw: 1, expected: logit(1 - 1e-7) },
  ])('is the logit of the (weighted) mean label: $y, scale_pos_weight $spw', ({ y, spw, expected }) => {
    expect(baseMarginFor(Uint8Array.from(y), spw)).toBeCloseTo(expected, 12);
  });
});

describe('trainBoosting', () => {
  it('gives the XGBoost leaves −G/(H+λ)·η for one depth-1 round, computed by hand', async () => {
    // x = 1..10, y = 0 0 0 0 1 1 0 1 1 1: mean 0.5, so the base margin is 0, p = 0.5 for every row,
    // g = p − y = ±0.5 and h = p(1 − p) = 0.25. With λ = 1 and min_child_weight 1, the best cut
    // is x <= 4 (between 4 and 5): left G = 4·0.5 = 2, H = 1; right G = 3 − 5 = −2, H = 1.5.
    // Gain 2²/2 + 2²/2.5 − 0 = 3.6 (x <= 5 gives 2.0, x <= 6 gives 0.9, x <= 3 has H < 1).
    // Leaves: −2/(1+1)·0.3 = −0.3 and 2/(1.5+1)·0.3 = 0.24.
    const y = Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
    const ds: Dataset = {
      nRows: 10,
      columns: [{ kind: 'numeric', name: 'x', values: Float64Array.from({ length: 10 }, (_, i) => i + 1) }],
      target: y,
    };
    const p = params({ nRounds: 1, maxDepth: 1, learningRate: 0.3, lambda: 1, minChildWeight: 1 });
    const { trees, baseMargin } = await trainBoosting(binned(ds), y, p);
    expect(baseMargin).toBe(0);
    expect(trees).toHaveLength(1);
    const [t] = trees;
    expect(t.nNodes).toBe(3);
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(4.5);
    expect(t.gain[0]).toBeCloseTo(3.6, 12);
    expect(t.value[t.left[0]]).toBeCloseTo(-0.3, 14);
    expect(t.value[t.right[0]]).toBeCloseTo(0.24, 14);
    expect([t.cover[0], t.cover[t.left[0]], t.cover[t.right[0]]]).toEqual([2.5, 1, 1.5]);
  });

  it.each([
    { maxDepth: 3, scalePosWeight: 1, lambda: 1 },
    { maxDepth: 4, scalePosWeight: 3, lambda: 2 },
    { maxDepth: 12, scalePosWeight: 1, lambda: 0.5 },
  ])(
    'makes every leaf of every round −G/(H+λ)·η of that round’s gradients (depth $maxDepth, spw $scalePosWeight)',
    async (over) => {
      const ds = customers(600, 3);
      const data = binned(ds);
      const y = ds.target!;
      const p = params({ ...over, nRounds: 4, learningRate: 0.2, minChildWeight: 0.5 });
      const { trees, baseMargin } = await trainBoosting(data, y, p);
      expect(baseMargin).toBeCloseTo(baseMarginFor(y, over.scalePosWeight), 15);
      trees.forEach((tree, r) => {
        const m = margins(data, baseMargin, trees.slice(0, r));
        const G = new Float64Array(tree.nNodes);
        const H = new Float64Array(tree.nNodes);
        for (let i = 0; i < data.nRows; i++) {
          const q = sigmoid(m[i]);
          const w = y[i] ? over.scalePosWeight : 1;
          const leaf = leafOfBinnedRow(tree, data.bins, i * data.nFeatures);
          G[leaf] += (q - y[i]) * w;
          H[leaf] += Math.max(q * (1 - q), 1e-16) * w;
        }
        for (let k = 0; k < tree.nNodes; k++) {
          if (tree.feature[k] >= 0) continue;
          expect(tree.value[k]).toBeCloseTo((-G[k] / (H[k] + over.lambda)) * 0.2, 10);
          expect(tree.cover[k]).toBeCloseTo(H[k], 10);
        }
      });
    },
  );

  it('is deterministic: same data and parameters, same trees', async () => {
    const ds = customers(1500, 5);
    const data = binned(ds);
    const p = params({ nRounds: 8, maxDepth: 5 });
    const a = await trainBoosting(data, ds.target!, p);
    const b = await trainBoosting(data, ds.target!, p);
    expect(treesJson(b.trees)).toBe(treesJson(a.trees));
    expect(b.baseMargin).toBe(a.baseMargin);
  });

  it('stops early and keeps bestRound + 1 trees, the best prefix of the full run', async () => {
    const train = customers(1500, 8);
    const valid = customers(800, 9);
    const data = binned(train);
    const validation = { data: binned(valid, train), y: valid.target! };
    const p = params({
      nRounds: 300,
      learningRate: 0.6,
      maxDepth: 6,
      minChildWeight: 0,
      earlyStoppingRounds: 5,
    });
    const r = await trainBoosting(data, train.target!, p, validation);
    const losses = r.validationLoss;
    expect(r.trees.length).toBe(r.bestRound + 1);
    expect(r.trees.length).toBeLessThan(300);
    expect(losses).toHaveLength(r.bestRound + 1 + 5);
    expect(r.bestRound).toBe(losses.indexOf(Math.min(...losses)));
    // Each round's validation loss is the log-loss of the trees so far.
    const vm = margins(validation.data, r.baseMargin, r.trees);
    const loss = vm.reduce(
      (s, m, i) => s + Math.log1p(Math.exp(-Math.abs(m))) + Math.max(m, 0) - m * validation.y[i],
      0,
    );
    expect(loss / valid.nRows).toBeCloseTo(losses[r.bestRound], 12);
    // The kept trees are exactly those of a run of bestRound + 1 rounds without early stopping.
    const full = await trainBoosting(data, train.target!, {
      ...p,
      nRounds: r.bestRound + 1,
      earlyStoppingRounds: 0,
    });
    expect(treesJson(r.trees)).toBe(treesJson(full.trees));
    // Without a validation set early stopping cannot trigger.
    const noValid = await trainBoosting(data, train.target!, { ...p, nRounds: 12 });
    expect(noValid.trees).toHaveLength(12);
    expect(noValid.validationLoss).toEqual([]);
  });

  it.each([
    { subsample: 0.6, colsampleByTree: 1 },
    { subsample: 1, colsampleByTree: 0.5 },
    { subsample: 0.7, colsampleByTree: 0.3 },
  ])('subsamples (rows $subsample, columns $colsampleByTree) deterministically for a seed', async (over) => {
    const ds = customers(1500, 12);
    const data = binned(ds);
    const y = ds.target!;
    const p = params({ ...over, nRounds: 8, maxDepth: 4 });
    const a = await trainBoosting(data, y, { ...p, seed: 1 });
    const b = await trainBoosting(data, y, { ...p, seed: 1 });
    const c = await trainBoosting(data, y, { ...p, seed: 2 });
    expect(treesJson(b.trees)).toBe(treesJson(a.trees));
    expect(treesJson(c.trees)).not.toBe(treesJson(a.trees));
    const perTree = Math.max(1, Math.round(over.colsampleByTree * data.nFeatures));
    const used = new Set<number>();
    for (const t of a.trees) {
      const fs = new Set(Array.from(t.feature).filter((f) => f >= 0));
      expect(fs.size).toBeLessThanOrEqual(perTree);
      for (const f of fs) used.add(f);
    }
    if (over.colsampleByTree < 1) expect(used.size).toBeGreaterThan(perTree);
    // Training still fits: the log-loss after the rounds is below the base rate's.
    const m = margins(data, a.baseMargin, a.trees);
    const ll = (mm: number, yi: number) => Math.log1p(Math.exp(-Math.abs(mm))) + Math.max(mm, 0) - mm * yi;
    const after = m.reduce((s, mm, i) => s + ll(mm, y[i]), 0);
    const before = y.reduce((s, yi) => s + ll(a.baseMargin, yi), 0);
    expect(after).toBeLessThan(0.97 * before);
  });

  it('grows the same trees on 1 and 2 threads (20,000 rows)', async () => {
    if (!existsSync(WORKER)) {
      throw new Error(`${WORKER} is missing: build first with \`npx tsc -b packages/ml packages/server\``);
    }
    const ds = customers(20_000, 17);
    const data = binDataset(ds, fitBinning(ds), true);
    const p = params({ nRounds: 3, maxDepth: 6, subsample: 0.8 });
    const one = await trainBoosting(data, ds.target!, { ...p, threads: 1 });
    const two = await trainBoosting(data, ds.target!, { ...p, threads: 2 });
    expect(two.trees).toHaveLength(3);
    expect(treesJson(two.trees)).toBe(treesJson(one.trees));
  });
});
