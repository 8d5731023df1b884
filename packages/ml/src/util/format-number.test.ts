import { describe, expect, it } from 'vitest';
import { formatNumber } from './format-number.js';

/** Assert formatNumber(v) === String(v) for every value, reporting the first few mismatches. */
function expectLikeString(values: Iterable<number>): void {
  const bad: string[] = [];
  for (const v of values) {
    const got = formatNumber(v);
    if (got !== String(v)) bad.push(`${String(v)} -> ${got}`);
  }
  expect(bad.slice(0, 10)).toEqual([]);
}

function* range(from: number, to: number, step = 1): Generator<number> {
  for (let i = from; i <= to; i += step) yield i;
}

describe('formatNumber', () => {
  it('formats every integer of the fast path and around its edge like String', () => {
    expectLikeString(range(0, 65535));
    expectLikeString([
      65536,
      65537,
      99_999,
      100_000,
      1_000_000,
      123_456_789,
      2 ** 31,
      2 ** 32,
      2 ** 53 - 1,
      2 ** 53,
    ]);
  });

  it('formats negative numbers and -0 like String', () => {
    expectLikeString(range(-1000, -1));
    expectLikeString([-0, -0.5, -0.001, -1.25, -3.333, -65535, -65536.5, -1e21, -1e-7]);
  });

  it('formats every 1-, 2- and 3-decimal value below 100 like String', () => {
    // k / 1000 for k up to 100,000 covers 0.001 … 100 with all 1-, 2- and 3-decimal steps.
    expectLikeString(Array.from({ length: 100_001 }, (_, k) => k / 1000));
    // The same values reached by arithmetic (as the generator's rounding does), not by division.
    expectLikeString(Array.from({ length: 100_001 }, (_, k) => Math.round(k * 0.001 * 1000) / 1000));
    expectLikeString(Array.from({ length: 10_001 }, (_, k) => Math.round(k * 0.01 * 100) / 100));
  });

  it('formats 2- and 3-decimal values across the whole fast-path range like String', () => {
    const values: number[] = [];
    for (let whole = 100; whole < 65536; whole += 97) {
      for (const frac of [1, 5, 10, 50, 99, 100, 125, 250, 333, 500, 505, 999])
        values.push(whole + frac / 1000);
      values.push(Math.round((whole + 0.07) * 100) / 100);
    }
    values.push(65535.001, 65535.5, 65535.999, 65535.9995, 65535.99999);
    expectLikeString(values);
  });

  it('formats values with more than three decimals like String', () => {
    expectLikeString([
      0.1 + 0.2,
      1 / 3,
      2 / 3,
      Math.PI,
      Math.E,
      0.0005,
      0.0015,
      1.0005,
      12.3456,
      99.99999,
      101.41000000000001,
      33.80333333,
    ]);
  });

  it('formats large values like String', () => {
    expectLikeString([
      65536.25,
      123456.789,
      1e6 + 0.5,
      9_999_999.99,
      1e15,
      1e20,
      1e21,
      1.5e300,
      Number.MAX_VALUE,
    ]);
  });

  it('formats tiny values like String', () => {
    expectLikeString([1e-3, 1e-4, 1e-6, 1e-7, 5e-324, Number.MIN_VALUE, Number.EPSILON, 0.0004999, 0.000999]);
  });

  it('formats non-finite values like String', () => {
    expectLikeString([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('formats pseudo-random values of many magnitudes like String', () => {
    let s = 12345;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const magnitude = 10 ** Math.floor(next() * 14 - 6);
      const v = next() * magnitude;
      values.push(v, Math.round(v * 1000) / 1000, Math.round(v * 100) / 100, -v);
    }
    expectLikeString(values);
  });
});
