/**
 * Multiple-testing corrections over the per-feature p-values of one drift check. NaN p-values
 * (a feature with no values on one side) are left out of the count and stay NaN.
 */

export type Correction = 'bonferroni' | 'benjamini-hochberg' | 'none';

/** Bonferroni: p · m, capped at 1 (controls the family-wise error rate). */
export function bonferroni(p: readonly number[]): number[] {
  const m = p.filter((v) => !Number.isNaN(v)).length;
  return p.map((v) => (Number.isNaN(v) ? v : Math.min(1, v * m)));
}

/**
 * Benjamini-Hochberg adjusted p-values (controls the false discovery rate): the i-th smallest
 * p-value times m / i, made monotone from the largest down, capped at 1.
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const idx = p.map((_, i) => i).filter((i) => !Number.isNaN(p[i]));
  idx.sort((a, b) => p[a] - p[b]);
  const m = idx.length;
  const out = p.map(() => Number.NaN);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = idx[r];
    running = Math.min(running, (p[i] * m) / (r + 1));
    out[i] = running;
  }
  return out;
}

/** Apply a correction by name. */
export function adjustPValues(p: readonly number[], correction: Correction): number[] {
  if (correction === 'bonferroni') return bonferroni(p);
  if (correction === 'benjamini-hochberg') return benjaminiHochberg(p);
  return [...p];
}
