import { describe, expect, it } from 'vitest';
import { type BinnedData, type FeatureBinning, fitBinning, MISSING_BIN } from '../binning/bin-mapper.js';
import { GrowWorkspace, growTree } from '../tree/grow.js';
import type { Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { ForestWorkspace, growForestTree } from './grow-forest-tree.js';

// growForestTree against growTree, the general grower (itself checked against a brute-force split
// search in tree/grow.test.ts): same bootstrap weights, labels and random stream → the same tree,
// bit for bit, including every feature draw.

/** [kind, bins, missing rate] of each feature (negative bin counts mark the categoricals). */
const FEATURES = [8, -5, 3, -10, 20, 255, -3, 60].map(
  (k, f) =>
    [k > 0 ? 'numeric' : 'categorical', Math.abs(k), [0.2, 0.1, 0, 0.15, 0.3, 0.05, 0, 0][f]] as const,
);

const numericBinning = (name: string, nBins: number): FeatureBinning =>
  fitBinning({
    nRows: nBins,
    columns: [{ kind: 'numeric', name, values: Float64Array.from({ length: nBins }, (_, i) => i) }],
  })[0];

/** Random binned rows whose label depends on a few features, and bootstrap weights (0 = out of bag). */
function problem(seed: number, n: number, bootstrap: boolean) {
  const rng = new Rng(seed);
  const nF = FEATURES.length;
  const features = FEATURES.map(([kind, nBins], f): FeatureBinning => {
    if (kind === 'numeric') return numericBinning(`x${f}`, nBins);
    return { kind, name: `c${f}`, nBins, categories: [...Array(nBins).keys()].map(String), otherBin: -1 };
  });
  const bins = new Uint8Array(n * nF);
  const cols = new Uint8Array(n * nF);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (const [f, [, nBins, missing]] of FEATURES.entries())
      bins[i * nF + f] = cols[f * n + i] = rng.next() < missing ? MISSING_BIN : rng.int(nBins);
    const [b0, b1, b5] = [bins[i * nF], bins[i * nF + 1], bins[i * nF + 5]];
    const risk = 0.1 + (b0 === MISSING_BIN ? 0.35 : 0.05 * b0) + (b1 === 2 ? 0.25 : 0) + (b5 < 40 ? 0.15 : 0);
    y[i] = rng.next() < risk ? 1 : 0;
  }
  const weight = new Float64Array(n);
  if (bootstrap) for (let k = 0; k < n; k++) weight[rng.int(n)] += 1;
  else weight.fill(1);
  return { data: { features, nRows: n, nFeatures: nF, bins, cols } as BinnedData, y, weight };
}

/** The same tree from growTree: g = weight·y, h = weight, lambda 0, the in-bag rows as the sample. */
function reference(p: ReturnType<typeof problem>, maxDepth: number, mcw: number, perNode: number, rng: Rng) {
  const { data, y, weight } = p;
  const g = Float64Array.from(weight, (w, i) => w * y[i]);
  const sample = Uint32Array.from([...weight.keys()].filter((i) => weight[i] > 0));
  const params = {
    maxDepth,
    lambda: 0,
    minChildWeight: mcw,
    maxCatOneHot: 4,
    minSplitGain: 0,
    featuresPerNode: perNode,
    leafValue: (gs: number, hs: number) => (hs > 0 ? gs / hs : 0),
  };
  const ws = new GrowWorkspace(data.nRows, data.nFeatures);
  return growTree(data, g, weight, sample, params, rng, null, ws).tree;
}

const json = (t: Tree): string =>
  JSON.stringify(t, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));

const GRID = [
  { n: 300, maxDepth: 6, mcw: 1, perNode: 3, bootstrap: true },
  { n: 900, maxDepth: 12, mcw: 1, perNode: 2, bootstrap: true },
  { n: 900, maxDepth: 10, mcw: 4, perNode: 3, bootstrap: true },
  { n: 600, maxDepth: 8, mcw: 1, perNode: 8, bootstrap: false },
  { n: 2000, maxDepth: 15, mcw: 1, perNode: 2, bootstrap: false },
  { n: 2000, maxDepth: 15, mcw: 2, perNode: 4, bootstrap: true },
];

describe('growForestTree', () => {
  it.each(GRID.flatMap((q) => [true, false].map((wasm) => ({ ...q, wasm }))))(
    'grows growTree’s tree (n $n, depth $maxDepth, min leaf $mcw, $perNode/node, bootstrap $bootstrap, WebAssembly $wasm)',
    (q) => {
      for (const seed of [1, 2, 3]) {
        const p = problem(seed * 7 + q.n, q.n, q.bootstrap);
        const ws = new ForestWorkspace(p.data, q.wasm);
        expect(ws.usesWasm).toBe(q.wasm);
        const params = { maxDepth: q.maxDepth, minSamplesLeaf: q.mcw, featuresPerNode: q.perNode };
        const [rng, refRng] = [new Rng(seed), new Rng(seed)];
        const tree = growForestTree(p.data, p.y, p.weight, params, rng, ws);
        // growTree takes 0 for "every feature, no draw".
        const expected = reference(p, q.maxDepth, q.mcw, q.perNode < FEATURES.length ? q.perNode : 0, refRng);
        expect(tree.nNodes).toBeGreaterThan(7);
        expect(json(tree)).toBe(json(expected));
        // The random stream is left where growTree leaves it (the draws of a next tree follow on).
        expect(rng.nextUint32()).toBe(refRng.nextUint32());
        // A workspace serves many trees: a second tree on it is the same as on a fresh one.
        const again = growForestTree(p.data, p.y, p.weight, params, new Rng(seed), ws);
        expect(json(again)).toBe(json(tree));
      }
    },
  );

  it('leaves a node whose rows are all of one class unsplit', () => {
    const p = problem(5, 800, true);
    const tree = growForestTree(
      p.data,
      p.y,
      p.weight,
      { maxDepth: 15, minSamplesLeaf: 1, featuresPerNode: 3 },
      new Rng(4),
      new ForestWorkspace(p.data),
    );
    let pure = 0;
    for (let k = 0; k < tree.nNodes; k++) {
      if (tree.value[k] !== 0 && tree.value[k] !== 1) continue;
      pure++;
      expect(tree.feature[k], `node ${k}`).toBe(-1);
    }
    expect(pure).toBeGreaterThan(10);
  });
});
