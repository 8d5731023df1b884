/**
 * The gates a challenger passes on its way to champion, as pure functions of what was observed:
 * the holdout comparison, the shadow step and the canary steps. Each returns a {@link GateResult}
 * that the run stores as it is, so the API shows the numbers every decision was made on.
 */

export interface GateSettings {
  /** Holdout: the challenger's AUC may be at most this much below the champion's (0.005). */
  readonly holdoutMargin: number;
  /** Requests a shadow or canary step must see reach the challenger before it is judged. */
  readonly minRequests: number;
  /** Seconds a shadow or canary step lasts at least. */
  readonly stepSeconds: number;
  /** Seconds after which a step without `minRequests` fails (too little traffic to judge). */
  readonly stepMaxSeconds: number;
  /** Shadow sanity: share of requests with the same risk level from both models. */
  readonly minAgreement: number;
  /** Shadow sanity: Pearson correlation of the two models' probabilities. */
  readonly minCorrelation: number;
  /** Mean time the challenger may take per request, in milliseconds. */
  readonly latencyBudgetMs: number;
  /** Canary: the challenger's estimated (CBPE) AUC may be at most this much below the champion's. */
  readonly performanceMargin: number;
}

/** Conservative defaults; CHURN_RETRAIN_* variables override some of them. */
export const DEFAULT_GATES: GateSettings = {
  holdoutMargin: 0.005,
  minRequests: 200,
  stepSeconds: 300,
  stepMaxSeconds: 6 * 3600,
  minAgreement: 0.5,
  minCorrelation: 0.5,
  latencyBudgetMs: 50,
  performanceMargin: 0.02,
};

/** One gate's verdict, with the values it compared. */
export interface GateResult {
  readonly passed: boolean;
  /** Why it passed or failed, in one line. */
  readonly reason: string;
  readonly observed: Readonly<Record<string, number | null>>;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly at: string;
}

const r4 = (x: number | null) => (x === null ? 'n/a' : String(Math.round(x * 10_000) / 10_000));

function verdict(
  failures: readonly string[],
  passed: string,
  observed: GateResult['observed'],
  thresholds: GateResult['thresholds'],
  now: Date,
): GateResult {
  return {
    passed: failures.length === 0,
    reason: failures.length === 0 ? passed : failures.join('; '),
    observed,
    thresholds,
    at: now.toISOString(),
  };
}

/** Holdout: the challenger's AUC is at least the champion's minus the margin, on the same rows. */
export function holdoutGate(
  o: { rows: number; championAuc: number | null; challengerAuc: number | null },
  s: Pick<GateSettings, 'holdoutMargin'>,
  now = new Date(),
): GateResult {
  const failures: string[] = [];
  if (o.challengerAuc === null || o.championAuc === null)
    failures.push(`no AUC on the holdout (${o.rows} rows, both outcomes needed)`);
  else if (o.challengerAuc < o.championAuc - s.holdoutMargin)
    failures.push(
      `challenger AUC ${r4(o.challengerAuc)} < champion AUC ${r4(o.championAuc)} - ${s.holdoutMargin}`,
    );
  return verdict(
    failures,
    `challenger AUC ${r4(o.challengerAuc)} >= champion AUC ${r4(o.championAuc)} - ${s.holdoutMargin}`,
    { rows: o.rows, champion_auc: o.championAuc, challenger_auc: o.challengerAuc },
    { margin: s.holdoutMargin },
    now,
  );
}

/** Whether a shadow or canary step has seen enough: keep waiting, judge it, or give up. */
export function observation(
  o: { elapsedSeconds: number; requests: number },
  s: Pick<GateSettings, 'minRequests' | 'stepSeconds' | 'stepMaxSeconds'>,
): 'wait' | 'judge' | 'too-little-traffic' {
  if (o.requests >= s.minRequests && o.elapsedSeconds >= s.stepSeconds) return 'judge';
  return o.elapsedSeconds >= s.stepMaxSeconds ? 'too-little-traffic' : 'wait';
}

/** What the shadow step saw: the champion/challenger comparison and the challenger's own cost. */
export interface ShadowObservation {
  readonly comparisons: number;
  readonly agreement: number | null;
  readonly correlation: number | null;
  readonly meanAbsDifference: number | null;
  /** Shadow scorings that threw during the step. */
  readonly errors: number;
  /** The challenger's mean scoring time per request, in ms. */
  readonly latencyMs: number;
}

