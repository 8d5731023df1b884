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
 */

const NO_ROW = new Float64Array(0);

/**
 * A model's trees laid out for fast exact TreeSHAP (built once, reused for every row). Not
 * re-entrant: one computation at a time per instance (scratch buffers are shared).
 */
export class ClosingTreeShap {
  readonly layout: ClosingLayout;
  private readonly meta: Int32Array;
  private readonly split: Float64Array;
  private readonly right: Int32Array;
  private readonly catBits: Uint32Array;
  private readonly closeStart: Int32Array;
  private readonly closeFeature: Int32Array;
  private readonly closeCover: Float64Array;
  private readonly degree: Int32Array;
  private readonly moments: Int32Array;
  private readonly stride: number;
  /** Moments of C(t) per level (stride entries each). */
  private readonly mu: Float64Array;
  /** Subtree polynomial coefficients per level. */
  private readonly poly: Float64Array;
  private readonly tmp: Float64Array;
  /** 1 while the row follows every split on the current path of that feature (P_j). */
  private readonly hot: Uint8Array;
  private x: Float64Array = NO_ROW;
  private offset = 0;
  private phi: Float64Array = NO_ROW;
  private po = 0;
  private scale = 1;

  constructor(trees: readonly Tree[], nFeatures: number) {
    this.layout = buildClosingLayout(trees, nFeatures);
    const { stride, levels } = this.layout;
    ({
      meta: this.meta,
      split: this.split,
      right: this.right,
      catBits: this.catBits,
      closeStart: this.closeStart,
      closeFeature: this.closeFeature,
      closeCover: this.closeCover,
      degree: this.degree,
      moments: this.moments,
      stride: this.stride,
    } = this.layout);
    this.mu = new Float64Array(stride * levels);
    this.poly = new Float64Array(stride * levels);
    this.tmp = new Float64Array(stride);
    this.hot = new Uint8Array(nFeatures);
  }

  /**
   * Add tree `tree`'s SHAP values for the encoded row x[offset..], times `scale`, to
   * phi[po .. po + nFeatures).
   */
  addTree(tree: number, x: Float64Array, offset: number, phi: Float64Array, po: number, scale: number): void {
    const root = this.layout.roots[tree];
    if (this.layout.meta[root] < 0) return;
    this.x = x;
    this.offset = offset;
    this.phi = phi;
    this.po = po;
    this.scale = scale;
    this.hot.fill(1);
    const n = this.layout.moments[root];
    for (let m = 0; m < n; m++) this.mu[m] = 1 / (m + 1);
    this.visit(root, 0, 0);
    this.x = NO_ROW;
    this.phi = NO_ROW;
  }

