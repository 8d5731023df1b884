import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import { createEvent, type EventEnvelope } from '../events/envelope.js';
import {
  ALERT_STATUSES,
  type Alert,
  type AlertEventType,
  type AlertInput,
  type AlertStatus,
  moreSevere,
  SEVERITIES,
  type Severity,
} from './alert.js';
import { type DeliveryResult, postWebhook, type WebhookOptions } from './webhook.js';

/** Counters the service reports to (the platform's `Metrics` has them). */
export interface AlertMetrics {
  readonly alertsRaised: { inc(labels: { kind: string; severity: string; outcome: string }): void };
  readonly alertWebhookFailures: { inc(): void };
}

export interface AlertServiceOptions {
  /** Default cooldown (default one hour). */
  readonly cooldownMs?: number;
  /** Cooldowns by `kind` or `kind:severity` (the more specific wins), in milliseconds. */
  readonly cooldowns?: Readonly<Record<string, number>>;
  /** Hand each change to the event bus (e.g. `(e) => ctx.events.publish(topic, e)`); must not block. */
  readonly publish?: (event: EventEnvelope<Alert>) => void;
  /** Post new and escalated alerts here (CHURN_ALERT_WEBHOOK_URL). */
  readonly webhook?: WebhookOptions;
  readonly metrics?: AlertMetrics;
  /** Told about failed publishes and deliveries (logging). */
  readonly onError?: (err: unknown, what: string) => void;
  /** The clock (tests). */
  readonly now?: () => Date;
}

export interface RaiseResult {
  readonly alert: Alert;
  /** 'new': a new alert; 'repeat': counted into an open one; 'escalated': a repeat at a higher severity. */
  readonly outcome: 'new' | 'repeat' | 'escalated';
}

export interface AlertFilter {
  readonly status?: AlertStatus;
  readonly severity?: Severity;
  readonly kind?: string;
  readonly limit?: number;
}

interface Row extends Record<string, unknown> {
  id: string | number;
  kind: string;
  severity: Severity;
  dedup_key: string;
  title: string;
  details: Record<string, unknown> | string;
  first_seen: Date | string;
  last_seen: Date | string;
  count: number;
  status: AlertStatus;
}

const COLUMNS = 'id, kind, severity, dedup_key, title, details, first_seen, last_seen, count, status';
const KIND = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * Stores alerts with de-duplication and cooldown, publishes every change and posts new and
 * escalated alerts to an optional webhook.
 *
 * De-duplication: a raise whose `dedup_key` matches an alert that is not resolved and was last
 * seen within the cooldown (by kind and severity) adds one to its count and moves its last_seen
 * (taking the newer title and details, and the higher severity); otherwise it opens a new alert.
 * So a condition that keeps firing stays one alert, and one that comes back after a quiet
 * cooldown, or after being resolved, is a new one. Raises of one key are serialised by an
 * advisory lock, so concurrent raises (several instances) count rather than duplicate.
 *
 * Publishing and the webhook never block `raise`: the event bus queues, and deliveries run in the
 * background with a timeout and retries (`flush` waits for them); a delivery that fails every
 * attempt is counted in `churn_alert_webhook_failures_total` and reported to `onError`.
 *
 * @example
 * const alerts = new AlertService(db, { webhook: { url: 'https://hooks.example/alerts' } });
 * await alerts.raise({ kind: 'performance', severity: 'high', dedup_key: 'auc:v2:24h',
 *   title: 'v2 AUC below 0.7', details: { auc: 0.64 } });
 */
export class AlertService {
  private readonly pending = new Set<Promise<DeliveryResult>>();
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly options: AlertServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The cooldown that applies to a kind and severity, in milliseconds. */
  cooldownFor(kind: string, severity: Severity): number {
    const c = this.options.cooldowns ?? {};
    return c[`${kind}:${severity}`] ?? c[kind] ?? this.options.cooldownMs ?? 3600_000;
  }

