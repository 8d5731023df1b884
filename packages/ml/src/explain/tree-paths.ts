import type { Tree } from '../tree/tree.js';

/*
 * The three facts every TreeSHAP implementation here shares, so that the reference recursion, the
 * brute-force check and the fast algorithm agree on them exactly.
 */

/**
 * Whether an encoded row goes to the left child at internal node `node`: NaN (missing value or
 * unseen category) follows `defaultLeft`, a categorical split tests the category index against
 * the node's bitset of left-going categories, a numeric split sends `x <= threshold` left. The
 * same rule as {@link leafOfRow}.
 */
export function goesLeft(t: Tree, node: number, x: ArrayLike<number>, offset: number): boolean {
  const v = x[offset + t.feature[node]];
  if (Number.isNaN(v)) return t.defaultLeft[node] === 1;
  const o = t.catOffset[node];
  if (o >= 0) return (t.catBits[o + (v >>> 5)] & (1 << (v & 31))) !== 0;
  return v <= t.threshold[node];
}

/**
 * The share of a node's training weight (`cover`) that reaches one of its children: the weight
 * TreeSHAP gives that branch when the node's feature is not known. A node without weight gives
 * both children 0 (its subtree then never contributes to an expectation).
 */
export function coverFraction(t: Tree, parent: number, child: number): number {
  const w = t.cover[parent];
  return w > 0 ? t.cover[child] / w : 0;
}

/**
 * The tree's expected output when no feature is known: leaf values weighted by the product of
 * cover fractions on their path (the cover-weighted mean of the leaves). This is the root's
 * expected value of TreeSHAP, E[f_tree], and what the SHAP values of a row add up from.
 */
export function treeExpectedValue(t: Tree, node = 0): number {
  if (t.feature[node] < 0) return t.value[node];
  const l = t.left[node];
  const r = t.right[node];
  return (
    coverFraction(t, node, l) * treeExpectedValue(t, l) + coverFraction(t, node, r) * treeExpectedValue(t, r)
  );
}
