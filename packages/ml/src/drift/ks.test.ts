import { describe, expect, it } from 'vitest';
import type { NumericColumn } from '../data/dataset.js';
import { bandKernel } from './band-kernel.js';
import { kolmogorovLimitSf, kstwoSf } from './kolmogorov.js';
import { ksStatisticSorted, ksTwoSamplePValue, probOutsideBand, probOutsideBandSimd } from './ks-exact.js';
import { ksTest, sortPresent } from './ks-test.js';
import { binCounts, quantileEdges } from './psi.js';

/*
 * Reference values computed once with scipy 1.17.1 in the repository venv
 * (/work/main/.venv/bin/python): `scipy.stats.ks_2samp(a, b)` (method 'auto', two-sided),
 * `scipy.stats.kstwo.sf(x, n)` and `scipy.special.kolmogorov(d * sqrt(n_eff))` for the limit.
 * The deterministic vectors are vec(n, mul, mod, div, shift)[i] = ((i * mul) % mod) / div + shift,
 * built the same way in Python (numpy float64) and here.
 */
const vec = (n: number, mul: number, mod: number, div: number, shift = 0): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => ((i * mul) % mod) / div + shift);

const col = (values: ArrayLike<number>, name = 'x'): NumericColumn => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values),
});

const SCIPY_KS: [string, Float64Array, Float64Array, number, number, number][] = [
  // name, a, b, statistic, p-value, limiting-formula p (kolmogorov(d·sqrt(n_eff)))
  [
    'exact, equal n = 8',
    Float64Array.of(0.61, 1.2, 3.3, 0.5, 2.2, 1.9, 4.1, 0.05),
    Float64Array.of(1.1, 2.5, 3.9, 4.4, 0.9, 2.8, 3.6, 5.0),
    0.5,
    0.2826728826728826,
    0.26999967167735456,
  ],
  [
    'exact, unequal n with ties',
    Float64Array.of(1, 2, 2, 3, 3, 3, 4, 5, 5, 6),
    Float64Array.of(2, 3, 4, 4, 5, 6, 6),
    0.3142857142857143,
    0.6923076923076924,
    0.8107188192836556,
  ],
  [
    'exact, 300 vs 200',
    vec(300, 7919, 1000, 10),
    vec(200, 104729, 997, 10, 3),
    0.035,
    0.9978362221266337,
    0.9985188268998207,
  ],
  [
    'exact, 10000 vs 5000',
    vec(10000, 7919, 10007, 100),
    vec(5000, 104729, 10009, 100, 1.5),
    0.0167,
    0.30927488367792016,
    0.3103957515668599,
  ],
  [
    'exact, 3000 vs 3000 (closed form)',
    vec(3000, 7919, 3001, 10),
    vec(3000, 104729, 2999, 10, 4),
    0.013333333333333334,
    0.9525324285868383,
    0.9524779093537652,
  ],
  [
    'kstwo at n_eff, 12000 vs 5000',
    vec(12000, 7919, 12007, 100),
    vec(5000, 104729, 5003, 40),
    0.040066666666666695,
    2.3292428549237235e-5,
    2.397140496234065e-5,
  ],
  [
    'kstwo at n_eff, 15000 vs 15000',
    vec(15000, 7919, 15013, 100),
    vec(15000, 104729, 14983, 100, 0.9),
    0.006000000000000005,
    0.9484886444997429,
    0.9499961913574536,
  ],
];