  async raise(input: AlertInput): Promise<RaiseResult> {
    checkInput(input);
    const now = this.now();
    const since = new Date(now.getTime() - this.cooldownFor(input.kind, input.severity));
    const details = JSON.stringify(input.details ?? {});
    const result = await this.db.transaction(async (tx): Promise<RaiseResult> => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [input.dedup_key]);
      const [open] = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM alerts
         WHERE dedup_key = $1 AND status <> 'resolved' AND last_seen >= $2
         ORDER BY last_seen DESC LIMIT 1`,
        [input.dedup_key, since.toISOString()],
      );
      if (open) {
        const escalated = moreSevere(input.severity, open.severity);
        const [row] = await tx.query<Row>(
          `UPDATE alerts SET count = count + 1, last_seen = $2, title = $3, details = $4::jsonb,
             severity = $5, updated_at = $2
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [open.id, now.toISOString(), input.title, details, escalated ? input.severity : open.severity],
        );
        return { alert: toAlert(row), outcome: escalated ? 'escalated' : 'repeat' };
      }
      const [row] = await tx.query<Row>(
        `INSERT INTO alerts (kind, severity, dedup_key, title, details, first_seen, last_seen, updated_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6, $6) RETURNING ${COLUMNS}`,
        [input.kind, input.severity, input.dedup_key, input.title, details, now.toISOString()],
      );
      return { alert: toAlert(row), outcome: 'new' };
    });
    this.options.metrics?.alertsRaised.inc({
      kind: input.kind,
      severity: result.alert.severity,
      outcome: result.outcome,
    });
    if (result.outcome !== 'repeat') {
      this.publish(result.outcome === 'new' ? 'alert.raised' : 'alert.escalated', result.alert, now);
      this.deliver(result.alert, result.outcome);
    }
    return result;
  }

  async get(id: number): Promise<Alert> {
    const [row] = await this.db.query<Row>(`SELECT ${COLUMNS} FROM alerts WHERE id = $1`, [id]);
    if (!row) throw new ChurnError('CHURN_ERR_NOT_FOUND', `alert ${id} does not exist`);
    return toAlert(row);
  }

  /** Alerts, most recently seen first. */
  async list(filter: AlertFilter = {}): Promise<Alert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of [
      ['status', filter.status],
      ['severity', filter.severity],
      ['kind', filter.kind],
    ] as const) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    params.push(filter.limit ?? 100);
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY last_seen DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toAlert);
  }

  /** Someone is on it: it stays de-duplicating, but is no longer open. A resolved alert is a conflict. */
  acknowledge(id: number, actor = 'unknown'): Promise<Alert> {
    return this.transition(id, 'acknowledged', actor);
  }

  /** The condition is over: the next raise of its key opens a new alert. */
  resolve(id: number, actor = 'unknown'): Promise<Alert> {
    return this.transition(id, 'resolved', actor);
  }

  /** Wait for the webhook deliveries under way. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async transition(id: number, status: 'acknowledged' | 'resolved', actor: string): Promise<Alert> {
    const now = this.now();
    const { before, after } = await this.db.transaction(async (tx) => {
      const [row] = await tx.query<Row>(`SELECT ${COLUMNS} FROM alerts WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new ChurnError('CHURN_ERR_NOT_FOUND', `alert ${id} does not exist`);
      if (row.status === status) return { before: toAlert(row), after: null };
      if (row.status === 'resolved')
        throw new ChurnError('CHURN_ERR_CONFLICT', `alert ${id} is resolved and cannot be ${status}`);
      const [updated] = await tx.query<Row>(
        `UPDATE alerts SET status = $2, updated_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, status, now.toISOString()],
      );
      await tx.query(
        'INSERT INTO audit_log (actor, action, before, after) VALUES ($1, $2, $3::jsonb, $4::jsonb)',
        [
          actor,
          `alert.${status}`,
          JSON.stringify({ id, status: row.status }),
          JSON.stringify({ id, status }),
        ],
      );
      return { before: toAlert(row), after: toAlert(updated) };
    });
    if (!after) return before;
    this.publish(status === 'acknowledged' ? 'alert.acknowledged' : 'alert.resolved', after, now);
    return after;
  }

  private publish(type: AlertEventType, alert: Alert, at: Date): void {
    if (!this.options.publish) return;
    try {
      this.options.publish(createEvent(type, alert.dedup_key, alert, 'alerts', at));
    } catch (err) {
      this.options.onError?.(err, `publishing ${type} for alert ${alert.id}`);
    }
  }

  private deliver(alert: Alert, outcome: 'new' | 'escalated'): void {
    const webhook = this.options.webhook;
    if (!webhook) return;
    const delivery = postWebhook(webhook, {
      event: outcome === 'new' ? 'alert.raised' : 'alert.escalated',
      alert,
    });
    this.pending.add(delivery);
    void delivery.then((r) => {
      this.pending.delete(delivery);
      if (r.ok) return;
      this.options.metrics?.alertWebhookFailures.inc();
      this.options.onError?.(
        new Error(`webhook delivery failed after ${r.attempts} attempts: ${r.error}`),
        `posting alert ${alert.id}`,
      );
    });
  }
}

function checkInput(input: AlertInput): void {
  const problems: { path: string; message: string }[] = [];
  if (typeof input.kind !== 'string' || !KIND.test(input.kind))
    problems.push({ path: '/kind', message: 'must be lowercase letters, digits, _ . - (at most 64)' });
  if (!SEVERITIES.includes(input.severity))
    problems.push({ path: '/severity', message: `must be one of ${SEVERITIES.join(', ')}` });
  if (typeof input.dedup_key !== 'string' || input.dedup_key.length === 0 || input.dedup_key.length > 256)
    problems.push({ path: '/dedup_key', message: 'must be a string of 1 to 256 characters' });
  if (typeof input.title !== 'string' || input.title.length === 0)
    problems.push({ path: '/title', message: 'must be a non-empty string' });
  if (problems.length > 0) throw new ChurnError('CHURN_ERR_VALIDATION', 'invalid alert', problems);
}

function toAlert(r: Row): Alert {
  return {
    id: Number(r.id),
    kind: r.kind,
    severity: r.severity,
    dedup_key: r.dedup_key,
    title: r.title,
    details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
    first_seen: new Date(r.first_seen).toISOString(),
    last_seen: new Date(r.last_seen).toISOString(),
    count: Number(r.count),
    status: ALERT_STATUSES.includes(r.status) ? r.status : 'open',
  };
}
