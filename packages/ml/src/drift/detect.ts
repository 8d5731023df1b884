/**
 * The drift check over a schema's features: one test per feature (KS for numeric, chi-square for
 * categorical), a multiple-testing correction, PSI, a minimum effect size and an overall
 * severity. The rule (also in docs/drift.md):
 *
 * - A feature **drifts** when its corrected p-value is below `alpha` (default 0.05, Bonferroni by
 *   default) **and** its effect size reaches `minEffect` (default 0.05: the KS statistic, or
 *   Cramér's V). The effect floor keeps very large windows, where any difference is significant,
 *   from flagging differences too small to matter.
 * - Severity **high**: two or more features drift, or the drifting features carry at least
 *   `importantShare` (default 25 %) of the model's importance (mean |SHAP|, normalised over the
 *   checked features) when importance is given.
 * - **medium**: exactly one feature drifts (and it is not that important).
 * - **low**: nothing drifts, but some feature's PSI is above `psiThreshold` (default 0.1): the
 *   population moved without a significant test.
 * - **none** otherwise.
 */
import type { Column, Dataset } from '../data/dataset.js';
import { adjustPValues, type Correction } from './corrections.js';
import type { DriftTestName, FeatureTestResult } from './drift-test.js';
import { binCounts, psiFromCounts } from './psi.js';
import {
  type DriftReference,
  type FeatureReference,
  isDriftReference,
  prepareDriftReference,
} from './reference.js';

export type DriftSeverity = 'none' | 'low' | 'medium' | 'high';

/** Options of {@link detectDrift}; every field has a default. */
export interface DriftOptions {
  readonly alpha?: number;
  readonly correction?: Correction;
  /** Minimum effect size (KS statistic / Cramér's V) for a significant test to count as drift. */
  readonly minEffect?: number;
  /** PSI above which an otherwise quiet feature makes the severity `low`. */
  readonly psiThreshold?: number;
  /** Mean |SHAP| importance by feature name (any scale; normalised over the checked features). */
  readonly importance?: Readonly<Record<string, number>>;
  /** Share of importance that makes drifting features a `high` severity on their own. */
  readonly importantShare?: number;
}

export const DRIFT_DEFAULTS = Object.freeze({
  alpha: 0.05,
  correction: 'bonferroni' as Correction,
  minEffect: 0.05,
  psiThreshold: 0.1,
  importantShare: 0.25,
});

/** One feature's verdict. */
export interface FeatureDrift {
  readonly name: string;
  readonly test: DriftTestName;
  readonly statistic: number;
  readonly p_value: number;
  readonly p_adjusted: number;
  readonly psi: number;
  readonly effect: number;
  readonly drift: boolean;
  readonly n_reference: number;
  readonly n_current: number;
  /** Normalised importance weight, when importance was given. */
  readonly importance?: number;
}

export interface DriftReport {
  readonly features: readonly FeatureDrift[];
  readonly severity: DriftSeverity;
  /** Names of the drifting features, most important (or largest effect) first. */
  readonly drifted: readonly string[];
  /** One line saying why the severity is what it is. */
  readonly summary: string;
  readonly correction: Correction;
  readonly alpha: number;
  readonly min_effect: number;
  readonly rows: { readonly reference: number; readonly current: number };
}

function psiOf(ref: FeatureReference, col: Column, counted?: Float64Array): number {
  if (col.kind === 'numeric') {
    const cur =
      counted && counted.length === ref.psiCounts.length ? counted : binCounts(col.values, ref.psiEdges);
    return psiFromCounts(ref.psiCounts, cur);
  }
  if (col.kind !== 'categorical') return 0;
  const k = ref.categories.length;
  const index = new Map(ref.categories.map((c, i) => [c, i]));
  const map = col.categories.map((c) => index.get(c) ?? -1);
  const extra = new Map<number, number>();
  const cur = new Float64Array(k + 1);
  for (let i = 0; i < col.codes.length; i++) {
    const c = col.codes[i];
    if (c < 0) cur[k]++;
    else if (map[c] >= 0) cur[map[c]]++;
    else extra.set(c, (extra.get(c) ?? 0) + 1);
  }
  const r = [...ref.psiCounts, ...Array.from(extra.values(), () => 0)];
  const c = [...cur, ...extra.values()];
  return psiFromCounts(r, c);
}

/** One feature's test result and PSI: the per-feature work of a check, before the correction. */
export interface FeatureComparison {
  readonly result: Omit<FeatureTestResult, 'binCounts'>;
  readonly psi: number;
}

