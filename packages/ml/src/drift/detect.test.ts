import { describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import { generateCustomers } from '../synth/generator.js';
import { Rng } from '../util/rng.js';
import { detectDrift } from './detect.js';
import { prepareDriftReference } from './reference.js';

/** A dataset of `k` independent standard-normal features, feature j shifted by shifts[j]. */
function normals(n: number, seed: number, shifts: number[]): Dataset {
  const rng = new Rng(seed);
  const columns: Column[] = shifts.map((s, j) => ({
    kind: 'numeric',
    name: `f${j}`,
    values: Float64Array.from({ length: n }, () => rng.normal() + s),
  }));
  return { nRows: n, columns };
}

describe('detectDrift severity rule', () => {
  const ref = prepareDriftReference(normals(4000, 1, [0, 0, 0, 0, 0]));

  it('none when nothing moves', () => {
    const r = detectDrift(ref, normals(3000, 2, [0, 0, 0, 0, 0]));
    expect(r.severity).toBe('none');
    expect(r.drifted).toEqual([]);
    expect(r.features.every((f) => f.test === 'ks' && !f.drift)).toBe(true);
  });

  it('medium when one feature drifts', () => {
    const r = detectDrift(ref, normals(3000, 3, [0, 0.5, 0, 0, 0]));
    expect(r.severity).toBe('medium');
    expect(r.drifted).toEqual(['f1']);
    const f1 = r.features[1];
    expect(f1.p_adjusted).toBeLessThan(0.05);
    expect(f1.p_adjusted).toBeCloseTo(Math.min(1, f1.p_value * 5), 12);
  });

  it('high when several features drift', () => {
    const r = detectDrift(ref, normals(3000, 4, [0, 0.5, 0, 0.6, 0]));
    expect(r.severity).toBe('high');
    expect(r.drifted.sort()).toEqual(['f1', 'f3']);
  });

  it('high when the one drifting feature is among the most important', () => {
    const current = normals(3000, 5, [0.5, 0, 0, 0, 0]);
    const importance = { f0: 0.5, f1: 0.2, f2: 0.1, f3: 0.1, f4: 0.1 };
    expect(detectDrift(ref, current, { importance }).severity).toBe('high');
    const minor = { f0: 0.05, f1: 0.4, f2: 0.2, f3: 0.2, f4: 0.15 };
    expect(detectDrift(ref, current, { importance: minor }).severity).toBe('medium');
  });

  it('low when PSI moves without a significant test', () => {
    const small = normals(60, 6, [0, 0, 0, 0, 0]);
    // A tiny current window: the tests cannot be significant after correction, PSI still moves.
    const r = detectDrift(ref, { nRows: 60, columns: small.columns }, { psiThreshold: 0.05 });
    expect(r.features.some((f) => f.drift)).toBe(false);
    expect(r.features.some((f) => f.psi > 0.05)).toBe(true);
    expect(r.severity).toBe('low');
  });

  it('a minimum effect keeps huge windows from flagging tiny differences', () => {
    const big = prepareDriftReference(normals(200_000, 7, [0]));
    const cur = normals(200_000, 8, [0.03]);
    const strict = detectDrift(big, cur);
    expect(strict.features[0].p_adjusted).toBeLessThan(1e-6);
    expect(strict.features[0].drift).toBe(false);
    expect(strict.severity).toBe('none');
    expect(detectDrift(big, cur, { minEffect: 0 }).severity).toBe('medium');
  });

  it('Benjamini-Hochberg is available and never stricter than Bonferroni', () => {
    const cur = normals(3000, 9, [0, 0.08, 0.08, 0, 0]);
    const bonf = detectDrift(ref, cur);
    const bh = detectDrift(ref, cur, { correction: 'benjamini-hochberg' });
    for (const [i, f] of bh.features.entries()) {
      expect(f.p_adjusted).toBeLessThanOrEqual(bonf.features[i].p_adjusted + 1e-15);
    }
  });

  it('a raw dataset and a prepared reference give the same report', () => {
    const raw = normals(4000, 1, [0, 0, 0, 0, 0]);
    const cur = normals(3000, 10, [0.2, 0, 0, 0, 0]);
    expect(detectDrift(raw, cur)).toEqual(detectDrift(ref, cur));
  });

  it('names a feature the current data lacks', () => {
    const cur = normals(100, 11, [0, 0, 0, 0]);
    expect(() => detectDrift(ref, cur)).toThrow('current data has no column "f4"');
  });
});

describe('detectDrift on generated customers', () => {
  const reference = prepareDriftReference(generateCustomers({ rows: 10_000, seed: 1 }));

  it('payment-shift flags payment_method and failed_payment_count', () => {
    const r = detectDrift(reference, generateCustomers({ rows: 5000, seed: 2, drift: 'payment-shift' }));
    expect(r.drifted).toContain('payment_method');
    expect(r.drifted).toContain('failed_payment_count');
    expect(r.features.find((f) => f.name === 'payment_method')?.test).toBe('chi2');
    expect(r.severity).toBe('high');
  });

  it('email-drop flags email_open_rate only', () => {
    const r = detectDrift(reference, generateCustomers({ rows: 5000, seed: 3, drift: 'email-drop' }));
    expect(r.drifted).toEqual(['email_open_rate']);
    expect(r.severity).toBe('medium');
  });

  it('another seed of the same population is not drift', () => {
    const r = detectDrift(reference, generateCustomers({ rows: 5000, seed: 4 }));
    expect(r.drifted).toEqual([]);
    expect(['none', 'low']).toContain(r.severity);
    expect(r.features).toHaveLength(21);
  });
});
