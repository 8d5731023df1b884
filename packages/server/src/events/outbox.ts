import type { Database } from '../db/index.js';
import type { WireMessage } from './bus.js';

/** How long a relay holds rows it is sending before another relay may take them. */
const LEASE_SECONDS = 60;

/**
 * The durable outbox (`event_outbox`): batches the broker did not acknowledge wait here and are
 * relayed in id order. Rows are leased while a relay sends them, so that several API instances
 * can relay from one database without sending a row twice at once.
 */
export class Outbox {
  constructor(private readonly db: Database) {}

  async add(batch: readonly WireMessage[]): Promise<void> {
    for (let start = 0; start < batch.length; start += 1000) {
      const part = batch.slice(start, start + 1000);
      const values: unknown[] = [];
      const rows = part.map((m, i) => {
        values.push(m.topic, m.key, m.value);
        return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`;
      });
      await this.db.query(`INSERT INTO event_outbox (topic, key, payload) VALUES ${rows.join(', ')}`, values);
    }
  }

  /** Rows waiting, leased or not. */
  async pending(): Promise<number> {
    const [{ n }] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox');
    return Number(n);
  }

  /**
   * Lease up to `limit` of the oldest rows, hand them to `send`, and delete them once it resolved.
   * When `send` throws, the rows are released with the error recorded and the error is rethrown.
   * Returns how many rows were delivered.
   */
  async relay(limit: number, send: (batch: WireMessage[]) => Promise<void>): Promise<number> {
    const rows = await this.db.query<{ id: string; topic: string; key: string; payload: Uint8Array }>(
      `UPDATE event_outbox SET claimed_until = now() + make_interval(secs => $2)
       WHERE id IN (
         SELECT id FROM event_outbox WHERE claimed_until IS NULL OR claimed_until < now()
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, topic, key, payload`,
      [limit, LEASE_SECONDS],
    );
    if (rows.length === 0) return 0;
    rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const ids = rows.map((r) => r.id);
    try {
      await send(rows.map((r) => ({ topic: r.topic, key: r.key, value: Buffer.from(r.payload) })));
    } catch (err) {
      await this.db.query(
        `UPDATE event_outbox SET claimed_until = NULL, attempts = attempts + 1, last_error = $2
         WHERE id = ANY($1::bigint[])`,
        [ids, String((err as Error)?.message ?? err).slice(0, 500)],
      );
      throw err;
    }
    await this.db.query('DELETE FROM event_outbox WHERE id = ANY($1::bigint[])', [ids]);
    return rows.length;
  }
}
