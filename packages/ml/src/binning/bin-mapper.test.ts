import { describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import {
  binColumn,
  binDataset,
  categoryBinLookup,
  type FeatureBinning,
  fitBinning,
  fitNumericBins,
  MAX_BINS,
  MISSING_BIN,
  numericBin,
} from './bin-mapper.js';

const num = (name: string, values: number[]): Column => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values),
});
const cat = (name: string, categories: string[], codes: number[]): Column => ({
  kind: 'categorical',
  name,
  categories,
  codes: Int32Array.from(codes),
});
const table = (columns: Column[]): Dataset => ({ nRows: columns.length ? rowsOf(columns[0]) : 0, columns });
const rowsOf = (c: Column): number => (c.kind === 'numeric' ? c.values.length : c.codes.length);

/** `n` seeded integers ~ round(N(0, scale²)) (about 5·scale distinct), a share of them missing. */
function randomValues(n: number, scale: number, seed: number, missingRate = 0): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () =>
    rng.next() < missingRate ? Number.NaN : Math.round(rng.normal() * scale),
  );
}

describe('fitNumericBins', () => {
  it.each([
    { n: 10_000, scale: 50_000, seed: 1 },
    { n: 3_000, scale: 400, seed: 2 },
    { n: 256, scale: 1e9, seed: 3 },
    { n: 50_000, scale: 1e6, seed: 4 },
  ])('never makes more than 255 bins (n=$n, scale=$scale)', ({ n, scale, seed }) => {
    const t = fitNumericBins(randomValues(n, scale, seed));
    expect(t.length + 1).toBeLessThanOrEqual(MAX_BINS);
    expect(t.length).toBeGreaterThan(100);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]);
  });

  it.each([
    { values: [3, 1, 2, 2, 3, 1], distinct: [1, 2, 3] },
    { values: [-5, 10, 0.25, 10, Number.NaN, -5], distinct: [-5, 0.25, 10] },
    { values: [7, 7, 7], distinct: [7] },
    { values: [0, 1], distinct: [0, 1] },
    // Neighbouring doubles and huge magnitudes: the midpoint must still separate the values.
    { values: [1 + 2 ** -52, 1 + 2 ** -51], distinct: [1 + 2 ** -52, 1 + 2 ** -51] },
    { values: [1e308, 1.5e308], distinct: [1e308, 1.5e308] },
  ])(
    'gives one bin per value, bounded by midpoints, for few distinct values ($distinct)',
    ({ values, distinct }) => {
      const t = fitNumericBins(Float64Array.from(values));
      expect(t).toHaveLength(distinct.length - 1);
      for (const [i, v] of distinct.entries()) expect(numericBin(t, v), `bin of ${v}`).toBe(i);
      // The bounds sit between the neighbours (exactly midway when that is representable).
      for (let i = 0; i + 1 < distinct.length; i++) {
        expect(t[i]).toBeGreaterThanOrEqual(distinct[i]);
        expect(t[i]).toBeLessThan(distinct[i + 1]);
        const mid = (distinct[i] + distinct[i + 1]) / 2;
        if (mid > distinct[i] && mid < distinct[i + 1] && Number.isFinite(mid)) expect(t[i]).toBe(mid);
      }
    },
  );

  it('returns no bounds for an all-missing column', () => {
    expect(fitNumericBins(Float64Array.from([Number.NaN, Number.NaN])).length).toBe(0);
  });

  it('honours a smaller maxBins', () => {
    const t = fitNumericBins(randomValues(5000, 1e6, 5), 16);
    expect(t.length + 1).toBeLessThanOrEqual(16);
    expect(t.length + 1).toBeGreaterThanOrEqual(12);
  });

  it.each([
    { heavy: 0.5, share: 0.3 },
    { heavy: -3, share: 0.05 },
    { heavy: 1e6, share: 0.5 },
  ])('gives a heavy repeated value ($heavy, $share of rows) a bin of its own', ({ heavy, share }) => {
    const rng = new Rng(11);
    const values = Float64Array.from({ length: 20_000 }, () =>
      rng.next() < share ? heavy : Math.round(rng.normal() * 1e6) / 1e3,
    );
    const t = fitNumericBins(values);
    const b = numericBin(t, heavy);
    // Nothing but the heavy value falls into its bin.
    for (const v of values) if (v !== heavy) expect(numericBin(t, v)).not.toBe(b);
  });

  it('spreads rows over bins roughly evenly (equal-frequency cuts)', () => {
    const values = randomValues(25_500, 1e7, 8);
    const t = fitNumericBins(values);
    const counts = new Array(t.length + 1).fill(0);
    for (const v of values) counts[numericBin(t, v)]++;
    expect(Math.max(...counts)).toBeLessThanOrEqual(3 * (values.length / counts.length));
  });
});

