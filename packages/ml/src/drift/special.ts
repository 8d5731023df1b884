/**
 * Special functions for the drift tests: log-gamma, log binomial coefficients and the regularized
 * upper incomplete gamma function Q(a, x) (the chi-square survival function is Q(k/2, x/2)).
 */

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log Γ(x) for x > 0: the Stirling series with five correction terms for x >= 10 (relative error
 * below 1e-15 there), shifted up by the recurrence Γ(x) = Γ(x + k) / (x (x+1) … (x+k-1)) below.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  let shift = 0;
  if (x < 10) {
    let prod = 1;
    while (x < 10) {
      prod *= x;
      x += 1;
    }
    shift = Math.log(prod);
  }
  const r = 1 / x;
  const r2 = r * r;
  const series =
    r *
    (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 - (691 / 360360) * r2)))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series - shift;
}

/** log C(n, k) for integers, -Infinity outside 0 <= k <= n. */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  if (k === 0 || k === n) return 0;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITER = 100_000;

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a): the power series of
 * P = 1 - Q when x < a + 1 (where it converges fast and Q is not tiny), the modified-Lentz
 * continued fraction of Q otherwise (so small tail probabilities keep their relative precision).
 */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let i = 0; i < MAX_ITER; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    const p = sum * Math.exp(logPrefactor);
    return Math.min(1, Math.max(0, 1 - p));
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefactor) * h));
}

/** Survival function of the chi-square distribution with `dof` degrees of freedom. */
export function chiSquareSf(statistic: number, dof: number): number {
  if (dof <= 0) return Number.NaN;
  return gammaQ(dof / 2, statistic / 2);
}
