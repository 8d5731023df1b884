import type { Tree } from '../tree/tree.js';
import { coverFraction } from './tree-paths.js';

/*
 * Fast TreeSHAP v2 (Yang 2021) precomputation for shallow trees: a row's SHAP values from one leaf
 * depend only on which of the leaf's path features the row satisfies (all of that feature's splits
 * on the path), a subset M of at most d features. So for every leaf and every M the contributions
 * to the d features are computed once, at load, and explaining a row is: find M per leaf, add d
 * table entries. Tables hold 2^d · d numbers per leaf, so this is for trees with few distinct
 * features per path (boosting's depth-6 trees); deep trees use closing-shap.ts.
 *
 * Entry (M, k), for the leaf's value v and, per path feature j, Q_j = product of its cover
 * fractions and P_j = [j ∈ M]:  v (P_k − Q_k) ∫₀¹ Π_{j ≠ k} (Q_j + (P_j − Q_j) t) dt  (the same
 * identity as closing-shap.ts), computed exactly by integrating the product polynomial.
 */

/** One leaf's path summary and contribution table. */
export interface LeafTable {
  /** Pre-order position of the leaf within its tree (root = 0). */
  readonly node: number;
  /** Distinct features on the path, in order of first split: slot k ↔ bit k of M. */
  readonly features: readonly number[];
  /** For each slot, the splits on the path with that feature: [node, 1 if the path goes left]. */
  readonly conditions: readonly (readonly [number, number])[][];
  /** Contribution of slot k when the row satisfies the slots in M: table[M * d + k] (scaled). */
  readonly table: Float64Array;
}

/** Most distinct features per path for the tables (2^d · d numbers per leaf). */
export const MAX_TABLE_PATH_FEATURES = 8;

/**
 * The leaf tables of one tree, each entry multiplied by `scale`; null when a path has more than
 * {@link MAX_TABLE_PATH_FEATURES} distinct features.
 */
export function buildLeafTables(t: Tree, scale: number): LeafTable[] | null {
  const out: LeafTable[] = [];
  const features: number[] = [];
  const cum: number[] = [];
  const conditions: [number, number][][] = [];
  let tooDeep = false;
  const walk = (n: number) => {
    if (tooDeep) return;
    if (t.feature[n] < 0) {
      out.push({
        node: n,
        features: features.slice(),
        conditions: conditions.map((c) => c.slice()),
        table: leafTable(t.value[n] * scale, cum),
      });
      return;
    }
    const f = t.feature[n];
    let k = features.indexOf(f);
    const fresh = k < 0;
    if (fresh) {
      if (features.length === MAX_TABLE_PATH_FEATURES) {
        tooDeep = true;
        return;
      }
      k = features.length;
      features.push(f);
      cum.push(1);
      conditions.push([]);
    }
    const before = cum[k];
    for (const [c, left] of [
      [t.left[n], 1],
      [t.right[n], 0],
    ] as const) {
      cum[k] = before * coverFraction(t, n, c);
      conditions[k].push([n, left]);
      walk(c);
      conditions[k].pop();
    }
    cum[k] = before;
    if (fresh) {
      features.pop();
      cum.pop();
      conditions.pop();
    }
  };
  walk(0);
  return tooDeep ? null : out;
}

/** The 2^d × d contribution table of a leaf with value v and path cover products q. */
function leafTable(v: number, q: readonly number[]): Float64Array {
  const d = q.length;
  const table = new Float64Array((1 << d) * d);
  const poly = new Float64Array(d + 1);
  for (let mask = 0; mask < 1 << d; mask++) {
    for (let k = 0; k < d; k++) {
      // ∫ Π_{j ≠ k} (Q_j + (P_j − Q_j) t) dt by expanding the product.
      poly.fill(0);
      poly[0] = 1;
      let deg = 0;
      for (let j = 0; j < d; j++) {
        if (j === k) continue;
        const pq = ((mask >> j) & 1) - q[j];
        poly[deg + 1] = pq * poly[deg];
        for (let i = deg; i > 0; i--) poly[i] = q[j] * poly[i] + pq * poly[i - 1];
        poly[0] *= q[j];
        deg++;
      }
      let integral = 0;
      for (let i = 0; i <= deg; i++) integral += poly[i] / (i + 1);
      table[mask * d + k] = v * (((mask >> k) & 1) - q[k]) * integral;
    }
  }
  return table;
}
