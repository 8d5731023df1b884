import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrate, openPostgres } from '../../src/db/index.js';
import { createEvent, type EventEnvelope, eventTopics, KafkaBus } from '../../src/events/index.js';
import { CONTRACT_MAX_EVENT_BYTES, eventBusContract, until } from '../contracts/event-bus.contract.js';
import { deleteTopics, freshDatabase, serviceEnv } from './events-support.js';

const { databaseUrl, brokers } = serviceEnv();
const prefix = `it-${randomUUID().slice(0, 8)}`;
let db: Database;
let dropDb: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  const fresh = await freshDatabase(databaseUrl);
  dropDb = fresh.drop;
  db = await openPostgres(fresh.url);
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  await dropDb?.();
  await deleteTopics(brokers, prefix);
});

eventBusContract('Kafka', {
  open: async () =>
    new KafkaBus({
      topics: eventTopics(`${prefix}-${n++}.`),
      brokers,
      clientId: 'contract',
      db,
      partitions: 3,
      maxEventBytes: CONTRACT_MAX_EVENT_BYTES,
      retryBaseMs: 10,
    }),
  timeoutMs: 30_000,
  flushWaitsForHandlers: false,
  settleMs: 8_000,
});

describe('KafkaBus', () => {
  it('keeps publishing into the outbox when no broker is reachable, and closes promptly', async () => {
    const topics = eventTopics(`${prefix}-nobroker.`);
    const bus = new KafkaBus({ topics, brokers: ['127.0.0.1:9'], clientId: 'nobroker', db });
    const h = bus.subscribe({ group: 'nobroker', topics: [topics.feedback], handler: async () => {} });
    const t0 = performance.now();
    for (let i = 0; i < 100; i++)
      bus.publish(topics.feedback, createEvent('feedback.received', `k${i}`, { i }, 't'));
    expect(performance.now() - t0).toBeLessThan(100);
    await bus.flush();
    const rows = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM event_outbox WHERE topic = $1',
      [topics.feedback],
    );
    expect(Number(rows[0].n)).toBe(100);
    const closing = performance.now();
    await h.close();
    await bus.close();
    expect(performance.now() - closing).toBeLessThan(20_000);
    await db.query('DELETE FROM event_outbox WHERE topic = $1', [topics.feedback]);
  });

  it('commits handled offsets: a group that restarts resumes after what it handled', async () => {
    const bus = new KafkaBus({
      topics: eventTopics(`${prefix}-resume.`),
      brokers,
      clientId: 'resume',
      db,
      partitions: 3,
    });
    const group = `resume-${randomUUID().slice(0, 8)}`;
    const first: EventEnvelope[] = [];
    const h1 = bus.subscribe({
      group,
      topics: [bus.topics.feedback],
      handler: async (b) => void first.push(...b),
    });
    await h1.ready;
    const before = Array.from({ length: 20 }, (_, i) =>
      createEvent('feedback.received', `k${i}`, { i }, 't'),
    );
    for (const e of before) bus.publish(bus.topics.feedback, e);
    await until(() => new Set(first.map((e) => e.id)).size === 20, 30_000, 'the first 20');
    await h1.close();
    const after = Array.from({ length: 5 }, (_, i) => createEvent('feedback.received', `k${i}`, { i }, 't'));
    for (const e of after) bus.publish(bus.topics.feedback, e);
    await bus.flush();
    const second: EventEnvelope[] = [];
    const h2 = bus.subscribe({
      group,
      topics: [bus.topics.feedback],
      handler: async (b) => void second.push(...b),
    });
    await h2.ready;
    await until(() => second.length >= 5, 30_000, 'the 5 published while no member ran');
    // Give a wrongly uncommitted earlier batch the time to show up again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(second.map((e) => e.id).sort()).toEqual(after.map((e) => e.id).sort());
    await h2.close();
    await bus.close();
  });
});
