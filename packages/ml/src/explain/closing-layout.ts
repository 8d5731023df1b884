import type { Tree } from '../tree/tree.js';
import { coverFraction } from './tree-paths.js';

/*
 * The per-model precomputation of the fast TreeSHAP (closing-shap.ts): every tree in one flat
 * pre-order layout (the left child is the next node), and for every edge the static part of the
 * algorithm — which features "close" there, with their cover products, and how many polynomial
 * coefficients the subtree below needs (its degree, which is also how many moments of the
 * closed factors above it the subtree reads).
 *
 * A feature closes on the edge into node c when it is split on at or above c's parent and nowhere
 * in c's subtree: from there down, every leaf's weights for that feature are final (the product
 * Q_j of its cover fractions, and whether the row follows all its splits, P_j).
 */

/** The flat arrays of a model's trees for {@link ClosingTreeShap}. */
export interface ClosingLayout {
  readonly nFeatures: number;
  /** Leaf: -1. Split: feature << 2 | categorical << 1 | defaultLeft. */
  readonly meta: Int32Array;
  /** Threshold (numeric split), offset into `catBits` (categorical split) or leaf value. */
  readonly split: Float64Array;
  /** Right child of a split (the left child is the next node). */
  readonly right: Int32Array;
  readonly catBits: Uint32Array;
  /** Features closing on the edge into node i: closeFeature/closeCover[closeStart[i] .. closeStart[i + 1]). */
  readonly closeStart: Int32Array;
  /** 16-bit when the model has at most 65,536 features (always, in practice): a third of the layout's bytes are these. */
  readonly closeFeature: Uint16Array | Int32Array;
  /** The closing feature's product of cover fractions over its splits on the path. */
  readonly closeCover: Float64Array;
  /** Degree of a split node's subtree polynomial (0 for leaves). */
  readonly degree: Int32Array;
  /** First node of each tree. */
  readonly roots: Int32Array;
  /** Per-level stride of the scratch buffers: the largest degree + 2. */
  readonly stride: number;
  /** Scratch levels needed: the deepest split's depth + 2. */
  readonly levels: number;
}

/**
 * Lay out trees for the closing-point TreeSHAP; `nFeatures` is the model's feature count. With
 * `shared`, every array lives in shared memory, so that threads explaining different trees of
 * one model read one copy (structured cloning a SharedArrayBuffer view shares its memory).
 */
export function buildClosingLayout(trees: readonly Tree[], nFeatures: number, shared = false): ClosingLayout {
  let total = 0;
  for (const t of trees) total += t.nNodes;
  const bytes = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  const i32 = (n: number) => new Int32Array(bytes(4 * n));
  const f64 = (n: number) => new Float64Array(bytes(8 * n));
  const out = {
    meta: i32(total),
    split: f64(total),
    right: i32(total),
    degree: i32(total),
    closeStart: i32(total + 1),
  };
  // Closing lists grow as typed arrays (millions of entries for a deep forest: as plain arrays
  // they held ~16 bytes an entry until collected).
  const wide = nFeatures > 65536;
  let closeFeature: Uint16Array | Int32Array = wide
    ? new Int32Array(4 * total + 16)
    : new Uint16Array(4 * total + 16);
  let closeCover = new Float64Array(closeFeature.length);
  let nClose = 0;
  const roots = i32(trees.length);
  const bits: number[] = [];
  const words = Math.max(1, Math.ceil(nFeatures / 32));
  let next = 0;
  let stride = 2;
  let levels = 2;

  trees.forEach((t, ti) => {
    roots[ti] = next;
    const catBase = bits.length;
    for (const w of t.catBits) bits.push(w);
    const used = subtreeFeatures(t, words);
    const has = (n: number, f: number) => (used[n * words + (f >>> 5)] & (1 << (f & 31))) !== 0;
    const cum = new Float64Array(nFeatures).fill(1);
    const seen = new Uint8Array(nFeatures);
    const seenList: number[] = [];

    // Pre-order placement; `closing` lists the features closing on the edge into n.
    const place = (n: number, closing: readonly number[], depth: number): { slot: number; deg: number } => {
      const s = next++;
      out.closeStart[s] = nClose;
      if (nClose + closing.length > closeFeature.length) {
        const grown = wide
          ? new Int32Array(2 * closeFeature.length)
          : new Uint16Array(2 * closeFeature.length);
        grown.set(closeFeature);
        closeFeature = grown;
        const cover = new Float64Array(grown.length);
        cover.set(closeCover);
        closeCover = cover;
      }
      for (const j of closing) {
        closeFeature[nClose] = j;
        closeCover[nClose++] = cum[j];
      }
      const f = t.feature[n];
      if (f < 0) {
        out.meta[s] = -1;
        out.split[s] = t.value[n];
        return { slot: s, deg: 0 };
      }
      levels = Math.max(levels, depth + 2);
      const cat = t.catOffset[n] >= 0;
      out.meta[s] = (f << 2) | (cat ? 2 : 0) | (t.defaultLeft[n] ? 1 : 0);
      out.split[s] = cat ? catBase + t.catOffset[n] : t.threshold[n];
      const firstSeen = seen[f] === 0;
      if (firstSeen) seenList.push(f);
      seen[f] = 1;
      const before = cum[f];
      let deg = 0;
      for (const c of [t.left[n], t.right[n]]) {
        cum[f] = before * coverFraction(t, n, c);
        // Seen features split on below n but not below c close on this edge.
        const closes = seenList.filter((j) => has(n, j) && !has(c, j));
        const child = place(c, closes, depth + 1);
        if (c === t.right[n]) out.right[s] = child.slot;
        deg = Math.max(deg, closes.length + child.deg);
      }
      cum[f] = before;
      if (firstSeen) {
        seenList.pop();
        seen[f] = 0;
      }
      out.degree[s] = deg;
      stride = Math.max(stride, deg + 2);
      return { slot: s, deg };
    };
    place(0, [], 0);
  });
  out.closeStart[total] = nClose;
  const features = wide ? i32(nClose) : new Uint16Array(bytes(2 * nClose));
  features.set(closeFeature.subarray(0, nClose));
  const covers = f64(nClose);
  covers.set(closeCover.subarray(0, nClose));
  return {
    nFeatures,
    ...out,
    catBits: copyInto(new Uint32Array(bytes(4 * bits.length)), bits),
    closeFeature: features,
    closeCover: covers,
    roots,
    stride,
    levels,
  };
}

function copyInto<T extends Int32Array | Uint32Array | Float64Array>(
  target: T,
  values: readonly number[],
): T {
  target.set(values);
  return target;
}

/** For every node, the bitset (`words` 32-bit words) of the features split on in its subtree. */
function subtreeFeatures(t: Tree, words: number): Uint32Array {
  const order: number[] = [];
  const stack = [0];
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    if (t.feature[n] >= 0) stack.push(t.right[n], t.left[n]);
  }
  const used = new Uint32Array(t.nNodes * words);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    const f = t.feature[n];
    if (f < 0) continue;
    for (let w = 0; w < words; w++)
      used[n * words + w] = used[t.left[n] * words + w] | used[t.right[n] * words + w];
    used[n * words + (f >>> 5)] |= 1 << (f & 31);
  }
  return used;
}
