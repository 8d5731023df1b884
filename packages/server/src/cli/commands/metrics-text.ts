import type { BinaryMetrics } from '@churn/ml';

const fmt = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined ? 'n/a' : v.toFixed(digits);

/** Metrics as aligned human-readable lines. */
export function formatMetrics(m: BinaryMetrics): string {
  const c = m.confusion;
  return [
    `  rows ${m.n}, positives ${m.positives}`,
    `  ROC-AUC ${fmt(m.rocAuc)}   PR-AUC ${fmt(m.prAuc)}   log-loss ${fmt(m.logLoss)}   Brier ${fmt(m.brierScore)}`,
    `  at threshold ${m.threshold}: accuracy ${fmt(m.accuracy)}  precision ${fmt(m.precision)}  recall ${fmt(m.recall)}  F1 ${fmt(m.f1)}`,
    `  confusion: TP ${c.tp}  FP ${c.fp}  TN ${c.tn}  FN ${c.fn}`,
  ].join('\n');
}
