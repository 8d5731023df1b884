import { describe, expect, it } from 'vitest';
import { type BinnedData, type FeatureBinning, fitBinning, MISSING_BIN } from '../binning/bin-mapper.js';
import { Rng } from '../util/rng.js';
import { type GrowParams, GrowWorkspace, growTree } from './grow.js';
import { leafOfBinnedRow, type Tree, treeDepth } from './tree.js';

// growTree on small random binned data, against sums and a brute-force split search on each node's rows.

type Setting = 'gini' | 'newton';
const range = (n: number) => [...Array(n).keys()];
/** [kind, bins, missing rate] of each feature (negative bin counts mark the categoricals). */
const FEATURES = [8, -5, 3, -10, 20].map(
  (k, f) => [k > 0 ? 'numeric' : 'categorical', Math.abs(k), [0.2, 0.1, 0, 0.15, 0.3][f]] as const,
);

/** The fitted binning of a numeric feature with values 0..nBins-1 (one bin each). */
const numericBinning = (name: string, nBins: number): FeatureBinning =>
  fitBinning({
    nRows: nBins,
    columns: [{ kind: 'numeric', name, values: Float64Array.from(range(nBins)) }],
  })[0];

function problem(seed: number, n: number, setting: Setting) {
  const [rng, nF] = [new Rng(seed), FEATURES.length];
  const features = FEATURES.map(([kind, nBins], f): FeatureBinning => {
    if (kind === 'numeric') return numericBinning(`x${f}`, nBins);
    return { kind, name: `c${f}`, nBins, categories: [...Array(nBins).keys()].map(String), otherBin: -1 };
  });
  const [bins, cols] = [new Uint8Array(n * nF), new Uint8Array(n * nF)];
  const [g, h] = [new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    for (const [f, [, nBins, missing]] of FEATURES.entries())
      bins[i * nF + f] = cols[f * n + i] = rng.next() < missing ? MISSING_BIN : rng.int(nBins);
    const [b0, b1, b4] = [bins[i * nF], bins[i * nF + 1], bins[i * nF + 4]];
    const risk = 0.15 + (b0 === MISSING_BIN ? 0.35 : 0.06 * b0) + (b1 === 2 ? 0.25 : 0) + (b4 < 5 ? 0.1 : 0);
    const [y, w, p] = [rng.next() < risk ? 1 : 0, 1 + rng.int(3), 0.1 + 0.8 * rng.next()];
    g[i] = setting === 'gini' ? y * w : p - y;
    h[i] = setting === 'gini' ? w : p * (1 - p);
  }
  return { data: { features, nRows: n, nFeatures: nF, bins, cols } as BinnedData, g, h, rng };
}

const BASE = { maxDepth: 5, minChildWeight: 0, maxCatOneHot: 4, minSplitGain: 0, featuresPerNode: 0 };
const giniLeaf = (gs: number, hs: number) => (hs > 0 ? gs / hs : 0);
const newtonLeaf = (gs: number, hs: number) => (-gs / (hs + 1)) * 0.3;
const KIND = { gini: { lambda: 0, leafValue: giniLeaf }, newton: { lambda: 1, leafValue: newtonLeaf } };
const params = (s: Setting, over: Partial<GrowParams> = {}): GrowParams => ({ ...BASE, ...KIND[s], ...over });

const score = (g: number, h: number, lambda: number) => (g * g) / (h + lambda);
const gainOf = (G: number, H: number, GL: number, HL: number, l: number) =>
  score(GL, HL, l) + score(G - GL, H - HL, l) - score(G, H, l);
type Data = ReturnType<typeof problem>;
const grow = ({ data, g, h }: Data, sample: Uint32Array | null, p: GrowParams, rng: Rng | null = null) =>
  growTree(data, g, h, sample, p, rng, null, new GrowWorkspace(data.nRows, data.nFeatures));
const sums = (rows: number[], g: Float64Array, h: Float64Array) =>
  rows.reduce(([a, b], i) => [a + g[i], b + h[i]], [0, 0]);
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/**
 * Brute-force best gain over every feature, numeric cut (below, between and above the bins: the
 * missing rows alone are a candidate, as in XGBoost) or category set, and missing direction.
 */
