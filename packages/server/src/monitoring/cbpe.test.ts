import { accuracy, precision, Rng, recall, rocAuc } from '@churn/ml';
import { describe, expect, it } from 'vitest';
import { estimateCbpe, realizedMetrics } from './cbpe.js';
import { fitIsotonic, NO_CALIBRATION } from './cbpe-calibration.js';

/** n probabilities from a logistic of a normal score, and labels drawn from `truth(p)`. */
function simulate(n: number, seed: number, truth: (p: number) => number) {
  const rng = new Rng(seed);
  const p = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Rounded to 3 decimals so that scores tie, as tree ensembles' do.
    p[i] = Math.round(1000 / (1 + Math.exp(-(1.6 * rng.normal() - 0.9)))) / 1000;
    y[i] = rng.next() < truth(p[i]) ? 1 : 0;
  }
  return { p, y };
}

/** The expected AUC by definition, over all ordered pairs (ties and a row with itself count half). */
function bruteForceExpectedAuc(s: ArrayLike<number>, q: ArrayLike<number>): number {
  let num = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < s.length; i++) {
    pos += q[i];
    neg += 1 - q[i];
    for (let j = 0; j < s.length; j++) {
      const w = s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      num += w * q[i] * (1 - q[j]);
    }
  }
  return num / (pos * neg);
}

describe('estimateCbpe', () => {
  it('gives the expected confusion matrix and metrics derived by hand on three rows', () => {
    // p = 0.9, 0.6 predicted churn; 0.2 not. TP = 0.9 + 0.6, FP = 0.1 + 0.4, FN = 0.2, TN = 0.8.
    const e = estimateCbpe(Float64Array.of(0.9, 0.2, 0.6), NO_CALIBRATION);
    expect(e.expected_confusion.tp).toBeCloseTo(1.5, 12);
    expect(e.expected_confusion.fp).toBeCloseTo(0.5, 12);
    expect(e.expected_confusion.fn).toBeCloseTo(0.2, 12);
    expect(e.expected_confusion.tn).toBeCloseTo(0.8, 12);
    expect(e.accuracy).toBeCloseTo(2.3 / 3, 12);
    expect(e.precision).toBeCloseTo(0.75, 12);
    expect(e.recall).toBeCloseTo(1.5 / 1.7, 12);
    // ROC points (FP, TP): (0,0) (0.1,0.9) (0.5,1.5) (1.3,1.7); trapezoids 0.045 + 0.48 + 1.28.
    expect(e.roc_auc).toBeCloseTo(1.805 / (1.7 * 1.3), 12);
    expect(e.expected_positive_rate).toBeCloseTo(1.7 / 3, 12);
  });

  it('computes the expected AUC as the pairwise definition does, ties included', () => {
    const { p } = simulate(400, 11, (x) => x);
    const ref = simulate(2000, 12, (x) => x * x);
    const cal = fitIsotonic(ref.y, ref.p);
    const q = Array.from(p, (x) => cal.apply(x));
    expect(estimateCbpe(p, cal).roc_auc).toBeCloseTo(bruteForceExpectedAuc(p, q), 10);
  });

  it('is null where a metric is undefined', () => {
    expect(estimateCbpe([], NO_CALIBRATION)).toMatchObject({ rows: 0, roc_auc: null, accuracy: null });
    expect(estimateCbpe([0, 0], NO_CALIBRATION)).toMatchObject({
      roc_auc: null,
      precision: null,
      accuracy: 1,
    });
  });

  it('estimates realized performance on calibrated probabilities (labels drawn from them)', () => {
    const { p, y } = simulate(200_000, 2026, (x) => x);
    const realized = realizedMetrics(y, p);
    const estimated = estimateCbpe(p, NO_CALIBRATION);
    // Standard errors at n = 200,000 are ~0.001 (accuracy, AUC) and ~0.002 (precision, recall).
    expect(Math.abs(estimated.roc_auc! - realized.roc_auc!)).toBeLessThan(0.005);
    expect(Math.abs(estimated.accuracy! - realized.accuracy!)).toBeLessThan(0.005);
    expect(Math.abs(estimated.precision! - realized.precision!)).toBeLessThan(0.01);
    expect(Math.abs(estimated.recall! - realized.recall!)).toBeLessThan(0.01);
  });

  it('is biased on miscalibrated probabilities, and unbiased again after isotonic calibration', () => {
    // The model is overconfident: the true churn probability is flatter than its score.
    const truth = (x: number) => 0.25 + 0.5 * x;
    const { p, y } = simulate(200_000, 7, truth);
    const realized = realizedMetrics(y, p);
    const raw = estimateCbpe(p, NO_CALIBRATION);
    expect(raw.roc_auc! - realized.roc_auc!).toBeGreaterThan(0.05);
    expect(raw.accuracy! - realized.accuracy!).toBeGreaterThan(0.05);
    // A reference set from the same process, with labels, fixes it.
    const ref = simulate(50_000, 8, truth);
    const calibrated = estimateCbpe(p, fitIsotonic(ref.y, ref.p));
    expect(Math.abs(calibrated.roc_auc! - realized.roc_auc!)).toBeLessThan(0.006);
    expect(Math.abs(calibrated.accuracy! - realized.accuracy!)).toBeLessThan(0.006);
  });
});

