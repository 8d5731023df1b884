import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const DRAWS = 100_000;

function draws(n: number, draw: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function variance(values: Float64Array): number {
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return s / values.length;
}

describe('Rng determinism', () => {
  it('repeats the same sequence for the same seed, across every kind of draw', () => {
    const sequence = (seed: number) => {
      const r = new Rng(seed);
      return [
        ...draws(50, () => r.nextUint32()),
        ...draws(50, () => r.next()),
        ...draws(50, () => r.int(1000)),
        ...draws(50, () => r.normal()),
        ...draws(50, () => r.exponential(3)),
        ...draws(50, () => r.poisson(2.5)),
        ...draws(50, () => r.poisson(80)),
        ...draws(50, () => r.binomial(10, 0.3)),
        ...draws(50, () => r.binomial(500, 0.3)),
        ...draws(50, () => r.unitInterval(0.3, 0.7)),
        ...draws(50, () => r.choice([1, 2, 3])),
        ...draws(50, () => r.logNormal(1, 0.5)),
      ];
    };
    expect(sequence(42)).toEqual(sequence(42));
    expect(sequence(0)).toEqual(sequence(0));
  });

  it('gives different sequences for different seeds', () => {
    const first = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 20 }, () => r.nextUint32());
    };
    const seen = new Set<string>();
    for (const seed of [0, 1, 2, 3, 42, 1000, 2 ** 31, 2 ** 32 - 1]) seen.add(first(seed).join(','));
    expect(seen.size).toBe(8);
  });

  it('takes the seed modulo 2^32', () => {
    const first = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 10 }, () => r.nextUint32());
    };
    expect(first(2 ** 32)).toEqual(first(0));
    expect(first(-1)).toEqual(first(2 ** 32 - 1));
    expect(first(2 ** 32 + 5)).toEqual(first(5));
  });

  it('does not repeat values early in a stream', () => {
    const r = new Rng(7);
    const values = new Set(draws(DRAWS, () => r.nextUint32()));
    // Collisions among 100k uniform 32-bit draws: about 1.2 expected.
    expect(values.size).toBeGreaterThan(DRAWS - 10);
  });
});

describe('Rng ranges', () => {
  it('nextUint32 is an unsigned 32-bit integer', () => {
    const r = new Rng(1);
    for (let i = 0; i < 10_000; i++) {
      const v = r.nextUint32();
      if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new Error(`nextUint32 gave ${v}`);
    }
  });

  it('next is uniform in [0, 1)', () => {
    const r = new Rng(2);
    const x = draws(DRAWS, () => r.next());
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const deciles = new Array<number>(10).fill(0);
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      deciles[Math.floor(v * 10)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(lo).toBeLessThan(0.001);
    expect(hi).toBeGreaterThan(0.999);
    expect(mean(x)).toBeCloseTo(0.5, 2);
    expect(variance(x)).toBeCloseTo(1 / 12, 2);
    // Each decile holds 10,000 ± a few standard deviations (sd ≈ 95).
    for (const k of deciles) expect(Math.abs(k - DRAWS / 10)).toBeLessThan(500);
  });

  it('int(n) is a whole number in [0, n) and reaches every value', () => {
    for (const n of [1, 2, 7, 100]) {
      const r = new Rng(n);
      const counts = new Array<number>(n).fill(0);
      for (let i = 0; i < 20_000; i++) {
        const v = r.int(n);
        if (!(Number.isInteger(v) && v >= 0 && v < n)) throw new Error(`int(${n}) gave ${v}`);
        counts[v]++;
      }
      for (const k of counts) expect(Math.abs(k - 20_000 / n)).toBeLessThan(0.25 * (20_000 / n) + 50);
    }
  });

  it('unitInterval stays strictly inside (0, 1)', () => {
    const r = new Rng(3);
    for (const [m, s] of [
      [0.5, 1],
      [0.01, 2],
      [0.99, 2],
      [-3, 0.5],
      [4, 0.5],
    ]) {
      const x = draws(10_000, () => r.unitInterval(m, s));
      expect(x.every((v) => v > 0 && v < 1)).toBe(true);
    }
    // A small spread keeps the draws near the mean.
    expect(mean(draws(DRAWS, () => r.unitInterval(0.3, 0.05)))).toBeCloseTo(0.3, 2);
  });

  it('choice follows the weights and never returns an index out of range', () => {
    const r = new Rng(4);
    const weights = [0.5, 0, 0.25, 0.25];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < DRAWS; i++) counts[r.choice(weights)]++;
    expect(counts[1]).toBe(0);
    expect(counts[0] / DRAWS).toBeCloseTo(0.5, 2);
    expect(counts[2] / DRAWS).toBeCloseTo(0.25, 2);
    expect(counts[3] / DRAWS).toBeCloseTo(0.25, 2);
    // Unnormalised weights work the same way.
    const c2 = [0, 0];
    for (let i = 0; i < DRAWS; i++) c2[r.choice([3, 1])]++;
    expect(c2[0] / DRAWS).toBeCloseTo(0.75, 2);
  });

  it('poisson and binomial give whole numbers in range, with the degenerate cases exact', () => {
    const r = new Rng(5);
    expect(r.poisson(0)).toBe(0);
    expect(r.poisson(-1)).toBe(0);
    expect(r.binomial(0, 0.5)).toBe(0);
    expect(r.binomial(10, 0)).toBe(0);
    expect(r.binomial(10, 1)).toBe(10);
    expect(r.binomial(100, 1)).toBe(100);
    for (const [n, p] of [
      [5, 0.5],
      [41, 0.02],
      [300, 0.99],
      [1000, 0.001],
    ]) {
      for (let i = 0; i < 5000; i++) {
        const k = r.binomial(n, p);
        if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new Error(`binomial(${n}, ${p}) gave ${k}`);
      }
    }
    for (const lambda of [0.01, 3, 15, 16, 500]) {
      for (let i = 0; i < 5000; i++) {
        const k = r.poisson(lambda);
        if (!(Number.isInteger(k) && k >= 0)) throw new Error(`poisson(${lambda}) gave ${k}`);
      }
    }
  });
});

