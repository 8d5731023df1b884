import type { BusOptions, EventBus, Subscription, SubscriptionHandle } from './bus.js';
import { DeliveryAborted, deliver, oversizedDeadLetter, type ReceivedMessage } from './delivery.js';
import { DEFAULT_MAX_EVENT_BYTES, type EventEnvelope, encodeEvent } from './envelope.js';
import type { Topics } from './topics.js';

interface Member {
  readonly sub: Subscription;
  readonly queue: ReceivedMessage[];
  running: Promise<void> | null;
  /** Ends the wait for a batch to gather (set while the member waits its maxWaitMs). */
  wake: (() => void) | null;
  closed: boolean;
}

/**
 * The event bus inside one process (embedded mode, no broker). Same semantics as Kafka for what
 * the platform relies on: events travel encoded and are validated on receipt, every group gets
 * every event, members of a group share events by key (one key → one member, in order), handler
 * errors are retried, bad messages are dead-lettered. Not durable: events live in memory, and a
 * group sees only events published after it subscribed. Bounded: a member more than
 * `maxQueuedEvents` behind loses the newer events until it catches up (counted, logged).
 */
export class InProcessBus implements EventBus {
  readonly kind = 'in-process' as const;
  readonly topics: Topics;
  private readonly groups = new Map<string, Member[]>();
  private readonly maxBytes: number;
  /** flush() calls in progress: while one runs, nobody waits for batches to gather. */
  private flushing = 0;
  private readonly maxQueued: number;
  /** Events dropped per group since the last warning, and when that was (one warning per 10 s). */
  private readonly drops = new Map<string, number>();
  private lastDropWarning = 0;

  constructor(private readonly options: BusOptions) {
    this.topics = options.topics;
    this.maxBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.maxQueued = options.maxQueuedEvents ?? 20_000;
  }

  publish(topic: string, event: EventEnvelope<object>): void {
    const value = encodeEvent(event);
    if (value.length > this.maxBytes) {
      this.options.hooks?.deadLettered?.('publisher', 'oversized');
      this.route(
        this.topics.deadLetter,
        event.key,
        encodeEvent(oversizedDeadLetter(topic, event.key, value, this.maxBytes)),
      );
      return;
    }
    this.route(topic, event.key, value);
  }

  publishRaw(topic: string, key: string, value: Buffer): void {
    this.route(topic, key, Buffer.from(value));
  }

  subscribe(sub: Subscription): SubscriptionHandle {
    const member: Member = { sub, queue: [], running: null, wake: null, closed: false };
    const members = this.groups.get(sub.group) ?? [];
    members.push(member);
    this.groups.set(sub.group, members);
    return {
      ready: Promise.resolve(),
      close: async () => {
        member.closed = true;
        member.wake?.();
        await member.running?.catch(() => {});
        const rest = (this.groups.get(sub.group) ?? []).filter((m) => m !== member);
        if (rest.length === 0) this.groups.delete(sub.group);
        else this.groups.set(sub.group, rest);
        // Unacknowledged events move to the group's other members, like a rebalance.
        for (const m of member.queue.splice(0)) this.toGroup(rest, m);
      },
    };
  }

  async flush(): Promise<void> {
    this.flushing++;
    try {
      for (;;) {
        const busy = [...this.groups.values()].flat().filter((m) => m.running);
        if (busy.length === 0) return;
        for (const m of busy) m.wake?.();
        await Promise.all(busy.map((m) => m.running?.catch(() => {})));
      }
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    const members = [...this.groups.values()].flat();
    for (const m of members) m.closed = true;
    this.groups.clear();
  }

  private route(topic: string, key: string, value: Buffer): void {
    this.options.hooks?.published?.(topic, 1);
    // One message object for every group: deliver() parses and validates it once (decodeOnce).
    const message = { topic, key, value };
    for (const members of this.groups.values()) this.toGroup(members, message);
  }

  private toGroup(members: readonly Member[], message: ReceivedMessage): void {
    const eligible = members.filter((m) => !m.closed && m.sub.topics.includes(message.topic));
    if (eligible.length === 0) return;
    const member = eligible[hash(message.key ?? '') % eligible.length];
    if (member.queue.length >= this.maxQueued) {
      this.drop(member.sub.group);
      return;
    }
    member.queue.push(message);
    this.kick(member);
  }

  /** Count an event dropped for a full queue; warn at most every 10 s with the counts since. */
  private drop(group: string): void {
    this.options.hooks?.dropped?.(group, 1);
    this.drops.set(group, (this.drops.get(group) ?? 0) + 1);
    const now = Date.now();
    if (now - this.lastDropWarning < 10_000) return;
    this.lastDropWarning = now;
    this.options.log?.warn(
      { dropped: Object.fromEntries(this.drops), maxQueuedEvents: this.maxQueued },
      'in-process event bus: consumers are behind by the queue limit; newer events for them were dropped',
    );
    this.drops.clear();
  }

  private kick(member: Member): void {
    if (member.running || member.closed) return;
    // One turn of the event loop (or the subscription's maxWaitMs) lets publishes form one batch.
    const wait = this.flushing > 0 ? 0 : (member.sub.maxWaitMs ?? 0);
    member.running = new Promise<void>((r) => {
      if (wait === 0) return void setImmediate(r);
      const timer = setTimeout(r, wait);
      member.wake = () => {
        clearTimeout(timer);
        r();
      };
    })
      .then(() => {
        member.wake = null;
        return this.drain(member);
      })
      .finally(() => {
        member.running = null;
        if (member.queue.length > 0) this.kick(member);
      });
  }

  private async drain(member: Member): Promise<void> {
    const { group, handler, maxBatch = 500 } = member.sub;
    while (member.queue.length > 0 && !member.closed) {
      const batch = member.queue.slice(0, maxBatch);
      try {
        await deliver(batch, {
          group,
          handler,
          deadLetter: (e) => this.publish(this.topics.deadLetter, e),
          maxEventBytes: this.maxBytes,
          attempts: this.options.handlerAttempts,
          retryBaseMs: this.options.retryBaseMs,
          hooks: this.options.hooks,
          log: this.options.log,
          closed: () => member.closed,
        });
      } catch (err) {
        if (err instanceof DeliveryAborted) return; // the batch stays queued for close() to hand over
        throw err;
      }
      member.queue.splice(0, batch.length);
      // A consumer that waits for batches to gather waits again, unless a full batch is ready.
      if (this.flushing === 0 && (member.sub.maxWaitMs ?? 0) > 0 && member.queue.length < maxBatch) return;
    }
  }
}

/** FNV-1a: a stable spread of keys over a group's members. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