/** The current window's columns in the reference's feature order, checked by name and kind. */
export function featureColumns(ref: DriftReference, current: Dataset): Column[] {
  const byName = new Map(current.columns.map((c) => [c.name, c]));
  return ref.features.map((f) => {
    const col = byName.get(f.name);
    if (!col) throw new Error(`current data has no column "${f.name}"`);
    if (col.kind !== f.kind)
      throw new Error(`column "${f.name}" is ${col.kind} in the current data, ${f.kind} in the reference`);
    return col;
  });
}

/** Test one feature and compute its PSI (a check runs this once per feature, on any thread). */
export function compareFeature(f: FeatureReference, col: Column): FeatureComparison {
  const r = f.test.compare(f.prepared, col);
  return { result: r, psi: psiOf(f, col, r.binCounts) };
}

/**
 * Compare a current window with a reference over the reference's features.
 *
 * @example
 * ```ts
 * const ref = prepareDriftReference(training); // once
 * const report = detectDrift(ref, window, { importance: { days_since_last_order: 0.31 } });
 * if (report.severity === 'high') alert(report.summary);
 * ```
 */
export function detectDrift(
  reference: DriftReference | Dataset,
  current: Dataset,
  options: DriftOptions = {},
): DriftReport {
  const ref = isDriftReference(reference) ? reference : prepareDriftReference(reference);
  const columns = featureColumns(ref, current);
  const compared = ref.features.map((f, i) => compareFeature(f, columns[i]));
  return driftReport(ref, current.nRows, compared, options);
}

/**
 * The report of a check from its per-feature comparisons (in the reference's feature order): the
 * correction, the drift and severity rule and the summary. {@link detectDrift} and the check pool
 * both end here, so their reports are the same.
 */
export function driftReport(
  ref: DriftReference,
  currentRows: number,
  compared: readonly FeatureComparison[],
  options: DriftOptions = {},
): DriftReport {
  const o = { ...DRIFT_DEFAULTS, ...options };
  const raw = ref.features.map((f, i) => ({ f, r: compared[i].result, psi: compared[i].psi }));
  const adjusted = adjustPValues(
    raw.map((x) => x.r.pValue),
    o.correction,
  );
  let weights: number[] | undefined;
  if (o.importance) {
    const w = ref.features.map((f) => Math.max(0, o.importance?.[f.name] ?? 0));
    const sum = w.reduce((s, v) => s + v, 0);
    if (sum > 0) weights = w.map((v) => v / sum);
  }
  const features = raw.map(({ f, r, psi }, i): FeatureDrift => {
    const drift = adjusted[i] < o.alpha && r.effect >= o.minEffect;
    const out: FeatureDrift = {
      name: f.name,
      test: f.test.name,
      statistic: r.statistic,
      p_value: r.pValue,
      p_adjusted: adjusted[i],
      psi,
      effect: r.effect,
      drift,
      n_reference: r.nReference,
      n_current: r.nCurrent,
    };
    return weights ? { ...out, importance: weights[i] } : out;
  });
  const drifting = features.filter((f) => f.drift);
  drifting.sort((a, b) => (b.importance ?? 0) - (a.importance ?? 0) || b.effect - a.effect);
  const share = drifting.reduce((s, f) => s + (f.importance ?? 0), 0);
  const psiMoves = features.filter((f) => f.psi > o.psiThreshold).map((f) => f.name);
  let severity: DriftSeverity;
  let summary: string;
  const names = drifting.map((f) => f.name);
  if (drifting.length >= 2 || (weights && drifting.length > 0 && share >= o.importantShare)) {
    severity = 'high';
    summary =
      drifting.length >= 2
        ? `${drifting.length} features drift: ${names.join(', ')}`
        : `${names[0]} drifts and carries ${(share * 100).toFixed(0)} % of the model's importance`;
  } else if (drifting.length === 1) {
    severity = 'medium';
    summary = `one feature drifts: ${names[0]}`;
  } else if (psiMoves.length > 0) {
    severity = 'low';
    summary = `no significant test, but PSI above ${o.psiThreshold} for ${psiMoves.join(', ')}`;
  } else {
    severity = 'none';
    summary = 'no feature drifts';
  }
  return {
    features,
    severity,
    drifted: names,
    summary,
    correction: o.correction,
    alpha: o.alpha,
    min_effect: o.minEffect,
    rows: { reference: ref.rows, current: currentRows },
  };
}
