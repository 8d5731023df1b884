import { randomUUID } from 'node:crypto';
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
