import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Needs the Kafka broker started by scripts/services.sh (npm test does that and exports KAFKA_BROKERS,
// a comma-separated host:port list).
const KAFKA_BROKERS = process.env.KAFKA_BROKERS;

describe('kafka smoke', () => {
  let brokers: string[];
  const topic = `smoke-${randomUUID()}`;
  let admin: Admin | undefined;

  beforeAll(async () => {
    if (!KAFKA_BROKERS) {
      throw new Error(
        'KAFKA_BROKERS is not set: start the services with `scripts/services.sh up` and ' +
          '`eval "$(scripts/services.sh env)"`, or run the tests through `npm test` / scripts/test.sh',
      );
    }
    brokers = KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    admin = new Admin({ clientId: 'smoke-admin', bootstrapBrokers: brokers });
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  });

  afterAll(async () => {
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.close();
    }
  });

  it('produces a message and consumes it back', async () => {
    const value = JSON.stringify({ id: randomUUID(), at: Date.now() });

    const producer = new Producer({
      clientId: 'smoke-producer',
      bootstrapBrokers: brokers,
      serializers: stringSerializers,
    });
    try {
      const result = await producer.send({
        messages: [{ topic, key: 'customer-1', value, headers: { source: 'smoke' } }],
      });
      expect(result.offsets?.[0]).toMatchObject({ topic, partition: 0 });
    } finally {
      await producer.close();
    }

    const consumer = new Consumer({
      groupId: `smoke-${randomUUID()}`,
      clientId: 'smoke-consumer',
      bootstrapBrokers: brokers,
      deserializers: stringDeserializers,
      maxWaitTime: 500,
    });
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      let received:
        | { key: string; value: string; headers: Map<string, string>; partition: number }
        | undefined;
      for await (const message of stream) {
        received = message;
        break;
      }
      await stream.close();
      expect(received).toBeDefined();
      expect(received?.key).toBe('customer-1');
      expect(received?.value).toBe(value);
      expect(received?.headers.get('source')).toBe('smoke');
    } finally {
      await consumer.close(true);
    }
  });
});
