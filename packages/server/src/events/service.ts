import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { EventBus, Subscription, SubscriptionHandle } from './bus.js';
import type { EventEnvelope } from './envelope.js';
import { InProcessBus } from './in-process-bus.js';
import { KafkaBus } from './kafka-bus.js';
import type { EventMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { eventTopics, type TopicKey, type Topics } from './topics.js';

export interface EventServiceOptions {
  readonly config: Config;
  readonly db: Database;
  readonly log: Logger;
  readonly metrics: EventMetrics;
}

/**
 * The event stream of one process: the configured bus (Kafka when KAFKA_BROKERS is set, else
 * in-process) and the consumers this process runs (CHURN_EVENT_CONSUMERS), stopped on close.
 */
export class EventService {
  readonly bus: EventBus;
  readonly topics: Topics;
  private readonly running = new Map<string, SubscriptionHandle>();

  constructor(private readonly o: EventServiceOptions) {
    const { config, db, log, metrics } = o;
    this.topics = eventTopics(config.kafkaTopicPrefix);
    const busLog = log.child({ component: 'events' });
    this.bus = config.kafkaBrokers
      ? new KafkaBus({
          topics: this.topics,
          brokers: config.kafkaBrokers,
          clientId: `churn-${hostname().replace(/[^\w.-]/g, '-')}-${process.pid}`,
          db,
          hooks: metrics,
          log: busLog,
        })
      : new InProcessBus({ topics: this.topics, hooks: metrics, log: busLog });
    if (config.kafkaBrokers) {
      const outbox = new Outbox(db);
      metrics.pendingProbe = () => outbox.pending();
    }
  }

  /** Publish to one of the platform's topics. */
  publish(topic: TopicKey, event: EventEnvelope<object>): void {
    this.bus.publish(this.topics[topic], event);
  }

  /**
   * Start a consumer under `name` if this process runs it (CHURN_EVENT_CONSUMERS). Returns
   * whether it was started; it joins its group in the background.
   */
  start(name: string, subscription: Subscription): boolean {
    const wanted = this.o.config.eventConsumers;
    if (wanted !== 'all' && !wanted.includes(name)) return false;
    if (this.running.has(name)) throw new Error(`event consumer ${name} is already running`);
    this.running.set(name, this.bus.subscribe(subscription));
    this.o.log.info(
      { consumer: name, group: subscription.group, bus: this.bus.kind },
      'event consumer started',
    );
    return true;
  }

  /** Names of the consumers this process runs. */
  get consumers(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves when every started consumer has joined its group. */
  async ready(): Promise<void> {
    await Promise.all([...this.running.values()].map((h) => h.ready));
  }

  /** Flush what was published, stop the consumers, release the bus. */
  async close(): Promise<void> {
    await this.bus.flush();
    await Promise.all([...this.running.values()].map((h) => h.close()));
    this.running.clear();
    await this.bus.close();
    this.o.metrics.pendingProbe = null;
  }
}