describe('Rng distribution means (100k draws)', () => {
  /** |sample mean − expected| within `sds` standard errors (sd / √n) plus a small absolute slack. */
  function expectMean(values: Float64Array, expected: number, sd: number, sds = 5): void {
    const se = sd / Math.sqrt(values.length);
    expect(Math.abs(mean(values) - expected)).toBeLessThan(sds * se + 1e-3 * Math.max(1, Math.abs(expected)));
  }

  it('normal has mean 0 and variance 1', () => {
    const r = new Rng(10);
    const x = draws(DRAWS, () => r.normal());
    expectMean(x, 0, 1);
    expect(variance(x)).toBeCloseTo(1, 1);
    let within1 = 0;
    for (const v of x) if (Math.abs(v) < 1) within1++;
    expect(within1 / DRAWS).toBeCloseTo(0.6827, 2);
  });

  it('poisson has mean lambda (Knuth below 15, normal approximation above)', () => {
    for (const lambda of [0.3, 1, 4, 12, 40, 250]) {
      const r = new Rng(Math.round(lambda * 10));
      const x = draws(DRAWS, () => r.poisson(lambda));
      expectMean(x, lambda, Math.sqrt(lambda));
      expect(variance(x) / lambda).toBeGreaterThan(0.95);
      expect(variance(x) / lambda).toBeLessThan(1.05 + 1 / (12 * lambda));
    }
  });

  it('binomial has mean n·p (exact up to 40 trials, normal approximation above)', () => {
    for (const [n, p] of [
      [1, 0.5],
      [10, 0.3],
      [40, 0.12],
      [60, 0.65],
      [500, 0.25],
    ]) {
      const r = new Rng(n);
      const x = draws(DRAWS, () => r.binomial(n, p));
      expectMean(x, n * p, Math.sqrt(n * p * (1 - p)));
    }
  });

  it('exponential has the given mean and is never negative', () => {
    for (const m of [1, 25, 620]) {
      const r = new Rng(m);
      const x = draws(DRAWS, () => r.exponential(m));
      expect(x.every((v) => v >= 0)).toBe(true);
      expectMean(x, m, m);
      // Median of an exponential is mean · ln 2.
      const sorted = Float64Array.from(x).sort();
      expect(sorted[DRAWS / 2] / m).toBeCloseTo(Math.LN2, 1);
    }
  });

  it('logNormal has mean exp(mu + sigma²/2)', () => {
    const r = new Rng(11);
    const mu = 1;
    const sigma = 0.5;
    const x = draws(DRAWS, () => r.logNormal(mu, sigma));
    const expected = Math.exp(mu + (sigma * sigma) / 2);
    const sd = expected * Math.sqrt(Math.exp(sigma * sigma) - 1);
    expectMean(x, expected, sd);
  });
});
