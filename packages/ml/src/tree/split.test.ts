import { describe, expect, it } from 'vitest';
import { type BinnedData, type FeatureBinning, fitBinning, MISSING_BIN } from '../binning/bin-mapper.js';
import { Rng } from '../util/rng.js';
import { HIST_STRIDE, type Split, type SplitConstraints, searchFeature } from './split.js';

/*
 * searchFeature against a brute-force search computed straight from the rows: every feature,
 * every numeric cut (below, between and above the bins, so the missing rows alone are a candidate
 * as in XGBoost), every one-vs-rest or G/H-ordered prefix (categorical), and both missing
 * directions, with gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ).
 */

type FeatureSpec = { kind: 'numeric' | 'categorical'; nBins: number; missing: number };
/** Binned data, per-row gradients and the split constraints. */
interface Problem {
  data: BinnedData;
  g: Float64Array;
  h: Float64Array;
  c: SplitConstraints;
}

const SPECS: FeatureSpec[] = [
  { kind: 'numeric', nBins: 7, missing: 0.15 },
  { kind: 'numeric', nBins: 2, missing: 0 },
  { kind: 'numeric', nBins: 12, missing: 0.4 },
  { kind: 'categorical', nBins: 3, missing: 0.1 },
  { kind: 'categorical', nBins: 6, missing: 0 },
  { kind: 'categorical', nBins: 9, missing: 0.2 },
];

/** The fitted binning of a numeric feature with values 0..nBins-1 (one bin each). */
const numericBinning = (name: string, nBins: number): FeatureBinning => {
  const values = Float64Array.from({ length: nBins }, (_, k) => k);
  return fitBinning({ nRows: nBins, columns: [{ kind: 'numeric', name, values }] })[0];
};

function randomData(rng: Rng, n: number, specs: FeatureSpec[]): BinnedData {
  const nF = specs.length;
  const features = specs.map((s, f): FeatureBinning => {
    const nBins = s.nBins;
    if (s.kind === 'numeric') return numericBinning(`x${f}`, nBins);
    const categories = Array.from({ length: nBins }, (_, k) => `k${k}`);
    return { kind: 'categorical', name: `c${f}`, categories, nBins, otherBin: -1 };
  });
  const bins = new Uint8Array(n * nF);
  const cols = new Uint8Array(n * nF);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < nF; f++) {
      const b = rng.next() < specs[f].missing ? MISSING_BIN : rng.int(specs[f].nBins);
      bins[i * nF + f] = b;
      cols[f * n + i] = b;
    }
  return { features, nRows: n, nFeatures: nF, bins, cols };
}

/** Gradients of the two criteria: Gini (g = y·w, h = w, λ = 0) and Newton (log-loss, λ = 1). */
function gradients(rng: Rng, data: BinnedData, setting: 'gini' | 'newton') {
  const n = data.nRows;
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Some signal on features 0 and 4 so that real splits exist.
    const b0 = data.bins[i * data.nFeatures];
    const b4 = data.bins[i * data.nFeatures + 4];
    const y = rng.next() < 0.2 + (b0 === MISSING_BIN ? 0.3 : b0 * 0.08) + (b4 % 3 === 0 ? 0.2 : 0) ? 1 : 0;
    const w = 1 + rng.int(3);
    const p = 0.05 + 0.9 * rng.next();
    g[i] = setting === 'gini' ? y * w : p - y;
    h[i] = setting === 'gini' ? w : p * (1 - p);
  }
  return { g, h, lambda: setting === 'gini' ? 0 : 1 };
}

const score = (g: number, h: number, lambda: number) => (g * g) / (h + lambda);
const sums = (rows: number[], g: Float64Array, h: Float64Array) =>
  rows.reduce(([a, b], i) => [a + g[i], b + h[i]], [0, 0]);

/** Gain of sending rows left by `goesLeft(bin)`, from the rows; null when a child is empty or too light. */
function rowGain({ data, g, h, c }: Problem, f: number, rows: number[], goesLeft: (bin: number) => boolean) {
  const left = rows.filter((i) => goesLeft(data.bins[i * data.nFeatures + f]));
  const [G, H] = sums(rows, g, h);
  const [GL, HL] = sums(left, g, h);
  if (left.length === 0 || left.length === rows.length) return null;
  if (HL < c.minChildWeight || H - HL < c.minChildWeight) return null;
  return { gain: score(GL, HL, c.lambda) + score(G - GL, H - HL, c.lambda) - score(G, H, c.lambda), GL, HL };
}