/** Shadow: the two models broadly agree (a sanity check, not a quality one), no errors, fast enough. */
export function shadowGate(o: ShadowObservation, s: GateSettings, now = new Date()): GateResult {
  const failures: string[] = [];
  if (o.comparisons < s.minRequests)
    failures.push(`only ${o.comparisons} shadowed requests (at least ${s.minRequests} needed)`);
  if (o.agreement === null || o.agreement < s.minAgreement)
    failures.push(`risk-level agreement ${r4(o.agreement)} < ${s.minAgreement}`);
  if (o.correlation === null || o.correlation < s.minCorrelation)
    failures.push(`probability correlation ${r4(o.correlation)} < ${s.minCorrelation}`);
  if (o.errors > 0) failures.push(`${o.errors} shadow scorings failed`);
  if (!(o.latencyMs <= s.latencyBudgetMs))
    failures.push(`challenger latency ${r4(o.latencyMs)} ms > budget ${s.latencyBudgetMs} ms`);
  return verdict(
    failures,
    `agreement ${r4(o.agreement)}, correlation ${r4(o.correlation)} on ${o.comparisons} requests; no errors; ${r4(o.latencyMs)} ms`,
    {
      comparisons: o.comparisons,
      agreement: o.agreement,
      correlation: o.correlation,
      mean_abs_difference: o.meanAbsDifference,
      errors: o.errors,
      latency_ms: o.latencyMs,
    },
    {
      min_requests: s.minRequests,
      min_agreement: s.minAgreement,
      min_correlation: s.minCorrelation,
      latency_budget_ms: s.latencyBudgetMs,
    },
    now,
  );
}

/** One model's side of a canary step. */
export interface ArmObservation {
  /** Requests it answered during the step. */
  readonly requests: number;
  /** Of those, answered with a 5xx. */
  readonly errors: number;
  /** Mean request latency in ms (null without requests). */
  readonly meanLatencyMs: number | null;
  /**
   * CBPE-estimated ROC AUC (null when it cannot be estimated). The orchestrator gives both arms'
   * estimates on the same rows (see paired-estimate.ts).
   */
  readonly estimatedAuc: number | null;
}

/**
 * Canary: the challenger's estimated performance is not worse than the champion's by more than
 * the margin, it answered without errors, and within the latency budget.
 */
export function canaryGate(
  percent: number,
  o: { challenger: ArmObservation; champion: ArmObservation; estimateRows?: number },
  s: GateSettings,
  now = new Date(),
): GateResult {
  const c = o.challenger;
  const failures: string[] = [];
  if (c.requests < s.minRequests)
    failures.push(`only ${c.requests} requests reached the challenger (at least ${s.minRequests} needed)`);
  if (c.errors > 0) failures.push(`${c.errors} of the challenger's requests failed`);
  if (c.meanLatencyMs === null || c.meanLatencyMs > s.latencyBudgetMs)
    failures.push(`challenger latency ${r4(c.meanLatencyMs)} ms > budget ${s.latencyBudgetMs} ms`);
  if (c.estimatedAuc === null) failures.push('the challenger estimated AUC could not be computed');
  else if (o.champion.estimatedAuc !== null && c.estimatedAuc < o.champion.estimatedAuc - s.performanceMargin)
    failures.push(
      `challenger estimated AUC ${r4(c.estimatedAuc)} < champion ${r4(o.champion.estimatedAuc)} - ${s.performanceMargin}`,
    );
  return verdict(
    failures,
    `canary ${percent} %: estimated AUC ${r4(c.estimatedAuc)} vs champion ${r4(o.champion.estimatedAuc)}, ` +
      `${c.requests} requests, no errors, ${r4(c.meanLatencyMs)} ms`,
    {
      percent,
      challenger_requests: c.requests,
      challenger_errors: c.errors,
      challenger_latency_ms: c.meanLatencyMs,
      challenger_estimated_auc: c.estimatedAuc,
      champion_requests: o.champion.requests,
      champion_errors: o.champion.errors,
      champion_latency_ms: o.champion.meanLatencyMs,
      champion_estimated_auc: o.champion.estimatedAuc,
      estimate_rows: o.estimateRows ?? null,
    },
    {
      min_requests: s.minRequests,
      latency_budget_ms: s.latencyBudgetMs,
      performance_margin: s.performanceMargin,
    },
    now,
  );
}
