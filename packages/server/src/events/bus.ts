import type { Logger } from 'pino';
import type { EventEnvelope } from './envelope.js';
import type { Topics } from './topics.js';

/**
 * A batch of valid envelopes for one consumer group. Resolve to acknowledge it (optionally naming
 * events whose payload the consumer refuses: they go to the dead-letter topic), throw to get the
 * batch again.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: most handlers return nothing (`async () => {}`)
export type EventHandler = (batch: readonly EventEnvelope[]) => Promise<void | HandlerResult>;

export interface HandlerResult {
  readonly rejected?: readonly { readonly event: EventEnvelope; readonly reason: string }[];
}

export interface Subscription {
  /** Consumer group: each group gets every event; members of one group share them by key. */
  readonly group: string;
  readonly topics: readonly string[];
  readonly handler: EventHandler;
  /** Largest batch handed to the handler (default 500). */
  readonly maxBatch?: number;
  /**
   * How long the in-process bus lets a batch gather before handing it over (default 0: the next
   * turn of the event loop, so a burst of publishes is one batch). A consumer whose every batch
   * costs a database round trip sets it, so steady traffic makes a few large batches instead of
   * one per event. On Kafka each fetch is a batch (the fetch waits up to `maxWaitMs` of the bus).
   */
  readonly maxWaitMs?: number;
}

export interface SubscriptionHandle {
  /** Resolves once the member has joined its group and receives events. */
  readonly ready: Promise<void>;
  /** Stop receiving; events not yet acknowledged go to another member or the next start. */
  close(): Promise<void>;
}

/** What buses report, for metrics; every hook is optional. */
export interface BusHooks {
  published?(topic: string, n: number): void;
  /** A send to the broker failed; the events were kept (outbox). */
  sendFailed?(n: number, err: unknown): void;
  outboxed?(n: number): void;
  consumed?(group: string, events: readonly EventEnvelope[]): void;
  deadLettered?(group: string, reason: string): void;
  handlerFailed?(group: string, err: unknown): void;
  /** The in-process bus dropped events for a group member whose queue was full. */
  dropped?(group: string, n: number): void;
}

export interface BusOptions {
  readonly topics: Topics;
  /** Larger encoded events go to the dead-letter topic (default 1,000,000 bytes). */
  readonly maxEventBytes?: number;
  readonly hooks?: BusHooks;
  readonly log?: Logger;
  /** Handler attempts on one batch before its events are tried one by one (default 10). */
  readonly handlerAttempts?: number;
  /** First retry delay after a handler error, doubled up to 5 s (default 100 ms). */
  readonly retryBaseMs?: number;
  /**
   * In-process bus: events waiting for one member of a group (its batch in delivery included)
   * before newer events for it are dropped, counted and logged (default 20,000, as many as the
   * Kafka publisher holds before it spills to the outbox). Keeps memory bounded when a consumer
   * cannot keep up with a sustained overload.
   */
  readonly maxQueuedEvents?: number;
}

/**
 * The event bus contract. Two implementations pass one contract suite
 * (test/contracts/event-bus.contract.ts): `InProcessBus` (embedded mode) and `KafkaBus`.
 *
 * Delivery is at least once: a handler may see an event again after a failure or a rebalance, so
 * consumers are idempotent by event id (or by a natural key such as `prediction_id`). Events with
 * one key reach a group in publish order. Consumers validate every message against the envelope
 * schema; malformed, oversized or repeatedly failing messages go to the dead-letter topic with the
 * reason, and the consumer moves on.
 */
export interface EventBus {
  readonly kind: 'in-process' | 'kafka';
  readonly topics: Topics;
  /** Queue an event; never blocks and never throws for a broker outage. */
  publish(topic: string, event: EventEnvelope<object>): void;
  /** Queue raw bytes as they would arrive from a foreign producer (relays, tests). */
  publishRaw(topic: string, key: string, value: Buffer): void;
  subscribe(subscription: Subscription): SubscriptionHandle;
  /**
   * Resolves when everything published so far is durable: acknowledged by Kafka or stored in the
   * outbox; in-process, handled by every subscribed group.
   */
  flush(): Promise<void>;
  /** Flush, stop every subscription and release connections. */
  close(): Promise<void>;
}

/** A message as it travels: topic, key and the encoded bytes. */
export interface WireMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
}