/** Best gain over every candidate split of feature f (−Infinity if none); whether it isolates the missing rows. */
function bruteForce(p: Problem, f: number, rows: number[]) {
  const { data, c } = p;
  const fb = data.features[f];
  const binOf = (i: number) => data.bins[i * data.nFeatures + f];
  const presentRows = rows.filter((i) => binOf(i) !== MISSING_BIN);
  const candidates: ((b: number) => boolean)[] = [];
  if (fb.kind === 'numeric') {
    for (let t = -1; t < fb.nBins; t++) candidates.push((b) => b <= t);
  } else {
    const present = [...new Set(presentRows.map(binOf))].sort((a, b) => a - b);
    if (present.length <= c.maxCatOneHot) {
      for (const k of present) candidates.push((b) => b === k);
    } else {
      const sumOf = (k: number) =>
        sums(
          presentRows.filter((i) => binOf(i) === k),
          p.g,
          p.h,
        );
      const ratios = new Map(present.map((k) => [k, sumOf(k)]));
      const ratio = (k: number) => ratios.get(k)![0] / (ratios.get(k)![1] + c.lambda);
      present.sort((a, b) => ratio(a) - ratio(b) || a - b);
      for (let k = 1; k < present.length; k++) {
        const left = new Set(present.slice(0, k));
        candidates.push((b) => left.has(b));
      }
    }
  }
  let best = Number.NEGATIVE_INFINITY;
  let missingAlone = false;
  for (const cand of candidates)
    for (const missingLeft of [false, true]) {
      const r = rowGain(p, f, rows, (b) => (b === MISSING_BIN ? missingLeft : cand(b)));
      if (r && r.gain > best) {
        best = r.gain;
        missingAlone = presentRows.every((i) => cand(binOf(i)) !== missingLeft);
      }
    }
  return { gain: best, missingAlone };
}

/** The left-going test of a split found by the engine. */
const splitGoesLeft =
  (s: Split) =>
  (b: number): boolean =>
    b === MISSING_BIN ? s.missingLeft : s.catBits ? (s.catBits[b >>> 5] & (1 << (b & 31))) !== 0 : b <= s.bin;

