import type { Logger } from 'pino';
import type { BusHooks, WireMessage } from './bus.js';
import type { Outbox } from './outbox.js';

export interface BatchPublisherOptions {
  /** Send one batch to the broker; resolves once the broker acknowledged all of it. */
  readonly send: (batch: WireMessage[]) => Promise<void>;
  /** Called after a failed send, before the next one (e.g. to replace the producer). */
  readonly onSendError?: (err: unknown) => Promise<void>;
  readonly outbox: Outbox;
  /** Events per send (default 500). */
  readonly batchSize?: number;
  /** How long the first event of a batch waits for company (default 5 ms). */
  readonly lingerMs?: number;
  /**
   * Events allowed to wait for a slow broker in memory (default 20,000); batches beyond it go
   * straight to the outbox, so memory stays bounded when sends hang instead of failing.
   */
  readonly maxQueued?: number;
  /** Outbox rows per relay send (default 2000). */
  readonly relayBatchSize?: number;
  /** Relay retry delays: first and largest (defaults 250 ms and 5 s). */
  readonly relayMinMs?: number;
  readonly relayMaxMs?: number;
  readonly hooks?: BusHooks;
  readonly log?: Logger;
}

/**
 * Fire-and-forget publishing with a durable fallback. Events are batched in memory (by size and
 * linger time) and sent one batch at a time. A batch the broker does not acknowledge is written to
 * the outbox, and so is every later batch while the outbox holds rows (that keeps each key's
 * order across an outage); the relay retries the outbox with backoff and switches back to direct
 * sending once it is empty. Batches, outbox writes and relay rounds run in one sequence, so they
 * never race.
 */
export class BatchPublisher {
  private buffer: WireMessage[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** Events in batches handed to the chain and not yet sent or stored. */
  private queued = 0;
  /** Overflow batches on their way to the outbox, outside the chain. */
  private overflow: Promise<void> = Promise.resolve();
  private lingerTimer: NodeJS.Timeout | null = null;
  private relayTimer: NodeJS.Timeout | null = null;
  private relayDelay: number;
  private closed = false;
  /** True while events go to the outbox: after a failed send, until the relay emptied it. */
  private spillingFlag = false;

  constructor(private readonly o: BatchPublisherOptions) {
    this.relayDelay = o.relayMinMs ?? 250;
    // Rows left by an earlier run (or another instance) are relayed from the start.
    this.scheduleRelay(0);
  }

  get spilling(): boolean {
    return this.spillingFlag;
  }

  enqueue(message: WireMessage): void {
    this.buffer.push(message);
    if (this.buffer.length >= (this.o.batchSize ?? 500)) this.kick();
    else if (!this.lingerTimer) this.lingerTimer = setTimeout(() => this.kick(), this.o.lingerMs ?? 5);
  }

  /** Resolves when every event enqueued so far is acknowledged or in the outbox. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.lingerTimer) {
      this.kick();
      await Promise.all([this.chain, this.overflow]);
    }
    await Promise.all([this.chain, this.overflow]);
  }

  /** Flush; while the outbox holds rows and the broker answers, relay them (for up to `drainMs`). */
  async close(drainMs = 5000): Promise<void> {
    await this.flush();
    const end = Date.now() + drainMs;
    while (this.spillingFlag && Date.now() < end) {
      if (this.relayTimer) clearTimeout(this.relayTimer);
      this.relayTimer = null;
      let delivered = true;
      this.chain = this.chain.then(async () => {
        delivered = await this.relayRound();
      });
      await this.chain;
      if (!delivered) break; // the broker is still away: the rows wait for the next start
      if (this.spillingFlag) await new Promise((r) => setTimeout(r, 50));
    }
    this.closed = true;
    if (this.relayTimer) clearTimeout(this.relayTimer);
    this.relayTimer = null;
    await this.chain;
  }

  private kick(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    const size = this.o.batchSize ?? 500;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, size);
      if (this.queued >= (this.o.maxQueued ?? 20_000)) {
        // The broker is slow, not failing: keep memory bounded. (Order across the overflow may
        // differ from publish order; consumers are idempotent and monitors are order-tolerant.)
        this.spillingFlag = true;
        this.overflow = this.overflow.then(() => this.toOutbox(batch));
        this.scheduleRelay(this.o.relayMinMs ?? 250);
        continue;
      }
      this.queued += batch.length;
      this.chain = this.chain
        .then(() => this.ship(batch))
        .finally(() => {
          this.queued -= batch.length;
        });
    }
  }

  private async ship(batch: WireMessage[]): Promise<void> {
    if (!this.spillingFlag) {
      try {
        await this.o.send(batch);
        this.count(batch);
        return;
      } catch (err) {
        this.o.hooks?.sendFailed?.(batch.length, err);
        this.o.log?.warn({ err, events: batch.length }, 'event send failed: writing to the outbox');
        this.spillingFlag = true;
        await this.o.onSendError?.(err).catch(() => {});
        this.scheduleRelay(this.o.relayMinMs ?? 250);
      }
    }
    await this.toOutbox(batch);
  }

  private async toOutbox(batch: WireMessage[]): Promise<void> {
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.o.outbox.add(batch);
        this.o.hooks?.outboxed?.(batch.length);
        return;
      } catch (err) {
        // Broker and database both unreachable: keep the batch in memory and keep trying.
        this.o.log?.error({ err, events: batch.length }, 'outbox write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private scheduleRelay(delay: number): void {
    if (this.relayTimer || this.closed) return;
    this.relayTimer = setTimeout(() => {
      this.relayTimer = null;
      this.chain = this.chain.then(async () => {
        await this.relayRound();
      });
    }, delay);
  }

  /** One relay round; false when the broker (or the database) did not take the rows. */
  private async relayRound(): Promise<boolean> {
    const size = this.o.relayBatchSize ?? 2000;
    try {
      const sent = await this.o.outbox.relay(size, async (batch) => {
        await this.o.send(batch);
        this.count(batch);
      });
      if (sent === size) {
        this.scheduleRelay(0);
        return true;
      }
      if ((await this.o.outbox.pending()) === 0) {
        if (this.spillingFlag) this.o.log?.info('outbox empty: publishing directly again');
        this.spillingFlag = false;
        this.relayDelay = this.o.relayMinMs ?? 250;
        return true;
      }
      // Rows leased by another relay: look again later.
      this.scheduleRelay(sent > 0 ? 0 : this.relayDelay);
      return true;
    } catch (err) {
      this.o.hooks?.sendFailed?.(0, err);
      this.o.log?.warn({ err, retryInMs: this.relayDelay }, 'outbox relay failed');
      await this.o.onSendError?.(err).catch(() => {});
      this.scheduleRelay(this.relayDelay);
      this.relayDelay = Math.min(this.relayDelay * 2, this.o.relayMaxMs ?? 5000);
      return false;
    }
  }

  private count(batch: readonly WireMessage[]): void {
    const byTopic = new Map<string, number>();
    for (const m of batch) byTopic.set(m.topic, (byTopic.get(m.topic) ?? 0) + 1);
    for (const [t, n] of byTopic) this.o.hooks?.published?.(t, n);
  }
}
