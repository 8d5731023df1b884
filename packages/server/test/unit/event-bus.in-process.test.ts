import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEvent, eventTopics, InProcessBus } from '../../src/events/index.js';
import { CONTRACT_MAX_EVENT_BYTES, eventBusContract } from '../contracts/event-bus.contract.js';

eventBusContract('in-process', {
  open: async () =>
    new InProcessBus({
      topics: eventTopics(`t-${randomUUID().slice(0, 8)}.`),
      maxEventBytes: CONTRACT_MAX_EVENT_BYTES,
      retryBaseMs: 10,
    }),
  timeoutMs: 5_000,
  flushWaitsForHandlers: true,
  settleMs: 0,
});

describe('InProcessBus', () => {
  it('drops, counts and logs events for a member whose queue is full, and delivers the rest', async () => {
    const dropped: Record<string, number> = {};
    const warnings: object[] = [];
    const log = { warn: (o: object) => void warnings.push(o) } as unknown as Logger;
    const bus = new InProcessBus({
      topics: eventTopics('full.'),
      maxQueuedEvents: 10,
      log,
      hooks: { dropped: (group, n) => void (dropped[group] = (dropped[group] ?? 0) + n) },
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: number[] = [];
    const fast: number[] = [];
    bus.subscribe({
      group: 'slow',
      topics: [bus.topics.feedback],
      maxBatch: 4,
      handler: async (batch) => {
        await gate;
        for (const e of batch) slow.push((e.payload as { i: number }).i);
      },
    });
    bus.subscribe({
      group: 'fast',
      topics: [bus.topics.feedback],
      handler: async (batch) => void fast.push(...batch.map((e) => (e.payload as { i: number }).i)),
    });
    const publish = (from: number, to: number) => {
      for (let i = from; i < to; i++)
        bus.publish(bus.topics.feedback, createEvent('feedback.received', 'one-key', { i }, 't'));
    };
    publish(0, 6);
    // Let the slow member take its first batch (4 events) into its handler, where it waits.
    await new Promise((r) => setTimeout(r, 20));
    // In bursts the other group keeps up with.
    for (let i = 6; i < 30; i += 8) {
      publish(i, i + 8);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(dropped).toEqual({ slow: 20 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ dropped: { slow: 1 }, maxQueuedEvents: 10 });
    release();
    await bus.flush();
    // The slow member got what its queue held, in order; the other group lost nothing.
    expect(slow).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(fast).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Caught up, it queues again.
    publish(30, 32);
    await bus.flush();
    expect(slow.slice(10)).toEqual([30, 31]);
    expect(dropped.slow).toBe(20);
    await bus.close();
  });

  it('parses a message once for all its groups: each gets the same envelope', async () => {
    const bus = new InProcessBus({ topics: eventTopics('once.') });
    const got: Record<string, object[]> = { a: [], b: [] };
    for (const group of ['a', 'b'])
      bus.subscribe({
        group,
        topics: [bus.topics.feedback],
        handler: async (batch) => void got[group].push(...batch),
      });
    for (let i = 0; i < 3; i++)
      bus.publish(bus.topics.feedback, createEvent('feedback.received', `k${i}`, { i }, 't'));
    await bus.flush();
    expect(got.a).toHaveLength(3);
    expect(got.a.map((e, i) => e === got.b[i])).toEqual([true, true, true]);
    await bus.close();
  });

  it('lets a batch gather for the subscription’s maxWaitMs', async () => {
    const bus = new InProcessBus({ topics: eventTopics('w.') });
    const sizes = { waiting: [] as number[], eager: [] as number[] };
    bus.subscribe({
      group: 'waiting',
      topics: [bus.topics.feedback],
      maxWaitMs: 400,
      handler: async (batch) => void sizes.waiting.push(batch.length),
    });
    bus.subscribe({
      group: 'eager',
      topics: [bus.topics.feedback],
      handler: async (batch) => void sizes.eager.push(batch.length),
    });
    // One event every 2 ms for ~40 ms, as steady traffic publishes them.
    for (let i = 0; i < 20; i++) {
      bus.publish(bus.topics.feedback, createEvent('feedback.received', `k${i}`, { i }, 't'));
      await new Promise((r) => setTimeout(r, 2));
    }
    await bus.flush();
    expect(sizes.waiting.reduce((a, b) => a + b, 0)).toBe(20);
    expect(sizes.eager.reduce((a, b) => a + b, 0)).toBe(20);
    // Without a wait every event is its own batch; with one they arrive together.
    expect(sizes.eager.length).toBeGreaterThan(10);
    expect(sizes.waiting.length).toBeLessThanOrEqual(2);
    await bus.close();
  });

  it('hands a gathering batch over at once on flush()', async () => {
    const bus = new InProcessBus({ topics: eventTopics('f.') });
    const seen: number[] = [];
    bus.subscribe({
      group: 'patient',
      topics: [bus.topics.feedback],
      maxWaitMs: 60_000,
      handler: async (batch) => void seen.push(batch.length),
    });
    bus.publish(bus.topics.feedback, createEvent('feedback.received', 'k', { i: 1 }, 't'));
    const t0 = Date.now();
    await bus.flush();
    expect(seen).toEqual([1]);
    expect(Date.now() - t0).toBeLessThan(30_000);
    await bus.close();
  });

  it('hands a closing member’s queued events to the rest of its group', async () => {
    const bus = new InProcessBus({ topics: eventTopics('h.') });
    const a: string[] = [];
    const b: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const handling = new Promise<void>((r) => {
      entered = r;
    });
    const ha = bus.subscribe({
      group: 'g',
      topics: [bus.topics.feedback],
      maxBatch: 2,
      handler: async (batch) => {
        entered();
        await gate;
        a.push(...batch.map((e) => e.id));
      },
    });
    bus.subscribe({
      group: 'g',
      topics: [bus.topics.feedback],
      handler: async (batch) => void b.push(...batch.map((e) => e.id)),
    });
    const events = Array.from({ length: 40 }, (_, i) =>
      createEvent('feedback.received', `k${i}`, { i }, 't'),
    );
    for (const e of events) bus.publish(bus.topics.feedback, e);
    await handling;
    const closing = ha.close();
    release();
    await closing;
    await bus.flush();
    // The member finished the batch it was handling (2 events); its other events went to b.
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(38);
    expect(new Set([...a, ...b])).toEqual(new Set(events.map((e) => e.id)));
    await bus.close();
  });
});
