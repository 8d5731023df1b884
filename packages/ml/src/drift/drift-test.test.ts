import { describe, expect, it } from 'vitest';
import type { Column } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import type { DriftTest } from './drift-test.js';
import { DRIFT_TESTS } from './reference.js';

/*
 * The shared contract every drift test meets (one suite, run for each registered test): a
 * sample compared with itself shows no drift, a clearly shifted sample does, missing values are
 * excluded, preparing once and comparing many times is the same as starting fresh, and the
 * inputs are not modified.
 */

/** A column of the test's kind: `shift` moves the numeric mean or the category mix. */
function sample(kind: Column['kind'], n: number, seed: number, shift: number, missing = 0): Column {
  const rng = new Rng(seed);
  if (kind === 'numeric') {
    const values = Float64Array.from({ length: n }, (_, i) =>
      i < missing ? Number.NaN : rng.normal() + shift,
    );
    return { kind, name: 'f', values };
  }
  const weights = [0.4 - shift * 0.3, 0.3, 0.2, 0.1 + shift * 0.3];
  const codes = Int32Array.from({ length: n }, (_, i) => (i < missing ? -1 : rng.choice(weights)));
  return { kind, name: 'f', codes, categories: ['a', 'b', 'c', 'd'] };
}

function snapshot(c: Column): number[] {
  return Array.from(c.kind === 'numeric' ? c.values : c.codes);
}

describe.each(Object.values(DRIFT_TESTS).map((t) => [t.name, t] as const))(
  'drift test contract: %s',
  (_name, test: DriftTest<unknown>) => {
    it('finds no drift between a sample and itself', () => {
      const a = sample(test.kind, 2000, 1, 0);
      const r = test.compare(test.prepare(a), a);
      expect(r.statistic).toBeCloseTo(0, 12);
      expect(r.pValue).toBeCloseTo(1, 12);
      expect(r.effect).toBeCloseTo(0, 12);
    });

    it('finds a clear shift with a tiny p-value and a real effect', () => {
      const r = test.compare(test.prepare(sample(test.kind, 3000, 1, 0)), sample(test.kind, 2000, 2, 1));
      expect(r.pValue).toBeLessThan(1e-12);
      expect(r.effect).toBeGreaterThan(0.2);
    });

    it('two samples of one population are usually not significant', () => {
      let significant = 0;
      for (let s = 0; s < 20; s++) {
        const r = test.compare(
          test.prepare(sample(test.kind, 1500, 100 + s, 0)),
          sample(test.kind, 1000, 200 + s, 0),
        );
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        if (r.pValue < 0.01) significant++;
      }
      expect(significant).toBeLessThanOrEqual(2);
    });

    it('excludes missing values from both sides', () => {
      const r = test.compare(
        test.prepare(sample(test.kind, 1000, 3, 0, 100)),
        sample(test.kind, 500, 4, 0, 50),
      );
      expect(r.nReference).toBe(900);
      expect(r.nCurrent).toBe(450);
    });

    it('reuses a prepared reference without changing results or inputs', () => {
      const a = sample(test.kind, 1200, 5, 0);
      const b = sample(test.kind, 800, 6, 0.3);
      const before = [snapshot(a), snapshot(b)];
      const prepared = test.prepare(a);
      const first = test.compare(prepared, b);
      test.compare(prepared, sample(test.kind, 700, 7, 0));
      expect(test.compare(prepared, b)).toEqual(first);
      expect(test.compare(test.prepare(a), b)).toEqual(first);
      expect([snapshot(a), snapshot(b)]).toEqual(before);
    });

    it('refuses a column of the other kind', () => {
      const other = sample(test.kind === 'numeric' ? 'categorical' : 'numeric', 10, 1, 0);
      expect(() => test.prepare(other)).toThrow(/not (numeric|categorical)/);
    });
  },
);
