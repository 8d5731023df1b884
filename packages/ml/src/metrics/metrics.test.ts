/*
 * Reference values below were computed ONCE with scikit-learn 1.9.1 (numpy 2.4.6) and pasted
 * verbatim. Regenerate: PY="$(bash scripts/pyenv.sh)"; "$PY" ref.py, with ref.py =
 *
 * import math, warnings, numpy as np, sklearn
 * from sklearn import metrics as M
 * from sklearn.calibration import calibration_curve
 * warnings.simplefilter('ignore')
 *
 * def lcg(n, seed, smooth):  # same generator as lcgCase() below
 *     s, y, p = seed, [], []
 *     for _ in range(n):
 *         s = (1664525 * s + 1013904223) % 2**32; u = s / 2**32
 *         s = (1664525 * s + 1013904223) % 2**32; v = s / 2**32
 *         q = u if smooth else math.floor(u * 50) / 50
 *         p.append(q); y.append(int(v < 0.1 + 0.7 * q))
 *     return y, p
 *
 * def top(y, p, k):  # expected positives among the top k, boundary ties averaged
 *     t = np.sort(p)[::-1][k - 1]; above, tie = p > t, p == t
 *     return y[above].sum() + (k - above.sum()) / tie.sum() * y[tie].sum()
 *
 * CASES = {
 *     'ties': ([0, 0, 1, 1, 0, 1, 0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.1, 0.8, 0.35, 0.6]),
 *     'extremes': ([1, 0, 1, 0, 1, 0, 1, 1, 0, 0], [0, 1, 1, 0, 0.5, 0.5, 0.3, 0.7, 0.999999, 1e-300]),
 *     'imbalanced': ([0] * 7 + [1] + [0] * 11 + [1], [0.02, 0.1, 0.05, 0.3, 0.02, 0.2, 0.02, 0.45, 0.6, 0.05,
 *                                                     0.01, 0.15, 0.02, 0.09, 0.1, 0.33, 0.04, 0.02, 0.07, 0.12]),
 *     'lcg200': lcg(200, 12345, False),
 *     'lcg97': lcg(97, 2024, True),
 * }
 * print('sklearn', sklearn.__version__)
 * for name, (y, p) in CASES.items():
 *     y, p = np.array(y), np.array(p); d = (p >= 0.5).astype(int); n = len(y)
 *     tn, fp, fn, tp = M.confusion_matrix(y, d, labels=[0, 1]).ravel()
 *     pt, pp = calibration_curve(y, p, n_bins=10, strategy='uniform')
 *     cnt = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), minlength=10)
 *     k10 = max(1, min(n, math.floor(0.1 * n + 0.5)))
 *     print(repr([name, M.roc_auc_score(y, p), M.average_precision_score(y, p),
 *                 M.log_loss(y, p, labels=[0, 1]), M.brier_score_loss(y, p)]) + ',')
 *     print(repr([name, int(tp), int(fp), int(tn), int(fn), M.accuracy_score(y, d),
 *                 M.precision_score(y, d, zero_division=0), M.recall_score(y, d, zero_division=0),
 *                 M.f1_score(y, d, zero_division=0)]) + ',')
 *     print(repr([name, pt.tolist(), pp.tolist(), cnt[cnt > 0].tolist()]) + ',')
 *     print(repr([name, float(top(y, p, 5) / 5), float(top(y, p, k10) / k10 / y.mean())]) + ',')
 * for y in ([0, 0, 0], [1, 1, 1]):  # single class: AP defined (0 / 1), ROC AUC is not (nan)
 *     print(y, M.average_precision_score(y, [0.2, 0.5, 0.9]), M.roc_auc_score(y, [0.2, 0.5, 0.9]))
 *
 * precisionAt5 / liftAt10 have no scikit-learn function; they come from the numpy `top()` above.
 */
import { describe, expect, it } from 'vitest';
import {
  brierScore,
  calibrationCurve,
  confusionMatrix,
  evaluateBinary,
  liftAtK,
  logLoss,
  prAuc,
  precisionAtK,
  rocAuc,
} from './index.js';
import { accuracy, f1, precision, recall } from './threshold-metrics.js';

type Case = [y: number[], p: number[]];

/** Same LCG as `lcg()` in the Python snippet. */
function lcgCase(n: number, seed: number, smooth: boolean): Case {
  let s = seed;
  const next = () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = next();
    const v = next();
    const q = smooth ? u : Math.floor(u * 50) / 50;
    p.push(q);
    y.push(v < 0.1 + 0.7 * q ? 1 : 0);
  }
  return [y, p];
}

