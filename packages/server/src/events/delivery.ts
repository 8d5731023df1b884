import type { Logger } from 'pino';
import type { BusHooks, EventHandler } from './bus.js';
import {
  createEvent,
  DEFAULT_MAX_EVENT_BYTES,
  type Decoded,
  decodeEvent,
  EVENT_TYPES,
  type EventEnvelope,
} from './envelope.js';

/** One received message, before validation. */
export interface ReceivedMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Buffer | undefined;
  readonly partition?: number;
  readonly offset?: bigint;
}

export interface DeliveryOptions {
  readonly group: string;
  readonly handler: EventHandler;
  /** Publish a dead-letter envelope (to the dead-letter topic). */
  readonly deadLetter: (event: EventEnvelope) => void;
  readonly maxEventBytes?: number;
  readonly attempts?: number;
  readonly retryBaseMs?: number;
  readonly hooks?: BusHooks;
  readonly log?: Logger;
  /** True once the subscription is closing: stop retrying, acknowledge nothing. */
  readonly closed: () => boolean;
}

/** Thrown when a subscription closes mid-delivery: the batch is not acknowledged. */
export class DeliveryAborted extends Error {}

/** Raw bytes kept in a dead letter (the rest is cut, its length recorded). */
const DEAD_LETTER_RAW_BYTES = 16_384;

/**
 * Deliver one batch of received messages to a group's handler, the same way on every bus:
 * invalid messages become dead letters, the valid ones go to the handler as one batch, retried
 * with backoff; a batch that keeps failing is retried event by event, and the events that still
 * fail become dead letters. Returns when the batch may be acknowledged.
 */
export async function deliver(messages: readonly ReceivedMessage[], o: DeliveryOptions): Promise<void> {
  const max = o.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const valid: EventEnvelope[] = [];
  const from = new Map<EventEnvelope, ReceivedMessage>();
  for (const m of messages) {
    const d = decodeOnce(m, max);
    if (d.ok) {
      valid.push(d.event);
      from.set(d.event, m);
    } else deadLetter(o, m, d.reason);
  }
  if (valid.length === 0) return;
  const attempts = o.attempts ?? 10;
  if (await tryHandle(o, from, valid, attempts)) return;
  // Find the poison: one event at a time, so that one bad event does not hold the others back.
  for (const e of valid) {
    if (!(await tryHandle(o, from, [e], 2))) {
      deadLetter(o, from.get(e) as ReceivedMessage, `handler failed ${attempts + 2} times`);
    }
  }
}

/**
 * Decoded messages: the in-process bus hands one message object to every group, so each is
 * parsed and validated once, not once per group. Handlers get envelopes they must not change.
 */
const decoded = new WeakMap<ReceivedMessage, { max: number; d: Decoded }>();

function decodeOnce(m: ReceivedMessage, max: number): Decoded {
  const hit = decoded.get(m);
  if (hit && hit.max === max) return hit.d;
  const d = decodeEvent(m.value, max);
  decoded.set(m, { max, d });
  return d;
}

async function tryHandle(
  o: DeliveryOptions,
  from: ReadonlyMap<EventEnvelope, ReceivedMessage>,
  batch: EventEnvelope[],
  attempts: number,
): Promise<boolean> {
  let delay = o.retryBaseMs ?? 100;
  for (let i = 0; i < attempts; i++) {
    if (o.closed()) throw new DeliveryAborted(`subscription ${o.group} closed`);
    try {
      const result = await o.handler(batch);
      o.hooks?.consumed?.(o.group, batch);
      for (const r of result?.rejected ?? []) {
        const m = from.get(r.event) ?? {
          topic: '',
          key: r.event.key,
          value: Buffer.from(JSON.stringify(r.event)),
        };
        deadLetter(o, m, `rejected by the consumer: ${r.reason}`);
      }
      return true;
    } catch (err) {
      o.hooks?.handlerFailed?.(o.group, err);
      o.log?.warn({ err, group: o.group, events: batch.length, attempt: i + 1 }, 'event handler failed');
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
  return false;
}

function deadLetter(o: DeliveryOptions, m: ReceivedMessage, reason: string): void {
  const raw = m.value ?? Buffer.alloc(0);
  o.hooks?.deadLettered?.(o.group, reason);
  o.log?.warn({ group: o.group, topic: m.topic, reason }, 'event dead-lettered');
  o.deadLetter(
    createEvent(
      EVENT_TYPES.deadLettered,
      m.key && m.key.length > 0 ? m.key.slice(0, 256) : 'unknown',
      {
        reason,
        group: o.group,
        topic: m.topic,
        partition: m.partition ?? null,
        offset: m.offset === undefined ? null : String(m.offset),
        raw: raw.subarray(0, DEAD_LETTER_RAW_BYTES).toString('utf8'),
        raw_bytes: raw.length,
      },
      `consumer:${o.group}`.slice(0, 100),
    ),
  );
}

/** The dead letter for an event refused at publish time (too large to send). */
export function oversizedDeadLetter(topic: string, key: string, value: Buffer, max: number): EventEnvelope {
  return createEvent(
    EVENT_TYPES.deadLettered,
    key.slice(0, 256) || 'unknown',
    {
      reason: `oversized: ${value.length} bytes > ${max}`,
      group: null,
      topic,
      partition: null,
      offset: null,
      raw: value.subarray(0, DEAD_LETTER_RAW_BYTES).toString('utf8'),
      raw_bytes: value.length,
    },
    'publisher',
  );
}