  /**
   * Split node n at level d, the moments of its C(t) at mu[mb..]; leaves B(t) at level d. A child
   * where nothing closes shares its parent's moments (mb) instead of copying them.
   */
  private visit(n: number, d: number, mb: number): void {
    const meta = this.meta;
    const split = this.split;
    const closeStart = this.closeStart;
    const closeFeature = this.closeFeature;
    const closeCover = this.closeCover;
    const stride = this.stride;
    const mu = this.mu;
    const poly = this.poly;
    const hot = this.hot;
    const m = meta[n];
    const f = m >> 2;
    const v = this.x[this.offset + f];
    let left: number;
    // biome-ignore lint/suspicious/noSelfCompare: the fastest NaN test on the hot path
    if (v !== v) left = m & 1;
    else if (m & 2) left = (this.catBits[split[n] + (v >>> 5)] >>> (v & 31)) & 1;
    else left = v <= split[n] ? 1 : 0;
    const was = hot[f];
    const base = d * stride;
    const below = base + stride;
    for (let i = base + this.degree[n]; i >= base; i--) poly[i] = 0;
    for (let side = 0; side < 2; side++) {
      const c = side === 0 ? n + 1 : this.right[n];
      hot[f] = was & (side === 0 ? left : 1 - left);
      const cs = closeStart[c];
      const ce = closeStart[c + 1];
      if (meta[c] < 0) {
        const value = split[c];
        if (ce - cs === 1) {
          // A leaf below one closing feature: B = value, one factor.
          const j = closeFeature[cs];
          const q = closeCover[cs];
          const pq = hot[j] - q;
          this.phi[this.po + j] += this.scale * value * pq * mu[mb];
          poly[base] += value * q;
          poly[base + 1] += value * pq;
          continue;
        }
        poly[below] = value;
        this.closeEdge(base, mb, cs, ce, 0);
        continue;
      }
      if (cs === ce) {
        this.visit(c, d + 1, mb);
        this.closeEdge(base, mb, cs, ce, this.degree[c]);
        continue;
      }
      let len = this.moments[c] + ce - cs;
      for (let i = 0; i < len; i++) mu[below + i] = mu[mb + i];
      for (let k = cs; k < ce; k++) {
        const q = closeCover[k];
        const pq = hot[closeFeature[k]] - q;
        len--;
        for (let i = 0; i < len; i++) mu[below + i] = q * mu[below + i] + pq * mu[below + i + 1];
      }
      this.visit(c, d + 1, below);
      this.closeEdge(base, mb, cs, ce, this.degree[c]);
    }
    hot[f] = was;
  }

  /**
   * The edge from the split whose B is at poly[base..] (moments at mu[mb..]) to a child whose B
   * (degree dc) is one level below: credit the features closing on it (closeFeature[cs..ce)) and
   * add the child's share to B.
   */
  private closeEdge(base: number, mb: number, cs: number, ce: number, dc: number): void {
    const closeFeature = this.closeFeature;
    const closeCover = this.closeCover;
    const below = base + this.stride;
    const mu = this.mu;
    const poly = this.poly;
    const hot = this.hot;
    const nX = ce - cs;
    if (nX === 0) {
      for (let i = 0; i <= dc; i++) poly[base + i] += poly[below + i];
      return;
    }
    if (nX === 1) {
      const j = closeFeature[cs];
      const q = closeCover[cs];
      const pq = hot[j] - q;
      let s = 0;
      for (let i = 0; i <= dc; i++) s += poly[below + i] * mu[mb + i];
      this.phi[this.po + j] += this.scale * pq * s;
      poly[base] += q * poly[below];
      for (let i = 1; i <= dc; i++) poly[base + i] += q * poly[below + i] + pq * poly[below + i - 1];
      poly[base + dc + 1] += pq * poly[below + dc];
      return;
    }
    // Several closing features: for each, the product of the others' factors (few and short).
    const tmp = this.tmp;
    for (let a = cs; a < ce; a++) {
      let deg = dc;
      for (let i = 0; i <= deg; i++) tmp[i] = poly[below + i];
      for (let k = cs; k < ce; k++) {
        if (k !== a) deg = multiplyFactor(tmp, deg, closeCover[k], hot[closeFeature[k]]);
      }
      let s = 0;
      for (let i = 0; i <= deg; i++) s += tmp[i] * mu[mb + i];
      const j = closeFeature[a];
      this.phi[this.po + j] += this.scale * (hot[j] - closeCover[a]) * s;
      if (a === ce - 1) {
        deg = multiplyFactor(tmp, deg, closeCover[a], hot[j]);
        for (let i = 0; i <= deg; i++) poly[base + i] += tmp[i];
      }
    }
  }
}

/** Multiply the polynomial p (degree deg) in place by Q + (P − Q)t; returns the new degree. */
function multiplyFactor(p: Float64Array, deg: number, q: number, hot: number): number {
  const pq = hot - q;
  p[deg + 1] = pq * p[deg];
  for (let i = deg; i > 0; i--) p[i] = q * p[i] + pq * p[i - 1];
  p[0] = q * p[0];
  return deg + 1;
}