function histogram({ data, g, h }: Problem, rows: number[]): Float64Array {
  const hist = new Float64Array(data.nFeatures * HIST_STRIDE);
  for (const i of rows)
    for (let f = 0; f < data.nFeatures; f++) {
      const p = f * HIST_STRIDE + 2 * data.bins[i * data.nFeatures + f];
      hist[p] += g[i];
      hist[p + 1] += h[i];
    }
  return hist;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
const NO_SPLIT = { feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 };
const freshSplit = (gain: number): Split => ({ gain, ...NO_SPLIT });

/** Check searchFeature, feature by feature and over all features, against the brute force on a node's rows. */
function checkNode(p: Problem, rows: number[], tag: string) {
  const hist = histogram(p, rows);
  const [G, H] = sums(rows, p.g, p.h);
  const floor = 1e-12 * Math.max(1, H);
  const overall = freshSplit(floor);
  let bestBrute = floor;
  for (let f = 0; f < p.data.nFeatures; f++) {
    const best = freshSplit(floor);
    searchFeature(hist, f, p.data.features[f], G, H, p.c, best);
    searchFeature(hist, f, p.data.features[f], G, H, p.c, overall);
    const { gain: brute, missingAlone } = bruteForce(p, f, rows);
    bestBrute = Math.max(bestBrute, brute);
    const where = `${tag} rows=${rows.length} feature ${f}${missingAlone ? ' (best: the missing rows alone)' : ''}`;
    if (!(brute > floor)) {
      expect(best.feature, where).toBe(-1);
      continue;
    }
    expect(best.feature, `${where}: no split found, brute force ${brute}`).toBe(f);
    expect(close(best.gain, brute), `${where}: engine ${best.gain}, brute force ${brute}`).toBe(true);
    // The reported split, replayed on the rows, has the reported gain and left sums.
    const replay = rowGain(p, f, rows, splitGoesLeft(best));
    expect(replay, where).not.toBeNull();
    expect(close(replay!.gain, best.gain), where).toBe(true);
    expect(close(replay!.GL, best.leftG) && close(replay!.HL, best.leftH), where).toBe(true);
  }
  expect(close(overall.gain, bestBrute), tag).toBe(true);
}

const GRID = [
  { setting: 'gini', minChildWeight: 0, maxCatOneHot: 4, seed: 1 },
  { setting: 'gini', minChildWeight: 6, maxCatOneHot: 2, seed: 2 },
  { setting: 'gini', minChildWeight: 1, maxCatOneHot: 8, seed: 3 },
  { setting: 'newton', minChildWeight: 0, maxCatOneHot: 4, seed: 4 },
  { setting: 'newton', minChildWeight: 1, maxCatOneHot: 2, seed: 5 },
  { setting: 'newton', minChildWeight: 0.3, maxCatOneHot: 16, seed: 6 },
] as const;

describe('searchFeature', () => {
  it.each(GRID)('finds the brute-force best split ($setting, mcw $minChildWeight, ≤ $maxCatOneHot)', (q) => {
    const rng = new Rng(q.seed);
    for (const nRows of [15, 60, 300]) {
      const data = randomData(rng, nRows, SPECS);
      const { g, h, lambda } = gradients(rng, data, q.setting);
      const c = { lambda, minChildWeight: q.minChildWeight, maxCatOneHot: q.maxCatOneHot };
      const p = { data, g, h, c };
      // The node: all rows, then a random subset (as deeper nodes see).
      const all = Array.from({ length: nRows }, (_, i) => i);
      checkNode(p, all, `${q.setting} n=${nRows}`);
      const subset = all.filter(() => rng.next() < 0.4);
      checkNode(p, subset, `${q.setting} n=${nRows} subset`);
    }
  });

  it.each([1, 2, 3])('scans only the bins a node touches to the same numeric split (seed %i)', (seed) => {
    const rng = new Rng(seed);
    const data = randomData(rng, 40, SPECS);
    const { g, h, lambda } = gradients(rng, data, seed === 2 ? 'gini' : 'newton');
    const p = { data, g, h, c: { lambda, minChildWeight: 0, maxCatOneHot: 4 } };
    const rows = Array.from({ length: 40 }, (_, i) => i).filter(() => rng.next() < 0.5);
    const hist = histogram(p, rows);
    const [G, H] = sums(rows, g, h);
    for (const f of [0, 1, 2]) {
      const touched = Uint8Array.from(new Set(rows.map((i) => data.bins[i * data.nFeatures + f]))).sort();
      const [full, listed] = [freshSplit(0), freshSplit(0)];
      searchFeature(hist, f, data.features[f], G, H, p.c, full);
      searchFeature(hist, f, data.features[f], G, H, p.c, listed, touched, touched.length);
      expect(listed).toEqual(full);
    }
  });

  it('can send the missing values alone to one side of a numeric split whose node spans every bin', () => {
    // Bins 0, 1, 2 hold the negatives, the missing rows are the positives: the perfect split is
    // "missing vs the rest" (gain 0 + 2²/2 − 2²/5 = 1.2). XGBoost's backward scan finds it.
    const fb = numericBinning('x', 3);
    const hist = new Float64Array(HIST_STRIDE);
    [0, 1, 2, MISSING_BIN, MISSING_BIN].forEach((b, i) => {
      hist[2 * b] += i >= 3 ? 1 : 0;
      hist[2 * b + 1] += 1;
    });
    const best = freshSplit(1e-12);
    searchFeature(hist, 0, fb, 2, 5, { lambda: 0, minChildWeight: 0, maxCatOneHot: 4 }, best);
    expect(best.gain).toBeCloseTo(1.2, 12);
    expect([best.leftG, best.leftH]).toEqual(best.missingLeft ? [2, 2] : [0, 3]);
  });

  it('leaves `best` alone when no split beats it (a pure node)', () => {
    const data = randomData(new Rng(9), 30, SPECS);
    const p = { data, g: new Float64Array(30).fill(1), h: new Float64Array(30).fill(1) };
    const hist = histogram({ ...p, c: { lambda: 0, minChildWeight: 0, maxCatOneHot: 4 } }, [
      ...Array(30).keys(),
    ]);
    const best = freshSplit(1e-9);
    const c = { lambda: 0, minChildWeight: 0, maxCatOneHot: 4 };
    for (let f = 0; f < SPECS.length; f++) searchFeature(hist, f, data.features[f], 30, 30, c, best);
    expect(best).toEqual(freshSplit(1e-9));
  });
});
