import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrate, openPglite } from '../../src/db/index.js';
import {
  BatchPublisher,
  claimEvents,
  createEvent,
  decodeEvent,
  encodeEvent,
  Outbox,
  type WireMessage,
} from '../../src/events/index.js';
import { until } from '../contracts/event-bus.contract.js';

let db: Database;
beforeAll(async () => {
  db = await openPglite();
  await migrate(db);
});
afterAll(async () => db?.close());

const outboxRows = async () =>
  db.query<{ n: number; attempts: number; err: string | null }>(
    'SELECT count(*)::int AS n, max(attempts)::int AS attempts, max(last_error) AS err FROM event_outbox',
  );

describe('BatchPublisher with the outbox', () => {
  it('keeps events in the outbox while sends fail, then relays them in order', async () => {
    let down = false;
    const sent: WireMessage[] = [];
    let outboxed = 0;
    let sendFailures = 0;
    const publisher = new BatchPublisher({
      outbox: new Outbox(db),
      batchSize: 200,
      relayMinMs: 20,
      relayMaxMs: 100,
      hooks: { outboxed: (n) => void (outboxed += n), sendFailed: () => void sendFailures++ },
      send: async (batch) => {
        if (down) throw new Error('broker unreachable');
        sent.push(...batch);
      },
    });
    const msg = (i: number): WireMessage => ({ topic: 't', key: `k${i % 7}`, value: Buffer.from(String(i)) });
    await until(() => !publisher.spilling, 2000, 'the start-up relay round');
    for (let i = 0; i < 100; i++) publisher.enqueue(msg(i));
    await publisher.flush();
    expect(sent).toHaveLength(100);

    down = true;
    for (let i = 100; i < 1300; i++) publisher.enqueue(msg(i));
    await publisher.flush();
    expect(sent).toHaveLength(100);
    expect(outboxed).toBe(1200);
    expect(publisher.spilling).toBe(true);
    expect((await outboxRows())[0].n).toBe(1200);
    await until(() => sendFailures >= 3, 5000, 'relay attempts');
    const [failed] = await outboxRows();
    expect(failed.attempts).toBeGreaterThan(0);
    expect(failed.err).toBe('broker unreachable');

    // Still spilling: new events queue behind the outbox, not ahead of it.
    down = false;
    for (let i = 1300; i < 1400; i++) publisher.enqueue(msg(i));
    await until(() => sent.length === 1400 && !publisher.spilling, 10_000, 'the relay to drain');
    expect(sent.map((m) => Number(m.value.toString()))).toEqual(Array.from({ length: 1400 }, (_, i) => i));
    expect((await outboxRows())[0].n).toBe(0);
    await publisher.close();
  });

  it('bounds memory when sends hang: batches beyond the limit go to the outbox', async () => {
    await db.query('DELETE FROM event_outbox');
    let release!: () => void;
    const hang = new Promise<void>((r) => {
      release = r;
    });
    const sent: WireMessage[] = [];
    let hung = false;
    const publisher = new BatchPublisher({
      outbox: new Outbox(db),
      batchSize: 200,
      maxQueued: 1000,
      relayMinMs: 20,
      send: async (batch) => {
        if (!hung) {
          hung = true;
          await hang;
        }
        sent.push(...batch);
      },
    });
    await until(() => !publisher.spilling, 2000, 'the start-up relay round');
    const msg = (i: number) => ({ topic: 't', key: 'k', value: Buffer.from(String(i)) });
    try {
      for (let i = 0; i < 200; i++) publisher.enqueue(msg(i));
      await until(() => hung, 2000, 'the first send');
      for (let i = 200; i < 3000; i++) publisher.enqueue(msg(i));
      // 1000 events wait in memory (the first batch hangs in its send), the other 2000 are stored.
      const deadline = Date.now() + 5000;
      while ((await outboxRows())[0].n < 2000 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect((await outboxRows())[0].n).toBe(2000);
      expect(sent).toHaveLength(0);
      release();
      await until(() => sent.length === 3000 && !publisher.spilling, 10_000, 'everything to be sent');
      expect(new Set(sent.map((m) => m.value.toString())).size).toBe(3000);
    } finally {
      release();
      await publisher.close();
    }
  });

  it('lets only one relay send a row at a time (leases)', async () => {
    const outbox = new Outbox(db);
    await outbox.add(
      Array.from({ length: 10 }, (_, i) => ({ topic: 't', key: 'k', value: Buffer.from([i]) })),
    );
    let release!: () => void;
    const holding = new Promise<void>((r) => {
      release = r;
    });
    const first: number[] = [];
    const slow = outbox.relay(6, async (batch) => {
      first.push(...batch.map((m) => m.value[0]));
      await holding;
    });
    await until(() => first.length > 0, 2000, 'the first relay');
    const second: number[] = [];
    expect(await outbox.relay(100, async (batch) => void second.push(...batch.map((m) => m.value[0])))).toBe(
      4,
    );
    release();
    expect(await slow).toBe(6);
    expect(first).toEqual([0, 1, 2, 3, 4, 5]);
    expect(second).toEqual([6, 7, 8, 9]);
    expect(await outbox.pending()).toBe(0);
  });
});

describe('claimEvents', () => {
  it('returns only the events a group has not processed, once each', async () => {
    const e = Array.from({ length: 4 }, (_, i) => createEvent('drift.alert', 'm1', { i }, 't'));
    expect((await claimEvents(db, 'g1', [e[0], e[1]])).map((x) => x.id)).toEqual([e[0].id, e[1].id]);
    expect((await claimEvents(db, 'g1', [e[1], e[2], e[2], e[3]])).map((x) => x.id)).toEqual([
      e[2].id,
      e[3].id,
    ]);
    expect(await claimEvents(db, 'g2', [e[0]])).toHaveLength(1);
  });
});

describe('decodeEvent', () => {
  const valid = createEvent('prediction.scored', 'cus_1', { p: 0.2 }, 'api');
  it('accepts a valid envelope', () => {
    expect(decodeEvent(encodeEvent(valid))).toEqual({ ok: true, event: valid });
  });
  it.each([
    ['an empty message', Buffer.alloc(0), 'empty message'],
    ['broken JSON', Buffer.from('{'), 'malformed JSON'],
    ['an array', Buffer.from('[]'), 'invalid envelope: /: must be an object'],
    ['an unknown version', { ...valid, version: 2 }, 'invalid envelope: /version: must be 1'],
    ['a bad id', { ...valid, id: 'x' }, 'invalid envelope: /id: must be a UUID'],
    ['a bad type', { ...valid, type: 'Scored' }, 'invalid envelope: /type'],
    ['an empty key', { ...valid, key: '' }, 'invalid envelope: /key'],
    ['a bad time', { ...valid, occurred_at: 'yesterday' }, 'invalid envelope: /occurred_at'],
    ['a payload that is not an object', { ...valid, payload: 3 }, 'invalid envelope: /payload'],
    ['an extra field', { ...valid, extra: 1 }, 'invalid envelope: /extra: is not allowed'],
    ['an oversized message', Buffer.alloc(101, 'a'), 'oversized: 101 bytes > 100'],
  ])('refuses %s with the reason', (_name, input, reason) => {
    const raw = Buffer.isBuffer(input) ? input : Buffer.from(JSON.stringify(input));
    const d = decodeEvent(raw, Buffer.isBuffer(input) && input.length === 101 ? 100 : 1_000_000);
    expect(d.ok).toBe(false);
    expect(d.ok ? '' : d.reason).toContain(reason);
  });
});