describe('fitIsotonic', () => {
  it('pools violators and interpolates between the pooled blocks (worked by hand)', () => {
    // (0.1,0) (0.2,1) (0.6,0) (0.9,1): 0.2 and 0.6 violate and pool to 0.5.
    const cal = fitIsotonic(Uint8Array.of(0, 1, 0, 1), Float64Array.of(0.1, 0.2, 0.6, 0.9));
    expect(cal.method).toBe('isotonic');
    expect(cal.referenceSize).toBe(4);
    expect(cal.apply(0.05)).toBe(0);
    expect(cal.apply(0.15)).toBeCloseTo(0.25, 12);
    expect(cal.apply(0.4)).toBe(0.5);
    expect(cal.apply(0.75)).toBeCloseTo(0.75, 12);
    expect(cal.apply(0.95)).toBe(1);
  });

  it('pools rows with equal scores and is non-decreasing', () => {
    const cal = fitIsotonic(Uint8Array.of(1, 0, 0, 1, 1, 0), Float64Array.of(0.3, 0.3, 0.3, 0.5, 0.7, 0.7));
    expect(cal.apply(0.3)).toBeCloseTo(1 / 3, 12);
    // 0.5 (1) and 0.7 (1, 0 → 0.5) violate: pooled to 2/3 over [0.5, 0.7].
    expect(cal.apply(0.5)).toBeCloseTo(2 / 3, 12);
    expect(cal.apply(0.6)).toBeCloseTo(2 / 3, 12);
    expect(cal.apply(0.7)).toBeCloseTo(2 / 3, 12);
    expect(cal.apply(0.4)).toBeCloseTo(1 / 3 + 0.5 * (2 / 3 - 1 / 3), 12);
    const { p, y } = simulate(5000, 3, (x) => x * x);
    const fitted = fitIsotonic(y, p);
    let prev = -1;
    for (let x = 0; x <= 1; x += 0.001) {
      const v = fitted.apply(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });
});

describe('realizedMetrics', () => {
  it('equals the @churn/ml metrics', () => {
    const { p, y } = simulate(3000, 5, (x) => x);
    expect(realizedMetrics(y, p)).toEqual({
      accuracy: accuracy(y, p),
      precision: precision(y, p),
      recall: recall(y, p),
      roc_auc: rocAuc(y, p),
    });
    expect(realizedMetrics(Uint8Array.of(1, 1), Float64Array.of(0.2, 0.7)).roc_auc).toBeNull();
  });
});
