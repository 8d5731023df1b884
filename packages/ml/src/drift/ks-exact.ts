/**
 * The two-sample Kolmogorov-Smirnov p-value as scipy's `ks_2samp(method='auto')` computes it
 * (two-sided): the exact lattice-path probability when both samples have at most 10,000 values,
 * otherwise the one-sample `kstwo` tail at the effective size round(n1·n2 / (n1 + n2)).
 *
 * The exact probability Pr(D >= d) is the share of monotone lattice paths from (0, 0) to (n1, n2)
 * that leave the band |x/n1 - y/n2| < d. For equal sizes it has the reflection-principle closed
 * form; otherwise the paths inside the band are counted (Hodges' "inside method", see
 * {@link probOutsideBand} for how the count is organised).
 */

import { bandKernel } from './band-kernel.js';
import { kstwoSf } from './kolmogorov.js';
import { logChoose } from './special.js';

/** Above this sample size scipy's `auto` mode switches from the exact count to `kstwo`. */
export const KS_EXACT_MAX_N = 10_000;

/**
 * Beyond this n_eff·d² the exact p-value is negligible (the tail is close to 2·exp(-2·n_eff·d²),
 * about 1e-10 here), so the O(n1·n2·d) path count is skipped and the kstwo tail returned instead.
 * Checked against scipy's exact routine for sizes from (3, 2) to (10000, 5000), including very
 * unequal ones, at n_eff·d² from 12 to 40: the two never differ by more than 4e-12.
 */
const NEGLIGIBLE_TAIL = 12;

const gcd = (a: number, b: number): number => {
  while (b) [a, b] = [b, a % b];
  return a;
};

/** Round half to even, as numpy's `round`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pr(D_{n,n} >= h/n): 2·Σ (-1)^(k-1) C(2n, n - k·h) / C(2n, n), in nested Horner form. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Share of the lattice paths from (0,0) to (m,n) that do not stay strictly inside the band
 * |x·n/g - y·m/g| < h (g = gcd): Hodges' inside method, arranged for speed.
 *
 * - Paths inside the band are counted along anti-diagonals x + y = t, C(x,y) = C(x-1,y) + C(x,y-1):
 *   the cells of one diagonal do not depend on each other (no dependency chain, one addition per
 *   cell), and the counts are rescaled by a power of two every 512 diagonals (exact, the exponent
 *   is carried) so they never overflow.
 * - Only half the grid is walked: the band is symmetric under (x,y) -> (m-x, n-y) and every path
 *   crosses the middle diagonal once, so the number of inside paths is the sum over its cells of
 *   (inside paths up to the cell) x (inside paths after it, the same counts mirrored).
 * - The inside share is that count over C(m+n, m), in logarithms.
 *
 * Agrees with scipy's column recursion (Viehmann 2021) to about 1e-11.
 */
let simdLayout = -1;
let simdBuffer: ArrayBuffer | null = null;

/**
 * {@link probOutsideBand} with the diagonal sweep in the WebAssembly SIMD kernel: the same count,
 * the same windows and rescaling (by a power of two after every 512 diagonals), about three times
 * faster. Returns null when the kernel is unavailable.
 */
