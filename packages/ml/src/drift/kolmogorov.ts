/**
 * The exact distribution of the one-sample two-sided Kolmogorov-Smirnov statistic D_n (scipy's
 * `kstwo`), computed with the algorithm choice of Simard & L'Ecuyer (2011) as scipy 1.x does it:
 * Ruben-Gambino closed forms at the ends, the Durbin matrix in the Marsaglia-Tsang-Wang form for
 * small n·d², Pelz-Good for large n, and twice the one-sided Smirnov tail where D_n+ and D_n-
 * cannot both be large. Used for the two-sample p-value at the effective sample size when the
 * samples are too large for the exact lattice-path count.
 */

const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT3 = Math.sqrt(3);
const MIN_LOG = -708;
const E128 = 2 ** 128;
const EM128 = 2 ** -128;
/** Stirling series coefficients B_2j / (2j (2j-1)), j = 8..1. */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** log(n! / n^n) by Stirling, with n·log(n) taken out up front (no cancellation). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const y = rn / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * y + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/**
 * Pr(D_n <= d) by Durbin's matrix (Marsaglia, Tsang & Wang 2003): the k-th diagonal entry of
 * H^n · n!/n^n with d = (k - h)/n, powers by squaring with a tracked binary exponent.
 */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let H: Float64Array = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];
  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      P = matmul(P, H, m);
      expnt += hExpnt;
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + k - 1]) > E128) {
      for (let i = 0; i < H.length; i++) H[i] /= E128;
      hExpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + k - 1];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  return clip01(expnt !== 0 ? p * 2 ** expnt : p);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let l = 0; l < m; l++) {
      const x = a[row + l];
      if (x === 0) continue;
      const bl = l * m;
      for (let j = 0; j < m; j++) out[row + j] += x * b[bl + j];
    }
  }
  return out;
}

/** Pelz-Good (1976) approximation of Pr(D_n <= x), the large-n branch of Simard & L'Ecuyer. */
export function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    K[0] = K[0] * qp + 1;
    K[1] = K[1] * qp + (k1a + k1b * m2);
    K[2] = K[2] * qp + (k2a + k2b * m2 + k2c * m4);
    K[3] = K[3] * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT_2PI) / div[i];
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = SQRT3 * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    k2extra += k2 * qk;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K[2] += (k2extra * PI2 * SQRT_2PI) / (-36 * z3);
  K[3] += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i] / n ** (i / 2);
  return sum;
}

/**
 * scipy.special.smirnov(n, x): Pr(D_n+ >= x), the one-sided Smirnov tail, by the
 * Birnbaum-Tingey sum x·Σ C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v) over v <= n(1 - x).
 * Every term is positive, so the sum is taken in log space without cancellation.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  const nxfl = Math.floor(nx);
  const alpha = nx - nxfl;
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return 1 - x * (1 + x) ** (n - 1);
  if (-2 * n * x * x < -708.3964185322641) return 0;
  if (nxfl >= n - 1) return (1 - x) ** n;
  if (n > 1_000_000) return Math.exp(-((6 * n * x + 1) ** 2) / 18 / n);
  let last = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) last -= 1;
  const logN = Math.log(n);
  let logC = 0;
  let sum = 0;
  let prev = 0;
  for (let v = 0; v <= last; v++) {
    if (v > 0) logC += Math.log((n - v + 1) / v);
    const lower = n - v - nx;
    if (lower <= 0) break;
    const lt = logC + (v - 1) * (Math.log(nx + v) - logN) + (n - v) * (Math.log(lower) - logN);
    const term = Math.exp(lt);
    sum += term;
    // The terms rise then fall; once falling and negligible, the rest cannot matter.
    if (v > 0 && term < prev && term < sum * 1e-18) break;
    prev = term;
  }
  return clip01(x * sum);
}

/**
 * scipy.stats.kstwo.sf(x, n): Pr(D_n >= x) for the two-sided one-sample KS statistic with an
 * integer sample size n, choosing the method as Simard & L'Ecuyer (2011) and scipy do.
 */
export function kstwoSf(x: number, n: number): number {
  if (!Number.isInteger(n) || n <= 0) return Number.NaN;
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    // scipy uses Pomeranz's recursion for 0.754693 < n·x² <= 4; Durbin's matrix computes the same
    // exact probability and stays small here (order 2·sqrt(4n) <= 48).
    if (nx2 <= 4) return clip01(1 - kolmogorovCdfDurbin(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clip01(1 - cdf);
}

/**
 * The limiting Kolmogorov distribution's tail Pr(K >= z) = 2 Σ (-1)^(k-1) e^(-2k²z²)
 * (scipy.special.kolmogorov). Only for comparison: the drift tests use {@link kstwoSf}.
 */
export function kolmogorovLimitSf(z: number): number {
  if (z <= 0.04) return 1;
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * z * z);
    s += k % 2 ? term : -term;
    if (term < 1e-300) break;
  }
  return clip01(2 * s);
}
