/**
 * When to retrain: a pure function of what happened (a drift alert, a performance report, an
 * admin's request) and of the runs so far. No I/O, so every rule is unit-tested on its own.
 */

/** A `drift.alert` event's payload, as the drift monitor publishes it. */
export interface DriftAlertPayload {
  readonly model_version: number;
  readonly severity: 'low' | 'medium' | 'high';
  readonly drifted_features: readonly {
    readonly name: string;
    readonly p_adjusted?: number;
    readonly effect?: number;
    /** The feature's share of the model's importance (0–1). */
    readonly importance?: number;
  }[];
  readonly window?: unknown;
  readonly report_id?: number | string;
}

/** What may start a run. */
export type RetrainingTrigger =
  | { readonly kind: 'drift'; readonly alert: DriftAlertPayload }
  | {
      readonly kind: 'performance';
      readonly model_version: number;
      readonly window: string;
      readonly realized_auc: number | null;
      readonly estimated_auc: number | null;
    }
  | { readonly kind: 'manual'; readonly actor: string; readonly reason: string };

export interface PolicySettings {
  /** Automatic triggers at all (CHURN_RETRAINING); manual runs are always allowed. */
  readonly enabled: boolean;
  /** Drift triggers only when the drifted features' importance adds up to at least this. */
  readonly minDriftImportance: number;
  /** Performance triggers when a realized or estimated AUC is below this; undefined = never. */
  readonly aucBelow?: number;
  /** Seconds after an automatic run started before another may start. */
  readonly cooldownSeconds: number;
}

/** What the policy knows about the runs so far. */
export interface PolicyState {
  /** A run is unfinished (here or in another process). */
  readonly running: boolean;
  /** When the last run that was not started by hand started; null if none. */
  readonly lastAutomaticStart: Date | null;
  /** The serving champion; triggers about other versions are ignored. */
  readonly champion: number | null;
}

export type PolicyDecision =
  | { readonly start: true; readonly reason: string }
  | { readonly start: false; readonly reason: string };

/**
 * Decide whether `trigger` starts a run now.
 *
 * Rules, in order: at most one run at a time (manual included); manual runs start otherwise;
 * automatic ones need retraining on, must be about the serving champion, and wait out the
 * cooldown. A drift alert must be `high` and its drifted features must carry at least
 * `minDriftImportance` of the model's importance (a high drift on features the model ignores
 * does not hurt it); a performance report must show a realized or estimated AUC below `aucBelow`.
 *
 * @example
 * decide({ kind: 'drift', alert }, { running: false, lastAutomaticStart: null, champion: 1 }, settings, now)
 * // { start: true, reason: 'high drift on total_orders, days_since_last_order (importance 0.41)' }
 */
export function decide(
  trigger: RetrainingTrigger,
  state: PolicyState,
  settings: PolicySettings,
  now: Date,
): PolicyDecision {
  if (state.running) return { start: false, reason: 'a retraining run is already in progress' };
  if (trigger.kind === 'manual')
    return { start: true, reason: `started by ${trigger.actor}: ${trigger.reason}` };
  if (!settings.enabled)
    return { start: false, reason: 'automatic retraining is off (CHURN_RETRAINING=off)' };
  const version = trigger.kind === 'drift' ? trigger.alert.model_version : trigger.model_version;
  if (state.champion === null || version !== state.champion)
    return { start: false, reason: `v${version} is not the serving champion` };
  if (state.lastAutomaticStart) {
    const left = settings.cooldownSeconds - (now.getTime() - state.lastAutomaticStart.getTime()) / 1000;
    if (left > 0) return { start: false, reason: `in cooldown for ${Math.ceil(left)} more seconds` };
  }
  if (trigger.kind === 'drift') {
    const { severity, drifted_features: features } = trigger.alert;
    if (severity !== 'high') return { start: false, reason: `drift severity ${severity} is below high` };
    const importance = features.reduce(
      (s, f) => s + (Number.isFinite(f.importance) ? Number(f.importance) : 0),
      0,
    );
    const names = features.map((f) => f.name).join(', ');
    if (importance < settings.minDriftImportance)
      return {
        start: false,
        reason: `drifted features carry importance ${round(importance)} < ${settings.minDriftImportance}`,
      };
    return { start: true, reason: `high drift on ${names} (importance ${round(importance)})` };
  }
  const below = settings.aucBelow;
  if (below === undefined) return { start: false, reason: 'no AUC threshold set (CHURN_RETRAIN_AUC_BELOW)' };
  for (const [kind, auc] of [
    ['realized', trigger.realized_auc],
    ['estimated', trigger.estimated_auc],
  ] as const) {
    if (auc !== null && Number.isFinite(auc) && auc < below)
      return {
        start: true,
        reason: `${kind} AUC ${round(auc)} of v${version} (${trigger.window}) < ${below}`,
      };
  }
  return { start: false, reason: `AUC of v${version} is not below ${below}` };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
