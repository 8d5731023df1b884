import { Consumer, type Message, type MessagesStream, stringDeserializer } from '@platformatic/kafka';
import type { Subscription } from './bus.js';
import { DeliveryAborted, deliver } from './delivery.js';
import type { KafkaBus } from './kafka-bus.js';
import { closeQuietly, forceClose, sleep } from './kafka-clients.js';

type Received = Message<string, Buffer, string, string>;

/** One member of a consumer group, reconnecting until closed. */
export class KafkaSubscription {
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private closed = false;
  private consumer: Consumer<string, Buffer, string, string> | null = null;
  private stream: MessagesStream<string, Buffer, string, string> | null = null;
  private readonly loop: Promise<void>;
  /** Offsets handled but not yet committed, by topic:partition (the latest message of each). */
  private readonly toCommit = new Map<string, Received>();
  private committing: Promise<void> | null = null;

  constructor(
    private readonly bus: KafkaBus,
    private readonly sub: Subscription,
  ) {
    this.ready = new Promise((r) => {
      this.markReady = r;
    });
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.markReady();
    await this.stream?.close().catch(() => {});
    await this.committing;
    const consumer = this.consumer;
    if (consumer) await closeQuietly(() => forceClose(consumer));
    // A join stuck on an unreachable broker ends on its own; do not hold shutdown for it.
    await Promise.race([this.loop, sleep(15_000)]);
  }

  private async run(): Promise<void> {
    const o = this.bus.options;
    let backoff = 500;
    while (!this.closed) {
      const consumer = new Consumer<string, Buffer, string, string>({
        clientId: `${o.clientId}-${this.sub.group}`,
        groupId: this.sub.group,
        bootstrapBrokers: [...o.brokers],
        deserializers: {
          key: stringDeserializer,
          headerKey: stringDeserializer,
          headerValue: stringDeserializer,
        },
        autocommit: false,
        sessionTimeout: o.sessionTimeoutMs ?? 10_000,
        rebalanceTimeout: 30_000,
        heartbeatInterval: 1000,
        maxWaitTime: o.maxWaitMs ?? 100,
        highWaterMark: 2048,
        retries: 2,
        retryDelay: 500,
        connectTimeout: 3000,
      });
      this.consumer = consumer;
      consumer.on('consumer:group:join', () => this.markReady());
      try {
        await this.bus.ensureTopics(this.sub.topics);
        if (this.closed) break;
        const stream = await consumer.consume({
          topics: [...this.sub.topics],
          mode: 'committed',
          fallbackMode: 'earliest',
          autocommit: false,
        });
        this.stream = stream;
        if (this.closed) await stream.close();
        const maxBatch = this.sub.maxBatch ?? 500;
        let batch: Received[] = [];
        for await (const message of stream as AsyncIterable<Received>) {
          batch.push(message);
          // Whatever one fetch brought is one batch: the handler sees it as soon as it arrived.
          if (batch.length >= maxBatch || stream.readableLength === 0) {
            await this.process(batch, consumer);
            batch = [];
            backoff = 500;
          }
        }
      } catch (err) {
        if (!this.closed && !(err instanceof DeliveryAborted)) {
          o.log?.warn({ err, group: this.sub.group, retryInMs: backoff }, 'event consumer lost the broker');
        }
      } finally {
        await this.committing;
        this.toCommit.clear();
        this.stream = null;
        await closeQuietly(() => forceClose(consumer));
      }
      if (this.closed) break;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private async process(
    batch: Received[],
    consumer: Consumer<string, Buffer, string, string>,
  ): Promise<void> {
    const o = this.bus.options;
    let deadLetters = 0;
    await deliver(
      batch.map((m) => ({
        topic: m.topic,
        key: m.key,
        value: m.value,
        partition: m.partition,
        offset: m.offset,
      })),
      {
        group: this.sub.group,
        handler: this.sub.handler,
        deadLetter: (e) => {
          deadLetters++;
          this.bus.publish(this.bus.topics.deadLetter, e);
        },
        maxEventBytes: o.maxEventBytes,
        attempts: o.handlerAttempts,
        retryBaseMs: o.retryBaseMs,
        hooks: o.hooks,
        log: o.log,
        closed: () => this.closed,
      },
    );
    // A dead letter is durable before the offset that skips its message is committed.
    if (deadLetters > 0) await this.bus.flush();
    for (const m of batch) this.toCommit.set(`${m.topic}:${m.partition}`, m);
    this.committing ??= this.commitLoop(consumer);
  }

  /**
   * Commit handled offsets in the background, one request at a time, always the latest: the
   * next batch is handled while the commit travels. Only handled offsets are ever committed, so
   * delivery stays at least once.
   */
  private async commitLoop(consumer: Consumer<string, Buffer, string, string>): Promise<void> {
    while (this.toCommit.size > 0) {
      const offsets = [...this.toCommit.values()].map((m) => ({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset + 1n,
        leaderEpoch: -1,
      }));
      this.toCommit.clear();
      try {
        await consumer.commit({ offsets });
      } catch (err) {
        // Handled anyway; after a rebalance another member may see the batch again (idempotent).
        this.bus.options.log?.warn({ err, group: this.sub.group }, 'offset commit failed');
      }
    }
    this.committing = null;
  }
}
