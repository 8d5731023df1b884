import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { type Database, migrate, openPglite } from '../../src/db/index.js';
import {
  type EventEnvelope,
  EventMetrics,
  EventService,
  predictionScoredEvent,
} from '../../src/events/index.js';
import { Metrics } from '../../src/plugins/metrics.js';
import { createTestKey } from '../helpers/keys.js';

let db: Database;
beforeAll(async () => {
  db = await openPglite();
  await migrate(db);
});
afterAll(async () => db?.close());

describe('event configuration', () => {
  it('reads the topic prefix and the consumers to run, and refuses a bad prefix', () => {
    const c = loadConfig({
      CHURN_KAFKA_TOPIC_PREFIX: 'prod.',
      CHURN_EVENT_CONSUMERS: 'prediction-log-writer, x',
    });
    expect([c.kafkaTopicPrefix, c.eventConsumers]).toEqual(['prod.', ['prediction-log-writer', 'x']]);
    expect(loadConfig({}).eventConsumers).toBe('all');
    expect(loadConfig({ CHURN_EVENT_CONSUMERS: 'none' }).eventConsumers).toEqual([]);
    expect(() => loadConfig({ CHURN_KAFKA_TOPIC_PREFIX: 'a b' })).toThrow(/CHURN_KAFKA_TOPIC_PREFIX/);
  });
});

describe('EventService', () => {
  it('starts only the configured consumers', async () => {
    const metrics = new EventMetrics(new Registry());
    const log = pino({ level: 'silent' });
    const config = loadConfig({ CHURN_EVENT_CONSUMERS: 'writer' });
    const events = new EventService({ config, db, log, metrics });
    const sub = { group: 'g', topics: [events.topics.drift], handler: async () => {} };
    expect(events.start('writer', sub)).toBe(true);
    expect(events.start('drift-monitor', sub)).toBe(false);
    expect(events.consumers).toEqual(['writer']);
    expect(events.topics.drift).toBe('churn.drift-alerts');
    await events.close();
  });

  it('counts published and consumed events and the delivery time', async () => {
    const m = new Metrics();
    const events = new EventService({
      config: loadConfig({}),
      db,
      log: pino({ level: 'silent' }),
      metrics: m.events,
    });
    events.start('counter', {
      group: 'counter',
      topics: [events.topics.predictions],
      handler: async () => {},
    });
    for (let i = 0; i < 5; i++) {
      events.publish(
        'predictions',
        predictionScoredEvent(
          {
            predictionId: `00000000-0000-4000-8000-00000000000${i}`,
            customerId: 'c',
            modelVersion: 1,
            probability: 0.5,
            riskLevel: 'medium',
            features: {},
          },
          'test',
        ),
      );
    }
    events.bus.publishRaw(events.topics.predictions, 'c', Buffer.from('nope'));
    await events.bus.flush();
    const text = await m.registry.metrics();
    expect(text).toContain('churn_events_published_total{topic="churn.predictions"} 6');
    expect(text).toContain('churn_events_consumed_total{group="counter"} 5');
    expect(text).toContain('churn_events_dead_letters_total{group="counter"} 1');
    expect(text).toContain('churn_events_delivery_seconds_count{group="counter"} 5');
    await events.close();
  });
});

describe('the API on the in-process bus', () => {
  it('publishes feedback.received for recorded feedback', async () => {
    const own = await openPglite();
    await migrate(own);
    const ctx = await createAppContext({ config: loadConfig({}), db: own });
    const app = await buildApp(ctx);
    try {
      const seen: EventEnvelope[] = [];
      const h = ctx.events.bus.subscribe({
        group: 'feedback-test',
        topics: [ctx.events.topics.feedback],
        handler: async (batch) => void seen.push(...batch),
      });
      const { headers } = await createTestKey(ctx, 'predict');
      const res = await app.inject({
        method: 'POST',
        url: '/v1/feedback',
        headers,
        payload: { customer_id: 'cus_9', churned: true, observed_at: '2026-01-02T03:04:05.000Z' },
      });
      expect(res.statusCode).toBe(201);
      await ctx.events.bus.flush();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        type: 'feedback.received',
        key: 'cus_9',
        source: 'api',
        payload: {
          feedback_id: res.json().feedback_id,
          prediction_id: null,
          customer_id: 'cus_9',
          churned: true,
          observed_at: '2026-01-02T03:04:05.000Z',
        },
      });
      await h.close();
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });
});