export function probOutsideBandSimd(m: number, n: number, g: number, h: number): number | null {
  const k = bandKernel();
  if (!k) return null;
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const G = mg + n / g;
  const total = m + n;
  const S = Math.floor(total / 2);
  // Cell x at index x + 2: two cells below 0 and three above m that the kernel clears, and an
  // even count so that both buffers start 16-byte aligned (band-kernel.ts).
  const cells = (m + 7) & ~1;
  const bufBytes = cells * 8;
  const losAt = 2 * bufBytes;
  const hisAt = losAt + (S + 1) * 4;
  const need = hisAt + (S + 1) * 4;
  if (k.memory.buffer.byteLength < need)
    k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const mem = k.memory.buffer;
  const los = new Int32Array(mem, losAt, S + 1);
  const his = new Int32Array(mem, hisAt, S + 1);
  // Window edges by integer steps: qa = floor((mg·t - h) / G), qb = floor((mg·t + h - 1) / G)
  // (= ceil((mg·t + h) / G) - 1), each carried with its remainder as t grows by one.
  let qa = Math.floor(-h / G);
  let ra = -h - qa * G;
  let qb = Math.floor((h - 1) / G);
  let rb = h - 1 - qb * G;
  for (let t = 1; t <= S; t++) {
    ra += mg;
    if (ra >= G) {
      ra -= G;
      qa++;
    }
    rb += mg;
    if (rb >= G) {
      rb -= G;
      qb++;
    }
    let lo = qa + 1;
    if (t - n > lo) lo = t - n;
    if (lo < 0) lo = 0;
    let hi = qb;
    if (hi > t) hi = t;
    if (hi > m) hi = m;
    if (hi < lo) return 1;
    los[t] = lo;
    his[t] = hi;
  }
  const a = new Float64Array(mem, 0, cells);
  const b = new Float64Array(mem, bufBytes, cells);
  // The kernel leaves non-zero cells only in the last two windows, which are cleared after use;
  // a new layout (another m, or grown memory) starts from cleared buffers.
  if (simdLayout !== cells || simdBuffer !== mem) {
    a.fill(0);
    b.fill(0);
    simdLayout = cells;
    simdBuffer = mem;
  }
  a[2] = 1;
  let prev = a;
  let prevAt = 0;
  let curAt = bufBytes;
  let exponent = 0;
  for (let t = 1; t <= S; ) {
    const last = Math.min(S, Math.ceil(t / 512) * 512);
    k.diags(prevAt, curAt, losAt, hisAt, t, last + 1);
    if ((last - t + 1) % 2 === 1) {
      [prevAt, curAt] = [curAt, prevAt];
      prev = prev === a ? b : a;
    }
    if (last % 512 === 0) {
      let max = 0;
      for (let z = los[last]; z <= his[last]; z++) if (prev[z + 2] > max) max = prev[z + 2];
      if (max > 0) {
        const e = Math.floor(Math.log2(max));
        const f = 2 ** -e;
        for (let z = los[last]; z <= his[last]; z++) prev[z + 2] *= f;
        exponent += e;
      }
    }
    t = last + 1;
  }
  const plo = los[S];
  const phi = his[S];
  const c = (x: number): number => (x < plo || x > phi ? 0 : prev[x + 2]);
  const odd = total % 2 === 1;
  let sum = 0;
  for (let x = plo; x <= phi; x++) {
    const v = prev[x + 2];
    if (v !== 0) sum += v * (odd ? c(m - x - 1) + c(m - x) : c(m - x));
  }
  const other = prev === a ? b : a;
  prev.fill(0, plo + 2, phi + 3);
  if (S > 1) other.fill(0, los[S - 1] + 2, his[S - 1] + 3);
  else other.fill(0, 2, 3);
  if (sum === 0) return 1;
  const inside = Math.exp(Math.log(sum) + 2 * exponent * Math.LN2 - logChoose(total, m));
  return Math.min(1, Math.max(0, 1 - inside));
}

let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);

export function probOutsideBand(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const G = mg + n / g;
  const total = m + n;
  const S = Math.floor(total / 2);
  if (scratchA.length < m + 2) {
    scratchA = new Float64Array(m + 2);
    scratchB = new Float64Array(m + 2);
  }
  let prev = scratchA;
  let cur = scratchB;
  // Buffers hold cell x at index x + 1, zeros outside the diagonal's window (and are left all
  // zero on return, for the next call).
  prev[1] = 1;
  let plo = 0;
  let phi = 0;
  let olo = 0;
  let ohi = -1;
  let exponent = 0;
  for (let t = 1; t <= S; t++) {
    const lo = Math.max(Math.floor((mg * t - h) / G) + 1, t - n, 0);
    const hi = Math.min(Math.ceil((mg * t + h) / G) - 1, t, m);
    if (hi < lo) {
      prev.fill(0, plo + 1, phi + 2);
      cur.fill(0, olo + 1, ohi + 2);
      return 1;
    }
    let left = prev[lo];
    let x = lo;
    for (; x + 3 <= hi; x += 4) {
      const d1 = prev[x + 1];
      const d2 = prev[x + 2];
      const d3 = prev[x + 3];
      const d4 = prev[x + 4];
      cur[x + 1] = left + d1;
      cur[x + 2] = d1 + d2;
      cur[x + 3] = d2 + d3;
      cur[x + 4] = d3 + d4;
      left = d4;
    }
    for (; x <= hi; x++) {
      const d = prev[x + 1];
      cur[x + 1] = left + d;
      left = d;
    }
    for (let z = olo; z < lo && z <= ohi; z++) cur[z + 1] = 0;
    for (let z = Math.max(hi + 1, olo); z <= ohi; z++) cur[z + 1] = 0;
    if ((t & 511) === 0) {
      let max = 0;
      for (let z = lo; z <= hi; z++) if (cur[z + 1] > max) max = cur[z + 1];
      if (max > 0) {
        const k = Math.floor(Math.log2(max));
        const f = 2 ** -k;
        for (let z = lo; z <= hi; z++) cur[z + 1] *= f;
        exponent += k;
      }
    }
    olo = plo;
    ohi = phi;
    plo = lo;
    phi = hi;
    const swap = prev;
    prev = cur;
    cur = swap;
  }
  // prev now holds the counts of diagonal S over [plo, phi], scaled by 2^-exponent.
  const c = (x: number): number => (x < plo || x > phi ? 0 : prev[x + 1]);
  const odd = total % 2 === 1;
  let sum = 0;
  for (let x = plo; x <= phi; x++) {
    const v = prev[x + 1];
    if (v !== 0) sum += v * (odd ? c(m - x - 1) + c(m - x) : c(m - x));
  }
  prev.fill(0, plo + 1, phi + 2);
  cur.fill(0, olo + 1, ohi + 2);
  if (sum === 0) return 1;
  const inside = Math.exp(Math.log(sum) + 2 * exponent * Math.LN2 - logChoose(total, m));
  return Math.min(1, Math.max(0, 1 - inside));
}

