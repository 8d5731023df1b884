import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEvent,
  EVENT_TYPES,
  type EventBus,
  type EventEnvelope,
  type SubscriptionHandle,
} from '../../src/events/index.js';

export interface EventBusContractOptions {
  /**
   * A new bus on topics of its own (a fresh prefix per call), with `maxEventBytes: 20_000` and
   * `retryBaseMs: 10`.
   */
  readonly open: () => Promise<EventBus>;
  /** How long deliveries may take (Kafka: group joins, fetch waits). */
  readonly timeoutMs: number;
  /** True when `flush()` also waits for the handlers (in-process). */
  readonly flushWaitsForHandlers: boolean;
  /**
   * How long a group takes to settle after a member joined (Kafka: the other members notice the
   * rebalance at their next heartbeat). While it rebalances an event may reach two members.
   */
  readonly settleMs: number;
}

export const CONTRACT_MAX_EVENT_BYTES = 20_000;

/** Poll until `cond` holds, failing with `what` after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const scored = (key: string, payload: Record<string, unknown>) =>
  createEvent(EVENT_TYPES.predictionScored, key, payload, 'contract-test');

/** A handler that records what it was given. */
function recorder() {
  const seen: EventEnvelope[] = [];
  return {
    seen,
    ids: () => new Set(seen.map((e) => e.id)),
    handler: async (batch: readonly EventEnvelope[]) => {
      seen.push(...batch);
    },
  };
}

/**
 * The one suite every EventBus implementation (in-process, Kafka) passes: delivery, order per
 * key, group semantics, at-least-once on handler errors, dead letters, flush.
 */