const CASES: Record<string, Case> = {
  ties: [
    [0, 0, 1, 1, 0, 1, 0, 1, 1, 0],
    [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.1, 0.8, 0.35, 0.6],
  ],
  extremes: [
    [1, 0, 1, 0, 1, 0, 1, 1, 0, 0],
    [0, 1, 1, 0, 0.5, 0.5, 0.3, 0.7, 0.999999, 1e-300],
  ],
  imbalanced: [
    [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    [
      0.02, 0.1, 0.05, 0.3, 0.02, 0.2, 0.02, 0.45, 0.6, 0.05, 0.01, 0.15, 0.02, 0.09, 0.1, 0.33, 0.04, 0.02,
      0.07, 0.12,
    ],
  ],
  lcg200: lcgCase(200, 12345, false),
  lcg97: lcgCase(97, 2024, true),
};

/** |actual - expected| <= tol * max(1, |expected|). */
function expectClose(actual: number, expected: number, tol = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

function expectAllClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < actual.length; i++) expectClose(actual[i], expected[i]);
}

// [case, roc_auc, average_precision, log_loss, brier]
const SCORES: [string, number, number, number, number][] = [
  ['ties', 0.68, 0.75, 0.5610885094221719, 0.19850000000000004],
  ['extremes', 0.5, 0.5142857142857142, 8.884975944555439, 0.4079998000001],
  ['imbalanced', 0.8333333333333333, 0.39285714285714285, 0.2804975907499022, 0.08700000000000001],
  ['lcg200', 0.785078507850785, 0.7878332240984033, 0.5704420483351083, 0.191906],
  ['lcg97', 0.7206012378426172, 0.66669971138702, 0.6196695087489849, 0.2208222335045163],
];
// [case, tp, fp, tn, fn, accuracy, precision, recall, f1] at threshold 0.5
// biome-ignore format: one generated row per case
const DECISIONS: [string, number, number, number, number, number, number, number, number][] = [
  ['ties', 2, 1, 4, 3, 0.6, 0.6666666666666666, 0.4, 0.5],
  ['extremes', 3, 3, 2, 2, 0.5, 0.5, 0.6, 0.5454545454545454],
  ['imbalanced', 0, 1, 17, 2, 0.85, 0.0, 0.0, 0.0],
  ['lcg200', 74, 33, 68, 25, 0.71, 0.6915887850467289, 0.7474747474747475, 0.7184466019417476],
  ['lcg97', 25, 19, 39, 14, 0.6597938144329897, 0.5681818181818182, 0.6410256410256411, 0.6024096385542169],
];
// [case, prob_true, prob_pred, counts] for n_bins=10
// biome-ignore format: one generated row per case
const CALIBRATION: [string, number[], number[], number[]][] = [
  ['ties', [0.0, 0.6, 0.0, 1.0], [0.1, 0.38, 0.6, 0.8], [2, 5, 1, 2]],
  ['extremes', [0.3333333333333333, 1.0, 0.5, 1.0, 0.3333333333333333], [3.3333333333333334e-301, 0.3, 0.5, 0.7, 0.9999996666666666], [3, 1, 2, 1, 3]],
  ['imbalanced', [0.0, 0.3333333333333333, 0.0, 0.0, 1.0, 0.0], [0.04692307692307693, 0.15666666666666665, 0.3, 0.33, 0.45, 0.6], [13, 3, 1, 1, 1, 1]],
  ['lcg200', [0.14285714285714285, 0.26666666666666666, 0.15, 0.4074074074074074, 0.3157894736842105, 0.38095238095238093, 0.7142857142857143, 0.6666666666666666, 0.8, 0.9], [0.05571428571428571, 0.16800000000000004, 0.275, 0.36740740740740746, 0.45473684210526316, 0.5580952380952381, 0.6561904761904762, 0.7555555555555555, 0.8535999999999998, 0.9510000000000002], [14, 15, 20, 27, 19, 21, 21, 18, 25, 20]],
  ['lcg97', [0.0, 0.17647058823529413, 0.4, 0.25, 0.45454545454545453, 0.42857142857142855, 0.6923076923076923, 0.25, 0.375, 1.0], [0.06280011726942446, 0.14842794705456233, 0.24653466064482926, 0.3475464070215821, 0.43591375138864596, 0.5547916163091681, 0.6440425497443917, 0.7580320854322053, 0.8357916988315992, 0.9431908476399258], [7, 17, 10, 8, 11, 7, 13, 8, 8, 8]],
];
// [case, precisionAtK(k=5), liftAtK(fraction=0.1)]
const TOP_K: [string, number, number][] = [
  ['ties', 0.5333333333333333, 2.0],
  ['extremes', 0.5, 1.0],
  ['imbalanced', 0.2, 5.0],
  ['lcg200', 1.0, 1.8181818181818183],
  ['lcg97', 1.0, 2.4871794871794872],
];

// Each case runs on plain arrays and on typed arrays (Uint8Array labels, Float64Array scores).
const asTyped = ([y, p]: Case): [Uint8Array, Float64Array] => [Uint8Array.from(y), Float64Array.from(p)];
const inputs = (name: string) => [CASES[name], asTyped(CASES[name])] as const;