/*
 * A monitor compares windows of one size with one reference again and again, and under no drift
 * the statistic takes few distinct values, so exact band probabilities are memoised by
 * (n1, n2, h). Bounded; cleared whole when full (simple and enough for a handful of sizes).
 */
const BAND_CACHE_MAX = 4096;
const bandCache = new Map<string, number>();

function cachedProbOutsideBand(n1: number, n2: number, g: number, h: number): number {
  const key = `${n1},${n2},${h}`;
  const hit = bandCache.get(key);
  if (hit !== undefined) return hit;
  const p = probOutsideBandSimd(n1, n2, g, h) ?? probOutsideBand(n1, n2, g, h);
  if (bandCache.size >= BAND_CACHE_MAX) bandCache.clear();
  bandCache.set(key, p);
  return p;
}

/** Forget memoised exact p-values (for cold-start benchmarks and tests). */
export function clearKsCache(): void {
  bandCache.clear();
}

/** The statistic and p-value of a two-sided two-sample KS test. */
export interface KsPValue {
  /** The statistic as scipy reports it (h / lcm(n1, n2) on the exact path). */
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'asymp';
}

/**
 * Two-sided p-value of the two-sample KS statistic `d` for sample sizes n1, n2, matching
 * scipy 1.x `ks_2samp(..., method='auto')`.
 */
export function ksTwoSamplePValue(d: number, n1: number, n2: number): KsPValue {
  if (n1 <= 0 || n2 <= 0) return { statistic: Number.NaN, pValue: Number.NaN, method: 'exact' };
  const big = Math.max(n1, n2);
  const small = Math.min(n1, n2);
  const en = (big * small) / (big + small);
  if (big <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    const dd = h / lcm;
    if (h === 0) return { statistic: dd, pValue: 1, method: 'exact' };
    if (en * dd * dd > NEGLIGIBLE_TAIL) {
      return { statistic: dd, pValue: kstwoSf(dd, roundHalfEven(en)), method: 'exact' };
    }
    const p = n1 === n2 ? probOutsideSquare(n1, h) : cachedProbOutsideBand(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: dd, pValue: p, method: 'exact' };
  }
  const p = kstwoSf(d, roundHalfEven(en));
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymp' };
}

/**
 * The two-sample KS statistic max |F1(x) - F2(x)| of two ascending arrays without NaN, with the
 * same floating-point steps as scipy (i/n1 - j/n2 at every observed value).
 */
export function ksStatisticSorted(
  a: ArrayLike<number>,
  na: number,
  b: ArrayLike<number>,
  nb: number,
): number {
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  while (i < na || j < nb) {
    const v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
    while (i < na && a[i] <= v) i++;
    while (j < nb && b[j] <= v) j++;
    const diff = i / na - j / nb;
    if (diff > maxS) maxS = diff;
    else if (diff < minS) minS = diff;
  }
  return Math.max(maxS, -minS);
}