export function eventBusContract(name: string, o: EventBusContractOptions): void {
  describe(`EventBus contract: ${name}`, () => {
    const open: EventBus[] = [];
    const handles: SubscriptionHandle[] = [];
    const newBus = async () => {
      const bus = await o.open();
      open.push(bus);
      return bus;
    };
    const subscribe = async (bus: EventBus, ...args: Parameters<EventBus['subscribe']>) => {
      const h = bus.subscribe(...args);
      handles.push(h);
      await h.ready;
      return h;
    };
    // Group names unique per test: a group left by an earlier test (or run) never slows a join.
    let suffix = randomUUID().slice(0, 8);
    const g = (name: string) => `${name}-${suffix}`;
    afterEach(async () => {
      suffix = randomUUID().slice(0, 8);
      await Promise.all(handles.splice(0).map((h) => h.close()));
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('delivers every published event to a subscribed group, intact', async () => {
      const bus = await newBus();
      const r = recorder();
      await subscribe(bus, { group: g('g'), topics: [bus.topics.predictions], handler: r.handler });
      const sent = Array.from({ length: 50 }, (_, i) => scored(`cus_${i % 5}`, { i, nested: { ok: true } }));
      for (const e of sent) bus.publish(bus.topics.predictions, e);
      await until(() => r.ids().size === 50, o.timeoutMs, '50 events');
      const byId = new Map(r.seen.map((e) => [e.id, e]));
      for (const e of sent) expect(byId.get(e.id)).toEqual(e);
    });

    it('keeps the order of the events of one key', async () => {
      const bus = await newBus();
      const r = recorder();
      await subscribe(bus, { group: g('g'), topics: [bus.topics.feedback], handler: r.handler, maxBatch: 7 });
      const keys = ['a', 'b', 'c'];
      for (let seq = 0; seq < 90; seq++) {
        bus.publish(bus.topics.feedback, scored(keys[seq % 3], { seq }));
      }
      await until(() => r.ids().size === 90, o.timeoutMs, '90 events');
      const firstSeen = new Set<string>();
      for (const key of keys) {
        const order = r.seen
          .filter((e) => e.key === key && !firstSeen.has(e.id) && firstSeen.add(e.id))
          .map((e) => e.payload.seq as number);
        expect(order).toEqual([...order].sort((x, y) => x - y));
        expect(order).toHaveLength(30);
      }
    });

    it('gives every group every event, and each event to one member of a group', async () => {
      const bus = await newBus();
      const solo = recorder();
      const m1 = recorder();
      const m2 = recorder();
      const topic = bus.topics.predictions;
      await subscribe(bus, { group: g('solo'), topics: [topic], handler: solo.handler });
      await subscribe(bus, { group: g('pair'), topics: [topic], handler: m1.handler });
      await subscribe(bus, { group: g('pair'), topics: [topic], handler: m2.handler });
      await new Promise((r) => setTimeout(r, o.settleMs));
      const sent = Array.from({ length: 60 }, (_, i) => scored(`k${i % 12}`, { i }));
      for (const e of sent) bus.publish(topic, e);
      const pairIds = () => new Set([...m1.ids(), ...m2.ids()]);
      await until(() => solo.ids().size === 60 && pairIds().size === 60, o.timeoutMs, 'both groups');
      const shared = [...m1.ids()].filter((id) => m2.ids().has(id));
      expect(shared).toEqual([]);
      // One key is one member's: its events never split between members.
      for (const key of new Set(sent.map((e) => e.key))) {
        const in1 = m1.seen.some((e) => e.key === key);
        const in2 = m2.seen.some((e) => e.key === key);
        expect(in1 && in2).toBe(false);
      }
    });

    it('hands a batch whose handler failed over again (at least once)', async () => {
      const bus = await newBus();
      const seen: EventEnvelope[] = [];
      let failures = 0;
      await subscribe(bus, {
        group: g('flaky'),
        topics: [bus.topics.outliers],
        handler: async (batch) => {
          if (failures < 2 && batch.some((e) => e.payload.poison === false)) {
            failures++;
            throw new Error('database hiccup');
          }
          seen.push(...batch);
        },
      });
      const sent = Array.from({ length: 10 }, (_, i) =>
        scored(`c${i}`, { i, poison: i === 4 ? false : null }),
      );
      for (const e of sent) bus.publish(bus.topics.outliers, e);
      await until(() => new Set(seen.map((e) => e.id)).size === 10, o.timeoutMs, 'redelivery');
      expect(failures).toBe(2);
    });

    it('dead-letters malformed, oversized and refused messages with the reason, and goes on', async () => {
      const bus = await newBus();
      const good = recorder();
      const dead = recorder();
      const topic = bus.topics.drift;
      await subscribe(bus, {
        group: g('monitor'),
        topics: [topic],
        handler: async (batch) => {
          await good.handler(batch.filter((e) => e.payload.refuse !== true));
          return {
            rejected: batch
              .filter((e) => e.payload.refuse === true)
              .map((event) => ({ event, reason: '/payload/refuse: not here' })),
          };
        },
      });
      await subscribe(bus, {
        group: g('dlq-reader'),
        topics: [bus.topics.deadLetter],
        handler: dead.handler,
      });
      const first = scored('c1', { n: 1 });
      const last = scored('c2', { n: 2 });
      bus.publish(topic, first);
      bus.publishRaw(topic, 'c3', Buffer.from('{"id": "not json'));
      const { id: _id, ...noId } = scored('c4', {});
      bus.publishRaw(topic, 'c4', Buffer.from(JSON.stringify(noId)));
      bus.publishRaw(topic, 'c5', Buffer.alloc(CONTRACT_MAX_EVENT_BYTES + 1000, 'x'));
      bus.publish(topic, scored('c6', { blob: 'y'.repeat(CONTRACT_MAX_EVENT_BYTES) }));
      bus.publish(topic, scored('c7', { refuse: true }));
      bus.publish(topic, last);
      await until(() => good.ids().size === 2 && dead.ids().size === 5, o.timeoutMs, 'dead letters');
      expect(good.seen.map((e) => e.id).sort()).toEqual([first.id, last.id].sort());
      const letters = new Map(dead.seen.map((e) => [e.key, e]));
      expect([...letters.keys()].sort()).toEqual(['c3', 'c4', 'c5', 'c6', 'c7']);
      for (const e of letters.values()) {
        expect(e.type).toBe(EVENT_TYPES.deadLettered);
        expect(e.payload.topic).toBe(topic);
      }
      expect(letters.get('c3')?.payload).toMatchObject({ group: g('monitor'), raw: '{"id": "not json' });
      expect(letters.get('c3')?.payload.reason).toMatch(/^malformed JSON/);
      expect(letters.get('c4')?.payload.reason).toBe('invalid envelope: /id: is required');
      expect(letters.get('c5')?.payload.reason).toMatch(/^oversized: 21000 bytes > 20000/);
      expect(letters.get('c5')?.payload.raw_bytes).toBe(21_000);
      expect(letters.get('c6')?.payload).toMatchObject({ group: null });
      expect(letters.get('c6')?.payload.reason).toMatch(/^oversized/);
      expect(letters.get('c7')?.payload.reason).toBe('rejected by the consumer: /payload/refuse: not here');
    });

    it('publishes without waiting, and flush makes everything published durable', async () => {
      const bus = await newBus();
      const r = recorder();
      await subscribe(bus, { group: g('g'), topics: [bus.topics.models], handler: r.handler });
      const t0 = performance.now();
      for (let i = 0; i < 2000; i++) bus.publish(bus.topics.models, scored(`m${i % 3}`, { i }));
      expect(performance.now() - t0).toBeLessThan(500);
      await bus.flush();
      if (o.flushWaitsForHandlers) expect(r.ids().size).toBe(2000);
      await until(() => r.ids().size === 2000, o.timeoutMs, '2000 events');
    });
  });
}
