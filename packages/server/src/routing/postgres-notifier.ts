import pg from 'pg';
import type { Database } from '../db/index.js';
import type { ChangeNotifier } from './notifier.js';

/**
 * PostgreSQL LISTEN/NOTIFY on a dedicated connection (a pooled one would drop the LISTEN when
 * returned). On a connection error it reconnects with a growing delay and then reports a
 * generation of -1 so that listeners re-read the state they may have missed meanwhile.
 */
export class PostgresNotifier implements ChangeNotifier {
  private client: pg.Client | null = null;
  private readonly listeners = new Set<(generation: number) => void>();
  private closed = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly url: string,
    private readonly channel = 'churn_routing',
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Open the listening connection; resolves once LISTEN is in place. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel) return;
      const generation = Number(msg.payload);
      for (const l of this.listeners) l(Number.isFinite(generation) ? generation : -1);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('listen connection ended')));
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.client = client;
    this.retryMs = 100;
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.onError(err);
    client.removeAllListeners();
    void client.end().catch(() => {});
    this.reconnect();
  }

  private reconnect(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start().then(
        () => {
          for (const l of this.listeners) l(-1);
        },
        (err: unknown) => {
          this.onError(err);
          this.retryMs = Math.min(this.retryMs * 2, 5_000);
          this.reconnect();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }

  async publish(generation: number): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, String(generation)]);
  }

  subscribe(listener: (generation: number) => void): void {
    this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    this.listeners.clear();
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  }
}
