import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BusHooks } from './bus.js';
import type { EventEnvelope } from './envelope.js';

/** The event stream's Prometheus metrics (`churn_events_*`), fed by the bus hooks. */
export class EventMetrics implements BusHooks {
  readonly publishedTotal: Counter<'topic'>;
  readonly sendFailuresTotal: Counter;
  readonly outboxedTotal: Counter;
  readonly consumedTotal: Counter<'group'>;
  readonly deadLettersTotal: Counter<'group'>;
  readonly handlerErrorsTotal: Counter<'group'>;
  readonly droppedTotal: Counter<'group'>;
  readonly deliverySeconds: Histogram<'group'>;
  readonly outboxPending: Gauge;
  /** Reads the outbox size at scrape time; set by the event service when there is an outbox. */
  pendingProbe: (() => Promise<number>) | null = null;

  constructor(registry: Registry) {
    const registers = [registry];
    this.publishedTotal = new Counter({
      name: 'churn_events_published_total',
      help: 'Events delivered to the bus (acknowledged by Kafka, or queued in-process), by topic',
      labelNames: ['topic'],
      registers,
    });
    this.sendFailuresTotal = new Counter({
      name: 'churn_events_send_failures_total',
      help: 'Sends to the broker that failed (their events went to the outbox)',
      registers,
    });
    this.outboxedTotal = new Counter({
      name: 'churn_events_outboxed_total',
      help: 'Events written to the database outbox while the broker was unreachable',
      registers,
    });
    this.consumedTotal = new Counter({
      name: 'churn_events_consumed_total',
      help: 'Events handled successfully, by consumer group',
      labelNames: ['group'],
      registers,
    });
    this.deadLettersTotal = new Counter({
      name: 'churn_events_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by consumer group (publisher: refused at publish)',
      labelNames: ['group'],
      registers,
    });
    this.handlerErrorsTotal = new Counter({
      name: 'churn_events_handler_errors_total',
      help: 'Failed handler attempts (retried), by consumer group',
      labelNames: ['group'],
      registers,
    });
    this.droppedTotal = new Counter({
      name: 'churn_events_dropped_total',
      help: 'Events the in-process bus dropped because a consumer group member was too far behind, by group',
      labelNames: ['group'],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'churn_events_delivery_seconds',
      help: 'Time from an event happening to its handler finishing, by consumer group',
      labelNames: ['group'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    const probe = () => this.pendingProbe;
    this.outboxPending = new Gauge({
      name: 'churn_events_outbox_pending',
      help: 'Events waiting in the outbox for the broker',
      registers,
      async collect() {
        const p = probe();
        if (p) this.set(await p().catch(() => Number.NaN));
      },
    });
  }

  published(topic: string, n: number): void {
    this.publishedTotal.labels({ topic }).inc(n);
  }
  sendFailed(): void {
    this.sendFailuresTotal.inc();
  }
  outboxed(n: number): void {
    this.outboxedTotal.inc(n);
  }
  consumed(group: string, events: readonly EventEnvelope[]): void {
    this.consumedTotal.labels({ group }).inc(events.length);
    const now = Date.now();
    const h = this.deliverySeconds.labels({ group });
    for (const e of events) h.observe(Math.max(0, now - Date.parse(e.occurred_at)) / 1000);
  }
  deadLettered(group: string): void {
    this.deadLettersTotal.labels({ group }).inc();
  }
  handlerFailed(group: string): void {
    this.handlerErrorsTotal.labels({ group }).inc();
  }
  dropped(group: string, n: number): void {
    this.droppedTotal.labels({ group }).inc(n);
  }
}