describe('metrics vs scikit-learn', () => {
  it.each(SCORES)('%s: rocAuc, prAuc, logLoss, brierScore', (name, roc, ap, ll, brier) => {
    for (const [y, p] of inputs(name)) {
      expectClose(rocAuc(y, p), roc);
      expectClose(prAuc(y, p), ap);
      expectClose(logLoss(y, p), ll);
      expectClose(brierScore(y, p), brier);
    }
  });

  it.each(DECISIONS)('%s: confusion matrix and rates at 0.5', (name, tp, fp, tn, fn, acc, prec, rec, f) => {
    for (const [y, p] of inputs(name)) {
      expect(confusionMatrix(y, p)).toEqual({ tp, fp, tn, fn });
      expectClose(accuracy(y, p, 0.5), acc);
      expectClose(precision(y, p, 0.5), prec);
      expectClose(recall(y, p, 0.5), rec);
      expectClose(f1(y, p, 0.5), f);
    }
  });

  it.each(CALIBRATION)('%s: calibrationCurve (uniform, 10 bins)', (name, probTrue, probPred, counts) => {
    for (const [y, p] of inputs(name)) {
      const curve = calibrationCurve(y, p, 10);
      expectAllClose(curve.probTrue, probTrue);
      expectAllClose(curve.probPred, probPred);
      expect(curve.counts).toEqual(counts);
    }
  });

  it.each(TOP_K)('%s: precisionAtK(5), liftAtK(0.1)', (name, p5, lift10) => {
    for (const [y, p] of inputs(name)) {
      expectClose(precisionAtK(y, p, 5), p5);
      expectClose(liftAtK(y, p, 0.1), lift10);
    }
  });

  it.each(SCORES.map((row, i) => [row[0], row, DECISIONS[i], CALIBRATION[i], TOP_K[i]] as const))(
    '%s: evaluateBinary agrees and survives JSON',
    (name, [, roc, ap, ll, brier], [, tp, fp, tn, fn, acc, prec, rec, f], [, probTrue], [, , lift10]) => {
      const [y, p] = asTyped(CASES[name]);
      const m = evaluateBinary(y, p, 0.5);
      const lift = m.lift.find((l) => l.fraction === 0.1)?.lift;
      const got = [m.rocAuc, m.prAuc, m.logLoss, m.brierScore, m.accuracy, m.precision, m.recall, m.f1, lift];
      expectAllClose(got as number[], [roc, ap, ll, brier, acc, prec, rec, f, lift10]);
      expect(m.confusion).toEqual({ tp, fp, tn, fn });
      expectAllClose(m.calibration.probTrue, probTrue);
      expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    },
  );

  it.each(Object.keys(CASES))('%s: ranking metrics ignore row order (ties included)', (name) => {
    const [y, p] = CASES[name];
    const [ry, rp] = [[...y].reverse(), [...p].reverse()];
    expect(rocAuc(ry, rp)).toBe(rocAuc(y, p));
    expect(prAuc(ry, rp)).toBe(prAuc(y, p));
    expect(precisionAtK(ry, rp, 5)).toBe(precisionAtK(y, p, 5));
  });
});

describe('edge cases', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['empty rocAuc', () => rocAuc([], []), /empty input/],
    ['empty evaluateBinary', () => evaluateBinary([], []), /empty input/],
    ['length mismatch', () => logLoss([0, 1], [0.5]), /length mismatch/],
    ['single class rocAuc', () => rocAuc([1, 1, 1], [0.2, 0.5, 0.9]), /only one class/],
    ['label 2', () => prAuc([0, 2], [0.1, 0.2]), /labels must be 0 or 1/],
    ['NaN score', () => rocAuc([0, 1], [Number.NaN, 0.2]), /finite/],
    ['probability > 1', () => brierScore([0, 1], [0.1, 1.2]), /\[0, 1\]/],
    ['k out of range', () => precisionAtK([0, 1], [0.1, 0.2], 3), /k must be/],
    ['lift without positives', () => liftAtK([0, 0], [0.1, 0.2], 0.5), /no positives/],
    ['bad nBins', () => calibrationCurve([0, 1], [0.1, 0.2], 0), /nBins/],
  ];
  it.each(bad)('%s throws', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  // scikit-learn 1.9.1: average_precision_score gives 0.0 for [0,0,0] and 1.0 for [1,1,1].
  it.each([
    [[0, 0, 0], 0],
    [[1, 1, 1], 1],
  ])('single class %j: prAuc = %d, evaluateBinary reports null AUCs', (y, ap) => {
    const p = [0.2, 0.5, 0.9];
    expect(prAuc(y, p)).toBe(ap);
    const m = evaluateBinary(y, p);
    expect([m.rocAuc, m.prAuc]).toEqual([null, null]);
  });

  it('evaluates 1,000,000 rows', () => {
    const [y, p] = asTyped(lcgCase(1_000_000, 7, true));
    const m = evaluateBinary(y, p);
    expect(m.n).toBe(1_000_000);
    expect(m.rocAuc).toBeGreaterThan(0.5);
  });
});
