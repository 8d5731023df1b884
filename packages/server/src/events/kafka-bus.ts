import { Admin, Producer, stringSerializer } from '@platformatic/kafka';
import type { Database } from '../db/index.js';
import { BatchPublisher } from './batch-publisher.js';
import type { BusOptions, EventBus, Subscription, SubscriptionHandle, WireMessage } from './bus.js';
import { oversizedDeadLetter } from './delivery.js';
import { DEFAULT_MAX_EVENT_BYTES, type EventEnvelope, encodeEvent } from './envelope.js';
import { closeQuietly, forceClose } from './kafka-clients.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { Outbox } from './outbox.js';
import { TOPIC_PARTITIONS, type Topics } from './topics.js';

export interface KafkaBusOptions extends BusOptions {
  readonly brokers: readonly string[];
  /** Client id prefix, e.g. `churn-api`. */
  readonly clientId: string;
  /** The database holding the outbox. */
  readonly db: Database;
  readonly partitions?: number;
  /** Consumer session timeout (default 10 s): how long a dead member holds its partitions. */
  readonly sessionTimeoutMs?: number;
  /** Longest a fetch waits for data (default 100 ms): bounds delivery latency. */
  readonly maxWaitMs?: number;
  /** Producer batching: events per send and linger (defaults 500 and 5 ms). */
  readonly batchSize?: number;
  readonly lingerMs?: number;
}

type Bytes = Producer<string, Buffer, string, string>;

/**
 * The event bus on Kafka (@platformatic/kafka). Producing: an idempotent producer (acks = all)
 * behind a `BatchPublisher`, so publishing never waits for the broker and a batch Kafka does not
 * acknowledge lands in the database outbox. Consuming: one Kafka consumer per subscription in the
 * subscription's group (they scale by partitions); offsets are committed only after the handler
 * succeeded; a consumer that loses the broker reconnects with backoff.
 */
export class KafkaBus implements EventBus {
  readonly kind = 'kafka' as const;
  readonly topics: Topics;
  private producer: Bytes;
  private readonly publisher: BatchPublisher;
  private readonly maxBytes: number;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly knownTopics = new Set<string>();

  constructor(readonly options: KafkaBusOptions) {
    this.topics = options.topics;
    this.maxBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.producer = this.newProducer();
    this.publisher = new BatchPublisher({
      outbox: new Outbox(options.db),
      batchSize: options.batchSize,
      lingerMs: options.lingerMs,
      hooks: options.hooks,
      log: options.log,
      send: (batch) => this.send(batch),
      onSendError: async () => {
        // A fresh producer id: the old one's sequence numbers are unknown after a failed send,
        // and reusing them could make the broker drop a new batch as a "duplicate".
        const old = this.producer;
        this.producer = this.newProducer();
        await closeQuietly(() => forceClose(old));
      },
    });
  }

  publish(topic: string, event: EventEnvelope<object>): void {
    const value = encodeEvent(event);
    if (value.length > this.maxBytes) {
      this.options.hooks?.deadLettered?.('publisher', 'oversized');
      const dl = oversizedDeadLetter(topic, event.key, value, this.maxBytes);
      this.publisher.enqueue({ topic: this.topics.deadLetter, key: dl.key, value: encodeEvent(dl) });
      return;
    }
    this.publisher.enqueue({ topic, key: event.key, value });
  }

  publishRaw(topic: string, key: string, value: Buffer): void {
    this.publisher.enqueue({ topic, key, value });
  }

  subscribe(subscription: Subscription): SubscriptionHandle {
    const sub = new KafkaSubscription(this, subscription);
    this.subscriptions.add(sub);
    return {
      ready: sub.ready,
      close: async () => {
        this.subscriptions.delete(sub);
        await sub.close();
      },
    };
  }

  flush(): Promise<void> {
    return this.publisher.flush();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    await this.publisher.close();
    await closeQuietly(() => forceClose(this.producer));
  }

  /** Create the platform's topics (and `extra` ones) that do not exist yet, with our partitions. */
  async ensureTopics(extra: readonly string[] = []): Promise<void> {
    const wanted = [...Object.values(this.topics), ...extra].filter((t) => !this.knownTopics.has(t));
    if (wanted.length === 0) return;
    await this.createTopics(wanted);
    for (const t of wanted) this.knownTopics.add(t);
  }

  private async createTopics(wanted: readonly string[]): Promise<void> {
    const admin = new Admin({
      clientId: `${this.options.clientId}-admin`,
      bootstrapBrokers: [...this.options.brokers],
      retries: 1,
    });
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [...new Set(wanted)].filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      await admin
        .createTopics({
          topics: missing,
          partitions: this.options.partitions ?? TOPIC_PARTITIONS,
          replicas: 1,
        })
        .catch((err: Error) => {
          // Another instance created them first.
          if (
            !/already exists/i.test(
              `${err.message} ${JSON.stringify((err as { errors?: unknown }).errors ?? '')}`,
            )
          )
            throw err;
        });
    } finally {
      await closeQuietly(() => admin.close());
    }
  }

  private newProducer(): Bytes {
    return new Producer({
      clientId: `${this.options.clientId}-producer`,
      bootstrapBrokers: [...this.options.brokers],
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      idempotent: true,
      // A few quick retries ride out a leader change; a real outage goes to the outbox.
      retries: 3,
      retryDelay: 250,
      connectTimeout: 3000,
      timeout: 10_000,
      autocreateTopics: true,
    });
  }

  private async send(batch: WireMessage[]): Promise<void> {
    await this.ensureTopics(batch.map((m) => m.topic));
    await this.producer.send({
      messages: batch.map((m) => ({ topic: m.topic, key: m.key, value: m.value })),
    });
  }
}
