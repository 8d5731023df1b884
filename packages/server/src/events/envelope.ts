import { randomUUID } from 'node:crypto';

/** Event types the platform publishes; consumers accept any well-formed type. */
export const EVENT_TYPES = {
  predictionScored: 'prediction.scored',
  feedbackReceived: 'feedback.received',
  driftAlert: 'drift.alert',
  outlierDetected: 'outlier.detected',
  modelLifecycle: 'model.lifecycle',
  deadLettered: 'event.dead-lettered',
} as const;

export const ENVELOPE_VERSION = 1;

/** Largest encoded event accepted (below Kafka's default 1 MiB message limit, with room for headers). */
export const DEFAULT_MAX_EVENT_BYTES = 1_000_000;

/** The versioned JSON envelope of every event, keyed by customer id (or model version). */
export interface EventEnvelope<P extends object = Record<string, unknown>> {
  /** UUID v4; consumers are idempotent by it (or by a natural key inside the payload). */
  readonly id: string;
  readonly type: string;
  readonly version: typeof ENVELOPE_VERSION;
  /** Partitioning key: events with one key are delivered in publish order. */
  readonly key: string;
  /** ISO 8601 time the fact happened (not when it was sent). */
  readonly occurred_at: string;
  /** Who published it, e.g. `api`. */
  readonly source: string;
  readonly payload: P;
}

/** The envelope as JSON Schema (the validator below implements exactly this). */
export const ENVELOPE_JSON_SCHEMA = {
  $id: 'https://churn.dev/schemas/event-envelope-v1.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'version', 'key', 'occurred_at', 'source', 'payload'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$', maxLength: 100 },
    version: { const: ENVELOPE_VERSION },
    key: { type: 'string', minLength: 1, maxLength: 256 },
    occurred_at: { type: 'string', format: 'date-time' },
    source: { type: 'string', minLength: 1, maxLength: 100 },
    payload: { type: 'object' },
  },
} as const;

/**
 * A new envelope with a fresh id.
 *
 * @example
 * createEvent('feedback.received', 'cus_1', { churned: true }, 'api')
 */
export function createEvent<P extends object>(
  type: string,
  key: string,
  payload: P,
  source: string,
  occurredAt: Date = new Date(),
): EventEnvelope<P> {
  return {
    id: randomUUID(),
    type,
    version: ENVELOPE_VERSION,
    key,
    occurred_at: occurredAt.toISOString(),
    source,
    payload,
  };
}

export function encodeEvent(event: EventEnvelope<object>): Buffer {
  return Buffer.from(JSON.stringify(event));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const TYPE = new RegExp(ENVELOPE_JSON_SCHEMA.properties.type.pattern);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const FIELDS = new Set<string>(ENVELOPE_JSON_SCHEMA.required);

/** Why `value` is not a valid envelope (JSON path and message), or null when it is one. */
export function envelopeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '/: must be an object';
  const v = value as Record<string, unknown>;
  for (const f of FIELDS) if (!(f in v)) return `/${f}: is required`;
  for (const f of Object.keys(v)) if (!FIELDS.has(f)) return `/${f}: is not allowed`;
  const text = (f: string, max: number) => typeof v[f] === 'string' && v[f].length > 0 && v[f].length <= max;
  if (typeof v.id !== 'string' || !UUID.test(v.id)) return '/id: must be a UUID';
  if (!text('type', 100) || !TYPE.test(v.type as string)) return '/type: must look like "noun.verb"';
  if (v.version !== ENVELOPE_VERSION) return `/version: must be ${ENVELOPE_VERSION}`;
  if (!text('key', 256)) return '/key: must be a string of 1 to 256 characters';
  if (
    typeof v.occurred_at !== 'string' ||
    !ISO.test(v.occurred_at) ||
    Number.isNaN(Date.parse(v.occurred_at))
  )
    return '/occurred_at: must be an ISO 8601 date-time';
  if (!text('source', 100)) return '/source: must be a string of 1 to 100 characters';
  if (typeof v.payload !== 'object' || v.payload === null || Array.isArray(v.payload))
    return '/payload: must be an object';
  return null;
}

export type Decoded = { ok: true; event: EventEnvelope } | { ok: false; reason: string };

/** Parse and validate one message as the consumer sees it. */
export function decodeEvent(raw: Buffer | undefined, maxBytes = DEFAULT_MAX_EVENT_BYTES): Decoded {
  if (!raw || raw.length === 0) return { ok: false, reason: 'empty message' };
  if (raw.length > maxBytes) return { ok: false, reason: `oversized: ${raw.length} bytes > ${maxBytes}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `malformed JSON: ${(err as Error).message}` };
  }
  const problem = envelopeProblem(parsed);
  return problem
    ? { ok: false, reason: `invalid envelope: ${problem}` }
    : { ok: true, event: parsed as EventEnvelope };
}
