import type { Tree } from '../tree/tree.js';
import { coverFraction, goesLeft } from './tree-paths.js';

/*
 * Shapley values by definition, for checking the TreeSHAP algorithms on small trees: enumerate
 * every coalition of the features the tree uses and weight the marginal contributions. Cost
 * O(2^k · nodes) for k used features; refused above MAX_BRUTE_FORCE_FEATURES.
 */

/** Most distinct split features {@link bruteForceTreeShap} accepts (2^k coalitions). */
export const MAX_BRUTE_FORCE_FEATURES = 16;

/**
 * The path-dependent value of a coalition: the tree's expected output when the features in the
 * coalition take the row's values and the others are unknown — at a split on a known feature the
 * row's branch is followed, at a split on an unknown one both branches are averaged by cover.
 * This is the conditional expectation TreeSHAP attributes (Lundberg et al. 2018, Algorithm 1).
 */
export function coalitionValue(
  t: Tree,
  x: ArrayLike<number>,
  offset: number,
  known: (feature: number) => boolean,
  node = 0,
): number {
  if (t.feature[node] < 0) return t.value[node];
  const l = t.left[node];
  const r = t.right[node];
  if (known(t.feature[node]))
    return coalitionValue(t, x, offset, known, goesLeft(t, node, x, offset) ? l : r);
  return (
    coverFraction(t, node, l) * coalitionValue(t, x, offset, known, l) +
    coverFraction(t, node, r) * coalitionValue(t, x, offset, known, r)
  );
}

/**
 * Exact Shapley values of the path-dependent game of one tree for the encoded row x[offset..],
 * by enumerating all coalitions of the tree's split features (features the tree never splits on
 * get 0). Returns one value per feature (`nFeatures`).
 */
export function bruteForceTreeShap(
  t: Tree,
  x: ArrayLike<number>,
  offset: number,
  nFeatures: number,
): Float64Array {
  const used: number[] = [];
  for (let i = 0; i < t.nNodes; i++) {
    const f = t.feature[i];
    if (f >= 0 && !used.includes(f)) used.push(f);
  }
  const k = used.length;
  if (k > MAX_BRUTE_FORCE_FEATURES) {
    throw new Error(`brute-force Shapley values need at most ${MAX_BRUTE_FORCE_FEATURES} features, got ${k}`);
  }
  const slot = new Int32Array(nFeatures).fill(-1);
  used.forEach((f, s) => {
    slot[f] = s;
  });
  // Value of every coalition, indexed by its bitmask over `used`.
  const value = new Float64Array(1 << k);
  for (let mask = 0; mask < 1 << k; mask++) {
    value[mask] = coalitionValue(t, x, offset, (f) => (mask & (1 << slot[f])) !== 0);
  }
  // Shapley weight |S|! (k - |S| - 1)! / k! for each coalition size.
  const factorial = [1];
  for (let i = 1; i <= k; i++) factorial.push(factorial[i - 1] * i);
  const phi = new Float64Array(nFeatures);
  for (let s = 0; s < k; s++) {
    const bit = 1 << s;
    let total = 0;
    for (let mask = 0; mask < 1 << k; mask++) {
      if (mask & bit) continue;
      let size = 0;
      for (let m = mask; m; m &= m - 1) size++;
      const w = (factorial[size] * factorial[k - size - 1]) / factorial[k];
      total += w * (value[mask | bit] - value[mask]);
    }
    phi[used[s]] = total;
  }
  return phi;
}