function bruteForce({ data, g, h }: Data, rows: number[], p: GrowParams): number {
  const [G, H] = sums(rows, g, h);
  let best = Number.NEGATIVE_INFINITY;
  for (let f = 0; f < data.nFeatures; f++) {
    const fb = data.features[f];
    const binOf = (i: number) => data.bins[i * data.nFeatures + f];
    const present = rows.filter((i) => binOf(i) !== MISSING_BIN);
    const sets: Set<number>[] = [];
    const cats = [...new Set(present.map(binOf))].sort((a, b) => a - b);
    if (fb.kind === 'numeric')
      for (let t = -1; t < fb.nBins; t++) sets.push(new Set([...Array(t + 1).keys()]));
    else if (cats.length <= p.maxCatOneHot) for (const k of cats) sets.push(new Set([k]));
    else {
      const ratio = new Map(
        cats.map((k) => [
          k,
          sums(
            present.filter((i) => binOf(i) === k),
            g,
            h,
          ),
        ]),
      );
      const r = (k: number) => ratio.get(k)![0] / (ratio.get(k)![1] + p.lambda);
      cats.sort((a, b) => r(a) - r(b) || a - b);
      for (let k = 1; k < cats.length; k++) sets.push(new Set(cats.slice(0, k)));
    }
    for (const set of sets)
      for (const missingLeft of [false, true]) {
        const left = rows.filter((i) => (binOf(i) === MISSING_BIN ? missingLeft : set.has(binOf(i))));
        const [GL, HL] = sums(left, g, h);
        if (left.length === 0 || left.length === rows.length) continue;
        if (HL < p.minChildWeight || H - HL < p.minChildWeight) continue;
        best = Math.max(best, gainOf(G, H, GL, HL, p.lambda));
      }
  }
  return best;
}

/** The rows reaching each node, and each node's depth, by walking the rows down the tree. */
function route(tree: Tree, data: BinnedData, rows: number[]) {
  const at = new Map<number, number[]>();
  const depth = new Map<number, number>([[0, 0]]);
  for (const i of rows) {
    let node = 0;
    for (;;) {
      (at.get(node) ?? at.set(node, []).get(node)!).push(i);
      if (tree.feature[node] < 0) break;
      const b = data.bins[i * data.nFeatures + tree.feature[node]];
      const off = tree.catOffset[node];
      const inCat = () => ((tree.catBits[off + (b >>> 5)] >>> (b & 31)) & 1) === 1;
      const left =
        b === MISSING_BIN ? tree.defaultLeft[node] === 1 : off >= 0 ? inCat() : b <= tree.thresholdBin[node];
      const child = left ? tree.left[node] : tree.right[node];
      depth.set(child, depth.get(node)! + 1);
      node = child;
    }
  }
  return { at, depth };
}

const SETTINGS: Setting[] = ['gini', 'newton'];
const ROOT_GRID = SETTINGS.flatMap((s) => [1, 2, 3, 4].map((seed) => ({ s, seed })));
const GRID = SETTINGS.flatMap((s) =>
  [0, 2].flatMap((perNode) => [false, true].map((sampled) => ({ s, perNode, sampled }))),
);
const sampleOf = (d: Data, share: number) =>
  Uint32Array.from(range(d.data.nRows).filter(() => d.rng.next() < share));

describe('growTree split choice', () => {
  it.each(ROOT_GRID)('picks the brute-force best root split ($s, seed $seed)', ({ s, seed }) => {
    const d = problem(seed, 120 + 60 * seed, s);
    const p = params(s, { maxDepth: 1, minChildWeight: seed === 3 ? 4 : 0 });
    const { tree } = grow(d, null, p);
    const brute = bruteForce(d, range(d.data.nRows), p);
    expect(brute).toBeGreaterThan(1e-9);
    expect(tree.feature[0]).toBeGreaterThanOrEqual(0);
    expect(close(tree.gain[0], brute), `root gain ${tree.gain[0]}, brute force ${brute}`).toBe(true);
  });

  it('isolates the missing rows at the root when missingness alone predicts the label', () => {
    // x has bins 0..3 on the negatives; the positives have x missing. The perfect depth-1 tree is
    // "x missing vs present" (XGBoost's backward scan finds it); no bin threshold can do as well.
    const [x, n] = [Uint8Array.from(range(40), (i) => (i < 30 ? i % 4 : MISSING_BIN)), 40];
    const data: BinnedData = { features: [numericBinning('x', 4)], nRows: n, nFeatures: 1, bins: x, cols: x };
    const d = {
      data,
      g: Float64Array.from(x, (b) => +(b === MISSING_BIN)),
      h: new Float64Array(n).fill(1),
      rng: new Rng(1),
    };
    const { tree } = grow(d, null, params('gini', { maxDepth: 1 }));
    expect([tree.value[tree.left[0]], tree.value[tree.right[0]]].sort()).toEqual([0, 1]);
  });

  it.each([0, 2])('splits every node at its brute-force best, on a sample (mcw %d)', (mcw) => {
    for (const s of SETTINGS) {
      const d = problem(7 + mcw, 500, s);
      const sample = sampleOf(d, 0.7);
      const p = params(s, { maxDepth: 5, minChildWeight: mcw });
      const { tree } = grow(d, sample, p);
      const { at, depth } = route(tree, d.data, [...sample]);
      for (const [node, rows] of at) {
        const H = sums(rows, d.g, d.h)[1];
        const brute = bruteForce(d, rows, p);
        const where = `${s} node ${node} (${rows.length} rows): ${tree.gain[node]} vs brute force ${brute}`;
        if (tree.feature[node] >= 0) expect(close(tree.gain[node], brute), where).toBe(true);
        else if (depth.get(node)! < p.maxDepth && rows.length >= 2 && H >= 2 * mcw)
          expect(brute, `leaf: ${where}`).toBeLessThanOrEqual(1e-12 * Math.max(1, H));
      }
    }
  });
});