describe('numericBin', () => {
  const t = Float64Array.from([-1, 0, 2.5, 10]);
  it.each([
    [Number.NEGATIVE_INFINITY, 0],
    [-1.5, 0],
    [-1, 0],
    [-0.999, 1],
    [0, 1],
    [1e-300, 2],
    [2.5, 2],
    [9.99, 3],
    [10, 3],
    [10.000001, 4],
    [Number.POSITIVE_INFINITY, 4],
    [Number.NaN, MISSING_BIN],
  ])('bins %d as %d', (v, bin) => {
    expect(numericBin(t, v)).toBe(bin);
  });

  it('agrees with a linear scan of the bounds (v <= bound) on random values and on every bound', () => {
    const rng = new Rng(3);
    const bounds = fitNumericBins(randomValues(5000, 1e5, 9));
    const probe = [...bounds, ...Array.from({ length: 2000 }, () => rng.normal() * 1e5)];
    for (const v of probe) {
      let expected = bounds.length;
      for (let j = 0; j < bounds.length; j++)
        if (v <= bounds[j]) {
          expected = j;
          break;
        }
      expect(numericBin(bounds, v)).toBe(expected);
    }
  });

  it('never leaves a bin of the fitted bounds empty of training values', () => {
    const values = randomValues(4000, 500, 12, 0.05);
    const bounds = fitNumericBins(values);
    const used = new Set<number>();
    for (const v of values) used.add(numericBin(bounds, v));
    used.delete(MISSING_BIN);
    expect(used.size).toBe(bounds.length + 1);
  });
});

describe('binColumn', () => {
  it.each([
    { name: 'no bounds', bounds: [] as number[] },
    { name: 'four bounds', bounds: [-1, 0, 2.5, 10] },
    { name: 'fitted bounds (254)', bounds: Array.from(fitNumericBins(randomValues(20_000, 1e4, 5))) },
    { name: '127 and 128 bounds', bounds: Array.from({ length: 128 }, (_, k) => k * 3 - 100) },
  ])('bins every value as numericBin does: $name', ({ bounds }) => {
    const t = Float64Array.from(bounds);
    const rng = new Rng(4);
    const probe = Float64Array.from([
      ...bounds,
      ...bounds.map((b) => b + 1e-9),
      ...Array.from({ length: 3000 }, () => rng.normal() * 1e4),
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      -0,
      0,
    ]);
    const out = new Uint8Array(probe.length);
    binColumn(t, probe, out);
    expect(Array.from(out)).toEqual(Array.from(probe, (v) => numericBin(t, v)));
  });
});

