/**
 * Alerts: what monitors (drift, outliers, performance, retraining) raise, and how they are kept.
 * `AlertService` (alert-service.ts) stores, de-duplicates, publishes and posts them.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Kinds the platform raises today; monitors may add others (lowercase, `[a-z0-9_.-]`). */
export type AlertKind = 'drift' | 'outlier' | 'performance' | 'retraining' | (string & {});

/** What a monitor hands to `AlertService.raise`. */
export interface AlertInput {
  readonly kind: AlertKind;
  readonly severity: Severity;
  /**
   * Identity of the condition, e.g. `drift:v2:total_orders`: a repeat with the same key inside the
   * cooldown counts into the open alert instead of adding one.
   */
  readonly dedup_key: string;
  readonly title: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A stored alert, as the API returns it. */
export interface Alert {
  readonly id: number;
  readonly kind: string;
  readonly severity: Severity;
  readonly dedup_key: string;
  readonly title: string;
  readonly details: Record<string, unknown>;
  readonly first_seen: string;
  readonly last_seen: string;
  /** Times the condition was raised into this alert. */
  readonly count: number;
  readonly status: AlertStatus;
}

/**
 * Event types published for alert changes (in the platform's event envelope, keyed by the
 * alert's dedup key, with the alert as payload).
 */
export type AlertEventType = 'alert.raised' | 'alert.escalated' | 'alert.acknowledged' | 'alert.resolved';

/** `a` is more severe than `b`. */
export function moreSevere(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) > SEVERITIES.indexOf(b);
}
