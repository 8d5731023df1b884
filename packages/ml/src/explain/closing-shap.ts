import type { Tree } from '../tree/tree.js';
import { buildClosingLayout, type ClosingLayout } from './closing-layout.js';

/*
 * Exact path-dependent TreeSHAP in one pass per tree, by polynomial arithmetic — the approach of
 * Linear TreeShap (Yu et al. 2022), arranged so that polynomials stay short and nothing is divided.
 *
 * For a leaf l with value v and, for each feature j split on along its path, Q_j = product of the
 * cover fractions of those splits and P_j = 1 if the row follows all of them (else 0), the Shapley
 * value of the path-dependent game is (Lundberg et al. 2018; the Shapley weights written as Beta
 * integrals, s!(d-1-s)!/d! = ∫ t^s (1-t)^(d-1-s) dt):
 *
 *   φ_i = Σ_{l ∋ i} v_l (P_i − Q_i) ∫₀¹ Π_{j ≠ i} (Q_j + (P_j − Q_j) t) dt.
 *
 * A feature's factor is final at the edge where it "closes" (closing-layout.ts): below it the
 * subtree never splits on it again. So, walking down, the factors of closed features multiply into
 * C(t) (kept as its moments μ_m = ∫ C(t) t^m dt, updated by μ'_m = Q μ_m + (P−Q) μ_{m+1}), and
 * coming back up each node returns B(t) = Σ_{leaves below} v_l Π_{factors closing below} (monomial
 * coefficients, degree ≤ the number of features its subtree closes). At the edge into c where
 * features X close:
 *
 *   φ_i += (P_i − Q_i) Σ_m [B_c Π_{j ∈ X∖i} (Q_j + (P_j − Q_j) t)]_m μ_m     for each i ∈ X,
 *   B_parent += B_c Π_{j ∈ X} (Q_j + (P_j − Q_j) t).
 *
 * Every leaf's weights are accounted for exactly once per feature, the integrals are exact
 * (moments of polynomials), and the work per edge is the product of its closing count and the
 * subtree's polynomial degree: mostly 1–3 near the leaves, where most edges are. O(N·D) at worst.
 *
 * The walk is iterative (an explicit stack of split nodes, one level each), over the flat
 * pre-order layout, with every buffer allocated once per model: a row allocates nothing.
 */

/**
 * A model's trees laid out for fast exact TreeSHAP (built once, reused for every row). Not
 * re-entrant: one computation at a time per instance (scratch buffers are shared).
 */
export class ClosingTreeShap {
  readonly layout: ClosingLayout;
  readonly nTrees: number;
  private readonly nFeatures: number;
  /** Moment regions of stride entries: region 0 holds the moments of C = 1, region d + 1 level d's child. */
  private readonly mu: Float64Array;
  /** B(t) of the split at each level (stride entries each). */
  private readonly poly: Float64Array;
  private readonly tmp: Float64Array;
  /** P_j of the current path per feature; all ones between computations. */
  private readonly hot: Uint8Array;
  /** Unscaled values of the trees of one computation. */
  private readonly acc: Float64Array;
  // The stack of split nodes, one entry per level.
  private readonly stNode: Int32Array;
  private readonly stMb: Int32Array;
  private readonly stSide: Uint8Array;
  private readonly stWas: Uint8Array;
  private readonly stLeft: Uint8Array;

  /** Lay out `trees`, or use a layout already built (possibly in shared memory, by another thread). */
  constructor(source: readonly Tree[] | ClosingLayout, nFeatures: number) {
    this.layout = 'roots' in source ? source : buildClosingLayout(source, nFeatures);
    this.nTrees = this.layout.roots.length;
    this.nFeatures = nFeatures;
    const { stride, levels } = this.layout;
    this.mu = new Float64Array(stride * (levels + 2));
    for (let m = 0; m < stride; m++) this.mu[m] = 1 / (m + 1);
    this.poly = new Float64Array(stride * (levels + 3));
    this.tmp = new Float64Array(stride * (stride + 1));
    this.hot = new Uint8Array(nFeatures).fill(1);
    this.acc = new Float64Array(nFeatures);
    this.stNode = new Int32Array(levels + 1);
    this.stMb = new Int32Array(levels + 1);
    this.stSide = new Uint8Array(levels + 1);
    this.stWas = new Uint8Array(levels + 1);
    this.stLeft = new Uint8Array(levels + 1);
  }