describe('categorical binning', () => {
  it('gives one bin per category in dictionary order, and -1 codes the missing bin', () => {
    const ds = table([cat('c', ['a', 'b', 'c'], [2, 0, -1, 1, 2])]);
    const [fb] = fitBinning(ds);
    expect(fb).toMatchObject({
      kind: 'categorical',
      name: 'c',
      categories: ['a', 'b', 'c'],
      nBins: 3,
      otherBin: -1,
    });
    const binned = binDataset(ds, [fb]);
    expect(Array.from(binned.cols)).toEqual([2, 0, MISSING_BIN, 1, 2]);
  });

  it('maps categories by name through another dictionary; unseen ones go to the missing bin', () => {
    const fb = fitBinning(table([cat('c', ['a', 'b', 'c'], [0, 1, 2])]))[0] as FeatureBinning & {
      kind: 'categorical';
    };
    expect(Array.from(categoryBinLookup(fb, ['c', 'zzz', 'a', 'b']))).toEqual([2, MISSING_BIN, 0, 1]);
    const other = table([cat('c', ['c', 'new', 'a'], [0, 1, 2, -1])]);
    expect(Array.from(binDataset(other, [fb]).cols)).toEqual([2, MISSING_BIN, 0, MISSING_BIN]);
  });

  it('keeps the 254 most frequent of many categories and puts the rest in a shared last bin', () => {
    const k = 300;
    const categories = Array.from({ length: k }, (_, i) => `v${i}`);
    // Category i appears (i % 7 === 0 ? 3 : 1) times, so the multiples of 7 are the most frequent.
    const codes: number[] = [];
    for (let i = 0; i < k; i++) for (let r = 0; r < (i % 7 === 0 ? 3 : 1); r++) codes.push(i);
    const fb = fitBinning(table([cat('c', categories, codes)]))[0] as FeatureBinning & {
      kind: 'categorical';
    };
    expect(fb.nBins).toBe(MAX_BINS);
    expect(fb.otherBin).toBe(MAX_BINS - 1);
    expect(fb.categories).toHaveLength(MAX_BINS - 1);
    for (let i = 0; i < k; i += 7) expect(fb.categories).toContain(`v${i}`);
    const lookup = categoryBinLookup(fb, [...categories, 'never-seen']);
    const dropped = categories.filter((c) => !fb.categories.includes(c));
    expect(dropped).toHaveLength(k - (MAX_BINS - 1));
    for (const c of dropped) expect(lookup[categories.indexOf(c)]).toBe(fb.otherBin);
    expect(lookup[k]).toBe(fb.otherBin);
  });
});

describe('binDataset', () => {
  it.each([false, true])('fills row-major bins equal to the column-major cols (shared=%s)', (shared) => {
    const rng = new Rng(21);
    const n = 997;
    const columns: Column[] = [
      { kind: 'numeric', name: 'x', values: randomValues(n, 300, 1, 0.1) },
      cat(
        'c',
        ['p', 'q', 'r', 's'],
        Array.from({ length: n }, () => rng.int(5) - 1),
      ),
      { kind: 'numeric', name: 'y', values: randomValues(n, 5, 2, 0.3) },
      { kind: 'numeric', name: 'z', values: randomValues(n, 1e6, 3) },
    ];
    const ds = table(columns);
    const features = fitBinning(ds);
    const d = binDataset(ds, features, shared);
    expect(d.bins.buffer instanceof SharedArrayBuffer).toBe(shared);
    expect(d.cols.buffer instanceof SharedArrayBuffer).toBe(shared);
    expect(d.nRows).toBe(n);
    expect(d.nFeatures).toBe(4);
    for (let i = 0; i < n; i++) for (let f = 0; f < 4; f++) expect(d.bins[i * 4 + f]).toBe(d.cols[f * n + i]);
    // And each cell is the bin of its raw value.
    for (let i = 0; i < n; i++) {
      const x = columns[0] as { values: Float64Array };
      expect(d.cols[i]).toBe(
        numericBin((features[0] as { thresholds: Float64Array }).thresholds, x.values[i]),
      );
      const code = (columns[1] as { codes: Int32Array }).codes[i];
      expect(d.cols[n + i]).toBe(code < 0 ? MISSING_BIN : code);
    }
  });

  it('finds columns by name whatever their order, and refuses a missing or mistyped column', () => {
    const ds = table([num('a', [1, 2, 3]), num('b', [30, 10, 20])]);
    const features = fitBinning(ds);
    const swapped = table([num('b', [10, 20, 30]), num('a', [3, 2, 1])]);
    expect(Array.from(binDataset(swapped, features).bins)).toEqual([2, 0, 1, 1, 0, 2]);
    expect(() => binDataset(table([num('a', [1])]), features)).toThrow(/"b" is missing/);
    expect(() => binDataset(table([num('a', [1]), cat('b', ['x'], [0])]), features)).toThrow(
      /"b" should be numeric/,
    );
  });
});