describe('growTree structure', () => {
  it.each(GRID)('leaves partition the sample; values from sums ($s, $perNode/node, $sampled)', (q) => {
    const d = problem(q.perNode + (q.sampled ? 10 : 20), 400, q.s);
    const sample = q.sampled ? sampleOf(d, 0.6) : null;
    const p = params(q.s, { maxDepth: 6, featuresPerNode: q.perNode });
    const { tree, rows, leafNodes, leafStart, leafEnd } = grow(d, sample, p, new Rng(5));
    const expected = sample ? [...sample] : range(400);
    expect([...rows].sort((a, b) => a - b)).toEqual(expected);
    const leaves = range(tree.nNodes).filter((k) => tree.feature[k] < 0);
    expect([...leafNodes].sort((a, b) => a - b)).toEqual(leaves);
    // The leaf ranges tile [0, m) without overlap.
    const ranges = leafNodes.map((_, j) => [leafStart[j], leafEnd[j]]).sort((a, b) => a[0] - b[0]);
    ranges.forEach(([start, end], j) => {
      expect(start).toBe(j === 0 ? 0 : ranges[j - 1][1]);
      expect(end).toBeGreaterThan(start);
    });
    expect(ranges[ranges.length - 1][1]).toBe(expected.length);
    leafNodes.forEach((leaf, j) => {
      const mine = [...rows.subarray(leafStart[j], leafEnd[j])];
      for (const i of mine) expect(leafOfBinnedRow(tree, d.data.bins, i * d.data.nFeatures)).toBe(leaf);
      const [G, H] = sums(mine, d.g, d.h);
      expect(close(tree.value[leaf], p.leafValue(G, H)), `leaf ${leaf} value`).toBe(true);
      expect(close(tree.cover[leaf], H), `leaf ${leaf} cover`).toBe(true);
    });
    // Every internal node's recorded gain is what its split achieves on its rows.
    const { at } = route(tree, d.data, expected);
    for (let k = 0; k < tree.nNodes; k++) {
      if (tree.feature[k] < 0) continue;
      const [G, H] = sums(at.get(k)!, d.g, d.h);
      const [GL, HL] = sums(at.get(tree.left[k]) ?? [], d.g, d.h);
      expect(close(tree.gain[k], gainOf(G, H, GL, HL, p.lambda)), `node ${k}`).toBe(true);
      expect(tree.gain[k]).toBeGreaterThan(0);
    }
  });

  it.each([0, 1, 2, 4, 7])('respects maxDepth %i', (maxDepth) => {
    for (const s of SETTINGS) {
      const { tree } = grow(problem(31, 600, s), null, params(s, { maxDepth }));
      expect(treeDepth(tree)).toBeLessThanOrEqual(maxDepth);
      expect(treeDepth(tree) > 0).toBe(maxDepth > 0);
    }
  });

  it.each([0, 2])('gives every child at least minChildWeight (%d features per node)', (perNode) => {
    for (const s of SETTINGS) {
      const mcw = s === 'gini' ? 25 : 6;
      const d = problem(41, 600, s);
      const p = params(s, { maxDepth: 8, minChildWeight: mcw, featuresPerNode: perNode });
      const { tree } = grow(d, null, p, new Rng(1));
      expect(tree.nNodes).toBeGreaterThan(3);
      for (let k = 1; k < tree.nNodes; k++) expect(tree.cover[k]).toBeGreaterThanOrEqual(mcw);
      const heavy = params(s, { minChildWeight: tree.cover[0] / 2 + 1 });
      expect(grow(d, null, heavy).tree.nNodes).toBe(1);
    }
  });

  it.each(GRID)('missing → the heavier child where a node saw none ($s, $perNode/node, $sampled)', (q) => {
    const d = problem(51 + q.perNode, 500, q.s);
    const sample = q.sampled ? sampleOf(d, 0.5) : null;
    const { tree } = grow(d, sample, params(q.s, { maxDepth: 7, featuresPerNode: q.perNode }), new Rng(2));
    const { at } = route(tree, d.data, sample ? [...sample] : range(500));
    let checked = 0;
    for (let k = 0; k < tree.nNodes; k++) {
      const f = tree.feature[k];
      if (f < 0 || at.get(k)!.some((i) => d.data.bins[i * d.data.nFeatures + f] === MISSING_BIN)) continue;
      checked++;
      const heavierLeft = tree.cover[tree.left[k]] >= tree.cover[tree.right[k]];
      expect(tree.defaultLeft[k] === 1, `node ${k}`).toBe(heavierLeft);
    }
    expect(checked).toBeGreaterThan(0);
  });
});