  /**
   * Add tree `tree`'s SHAP values for the encoded row x[offset..], times `scale`, to
   * phi[po .. po + nFeatures).
   */
  addTree(tree: number, x: Float64Array, offset: number, phi: Float64Array, po: number, scale: number): void {
    this.addTrees(tree, tree + 1, x, offset, phi, po, scale);
  }

  /**
   * Add the SHAP values of trees [from, to) for the encoded row x[offset..], times `scale`, to
   * phi[po .. po + nFeatures).
   */
  addTrees(
    from: number,
    to: number,
    x: Float64Array,
    offset: number,
    phi: Float64Array,
    po: number,
    scale: number,
  ): void {
    const acc = this.acc;
    acc.fill(0);
    const roots = this.layout.roots;
    for (let t = from; t < to; t++) this.walk(roots[t], x, offset);
    for (let f = 0; f < this.nFeatures; f++) phi[po + f] += scale * acc[f];
  }

  /** One tree, from split or leaf `root`, into `acc`. */
  private walk(root: number, x: Float64Array, xo: number): void {
    const { meta, split, right, catBits, closeStart, closeFeature, closeCover, degree, stride } = this.layout;
    if (meta[root] < 0) return;
    const mu = this.mu;
    const poly = this.poly;
    const hot = this.hot;
    const acc = this.acc;
    const stNode = this.stNode;
    const stMb = this.stMb;
    const stSide = this.stSide;
    const stWas = this.stWas;
    const stLeft = this.stLeft;
    let d = 0;
    let n = root;
    let mb = 0;
    for (;;) {
      // Enter split n at level d, the moments of its C(t) at mu[mb..].
      {
        const m = meta[n];
        const f = m >> 2;
        const v = x[xo + f];
        let left: number;
        // biome-ignore lint/suspicious/noSelfCompare: the fastest NaN test on the hot path
        if (v !== v) left = m & 1;
        else if (m & 2) left = (catBits[split[n] + (v >>> 5)] >>> (v & 31)) & 1;
        else left = v <= split[n] ? 1 : 0;
        stNode[d] = n;
        stMb[d] = mb;
        stSide[d] = 0;
        stWas[d] = hot[f];
        stLeft[d] = left;
        const pb = d * stride;
        for (let i = pb + degree[n]; i >= pb; i--) poly[i] = 0;
      }
      // Children of the split at level d, until one of them is a split to enter.
      for (;;) {
        const p = stNode[d];
        const side = stSide[d];
        const f = meta[p] >> 2;
        if (side === 2) {
          hot[f] = stWas[d];
          if (d === 0) return;
          d--;
          const q = stNode[d];
          // stSide already counts the child just finished.
          const c = stSide[d] === 1 ? q + 1 : right[q];
          this.closeEdge(d * stride, stMb[d], closeStart[c], closeStart[c + 1], degree[c]);
          continue;
        }
        stSide[d] = side + 1;
        const c = side === 0 ? p + 1 : right[p];
        hot[f] = stWas[d] & (side === 0 ? stLeft[d] : 1 - stLeft[d]);
        const cs = closeStart[c];
        const ce = closeStart[c + 1];
        const pb = d * stride;
        const pmb = stMb[d];
        if (meta[c] < 0) {
          const value = split[c];
          if (ce - cs === 1) {
            // A leaf below one closing feature: B = value, one factor.
            const j = closeFeature[cs];
            const q = closeCover[cs];
            const pq = hot[j] - q;
            acc[j] += value * pq * mu[pmb];
            poly[pb] += value * q;
            poly[pb + 1] += value * pq;
          } else {
            poly[pb + stride] = value;
            this.closeEdge(pb, pmb, cs, ce, 0);
          }
          continue;
        }
        if (cs === ce) mb = pmb;
        else {
          // The child's moments: the parent's, times the factors closing on this edge.
          mb = pb + stride;
          let len = degree[c] + ce - cs;
          for (let i = 0; i < len; i++) mu[mb + i] = mu[pmb + i];
          for (let k = cs; k < ce; k++) {
            const q = closeCover[k];
            const pq = hot[closeFeature[k]] - q;
            len--;
            for (let i = 0; i < len; i++) mu[mb + i] = q * mu[mb + i] + pq * mu[mb + i + 1];
          }
        }
        d++;
        n = c;
        break;
      }
    }
  }