describe('two-sample KS p-value (scipy ks_2samp parity)', () => {
  it.each(SCIPY_KS)('%s', (_name, a, b, d, p) => {
    const ref = ksTest.prepare(col(a));
    const r = ksTest.compare(ref, col(b));
    expect(r.statistic).toBeCloseTo(d, 12);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-6);
    expect(r.nReference).toBe(a.length);
    expect(r.nCurrent).toBe(b.length);
  });

  it('the statistic from the rank sweep equals the merge of both sorted samples', () => {
    for (const [, a, b, d] of SCIPY_KS) {
      const sa = Float64Array.from(a).sort();
      const sb = Float64Array.from(b).sort();
      expect(ksStatisticSorted(sa, sa.length, sb, sb.length)).toBeCloseTo(d, 12);
    }
  });

  it('large samples use kstwo, which differs from the limiting Kolmogorov formula', () => {
    const [, a, b, d, p, limit] = SCIPY_KS[6];
    const r = ksTwoSamplePValue(d, a.length, b.length);
    expect(r.method).toBe('asymp');
    const z = d * Math.sqrt((a.length * b.length) / (a.length + b.length));
    expect(Math.abs(kolmogorovLimitSf(z) - limit)).toBeLessThan(1e-9);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-6);
    expect(Math.abs(r.pValue - kolmogorovLimitSf(z))).toBeGreaterThan(1e-3);
  });

  it('small samples use the exact count', () => {
    expect(ksTwoSamplePValue(0.5, 8, 8).method).toBe('exact');
    expect(ksTwoSamplePValue(0.0167, 10000, 5000).method).toBe('exact');
    expect(ksTwoSamplePValue(0.0167, 10001, 5000).method).toBe('asymp');
  });

  it('excludes missing values on both sides', () => {
    const [, a, b, d, p] = SCIPY_KS[1];
    const ref = ksTest.prepare(col([Number.NaN, ...a, Number.NaN]));
    const r = ksTest.compare(ref, col([...b, Number.NaN]));
    expect(r.nReference).toBe(a.length);
    expect(r.nCurrent).toBe(b.length);
    expect(r.statistic).toBeCloseTo(d, 12);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-6);
  });

  it('counts the PSI bins on the way, exactly as binning the window separately does', () => {
    for (const [, a, b] of SCIPY_KS) {
      const withGaps = Float64Array.from(b, (v, i) => (i % 17 === 0 ? Number.NaN : v));
      const r = ksTest.compare(ksTest.prepare(col(a)), col(withGaps));
      const edges = quantileEdges(sortPresent(a).sorted);
      expect(Array.from(r.binCounts ?? [])).toEqual(Array.from(binCounts(withGaps, edges)));
    }
  });

  it('a reference prepared once gives the same answer on every reuse', () => {
    const [, a, b] = SCIPY_KS[3];
    const ref = ksTest.prepare(col(a));
    const first = ksTest.compare(ref, col(b));
    const again = ksTest.compare(ref, col(b));
    expect(again).toEqual(first);
  });
});

describe('exact band probability: WebAssembly SIMD kernel and plain loop', () => {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  it('the kernel is available on this runtime', () => {
    expect(bandKernel()).not.toBeNull();
  });
  it('both give the same probability on a grid of sizes and band widths', () => {
    let compared = 0;
    for (const n1 of [2, 3, 7, 40, 333, 1000, 10000]) {
      for (const n2 of [1, 5, 39, 250, 5000]) {
        if (n1 === n2) continue;
        const g = gcd(n1, n2);
        const lcm = (n1 / g) * n2;
        for (const frac of [0.01, 0.05, 0.12, 0.3]) {
          const h = Math.max(1, Math.round(frac * lcm));
          const plain = probOutsideBand(n1, n2, g, h);
          expect(Math.abs((probOutsideBandSimd(n1, n2, g, h) ?? Number.NaN) - plain)).toBeLessThan(1e-12);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('kstwo survival function (scipy.stats.kstwo.sf parity)', () => {
  // [n, x, scipy kstwo.sf(x, n)] — one per algorithm branch: Durbin matrix, Pomeranz range,
  // Smirnov tail, Ruben-Gambino ends, Pelz-Good.
  const KSTWO: [number, number, number][] = [
    [50, 0.05, 0.9990238098461883],
    [50, 0.2, 0.03143877776953241],
    [50, 0.4, 9.86356336441006e-8],
    [100, 0.6, 5.912822156396238e-35],
    [3333, 0.01, 0.8893942187758763],
    [3333, 0.03, 0.004858341701494215],
    [3333, 0.0055, 0.9999529471260175],
    [200000, 0.003, 0.0545369786611305],
    [20000, 0.02, 2.2181270070049744e-7],
    [7, 0.2, 0.894391575755],
  ];
  it.each(KSTWO)('n = %d, x = %d', (n, x, p) => {
    expect(Math.abs(kstwoSf(x, n) - p)).toBeLessThan(1e-10);
  });
  it('is 1 below 1/(2n) and 0 at 1', () => {
    expect(kstwoSf(0.4 / 100, 100)).toBe(1);
    expect(kstwoSf(1, 100)).toBe(0);
  });
});