  /**
   * The edge from the split whose B is at poly[pb..] (moments at mu[mb..]) to a child whose B
   * (degree dc) is one level below: credit the features closing on it (closeFeature[cs..ce)) and
   * add the child's share to B.
   */
  private closeEdge(pb: number, mb: number, cs: number, ce: number, dc: number): void {
    const { closeFeature, closeCover, stride } = this.layout;
    const below = pb + stride;
    const mu = this.mu;
    const poly = this.poly;
    const hot = this.hot;
    const nX = ce - cs;
    if (nX === 0) {
      for (let i = 0; i <= dc; i++) poly[pb + i] += poly[below + i];
      return;
    }
    if (nX === 1) {
      const j = closeFeature[cs];
      const q = closeCover[cs];
      const pq = hot[j] - q;
      let s = 0;
      for (let i = 0; i <= dc; i++) s += poly[below + i] * mu[mb + i];
      this.acc[j] += pq * s;
      poly[pb] += q * poly[below];
      for (let i = 1; i <= dc; i++) poly[pb + i] += q * poly[below + i] + pq * poly[below + i - 1];
      poly[pb + dc + 1] += pq * poly[below + dc];
      return;
    }
    // Several closing features. Feature a needs ⟨B Π_{k≠a} f_k, μ⟩ = ⟨B Π_{k<a} f_k, μ·Π_{k>a} f_k⟩:
    // the moments times the later factors (one row of tmp per a, from the last), and B times the
    // earlier ones, built up as a goes: O(nX · degree) instead of O(nX² · degree).
    const tmp = this.tmp;
    const acc = this.acc;
    let len = dc + nX;
    let row = (nX - 1) * stride;
    for (let i = 0; i < len; i++) tmp[row + i] = mu[mb + i];
    for (let a = ce - 1; a > cs; a--) {
      const q = closeCover[a];
      const pq = hot[closeFeature[a]] - q;
      const from = row;
      row -= stride;
      len--;
      for (let i = 0; i < len; i++) tmp[row + i] = q * tmp[from + i] + pq * tmp[from + i + 1];
    }
    // B's running product sits one level further down (free: nothing below the child is in use).
    const b = below + stride;
    for (let i = 0; i <= dc; i++) poly[b + i] = poly[below + i];
    let deg = dc;
    row = 0;
    for (let a = cs; a < ce; a++, row += stride) {
      let sum = 0;
      for (let i = 0; i <= deg; i++) sum += poly[b + i] * tmp[row + i];
      const j = closeFeature[a];
      const q = closeCover[a];
      const pq = hot[j] - q;
      acc[j] += pq * sum;
      poly[b + deg + 1] = pq * poly[b + deg];
      for (let i = deg; i > 0; i--) poly[b + i] = q * poly[b + i] + pq * poly[b + i - 1];
      poly[b] = q * poly[b];
      deg++;
    }
    for (let i = 0; i <= deg; i++) poly[pb + i] += poly[b + i];
  }
}
