import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/index.js';
import { PostgresNotifier } from '../../src/routing/index.js';
import { changeNotifierContract } from '../contracts/change-notifier.contract.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set: run the integration tests through `npm test`');
// A channel of this file's own, so that running servers' routing notifications never mix in.
const channel = `churn_routing_test_${process.pid}`;

async function pair() {
  const db = await openPostgres(url as string, 2);
  const publisher = new PostgresNotifier(db, url as string, channel);
  const listener = new PostgresNotifier(db, url as string, channel);
  await listener.start();
  return {
    db,
    publisher,
    listener,
    close: async () => {
      await listener.close();
      await publisher.close();
      await db.close();
    },
  };
}

changeNotifierContract('PostgreSQL LISTEN/NOTIFY', pair);

describe('PostgresNotifier', () => {
  it('reconnects after its connection is killed, asks for a re-read, and delivers again', async () => {
    const p = await pair();
    const received: number[] = [];
    p.listener.subscribe((g) => received.push(g));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = $1',
        [`LISTEN ${channel}`],
      );
      expect(killed.rows).toEqual([{ ok: true }]);
      const t0 = performance.now();
      // -1 = "you may have missed something": listeners re-read the state.
      while (!received.includes(-1) && performance.now() - t0 < 5_000)
        await new Promise((r) => setTimeout(r, 10));
      expect(received).toContain(-1);
      await p.publisher.publish(42);
      while (!received.includes(42) && performance.now() - t0 < 6_000)
        await new Promise((r) => setTimeout(r, 10));
      expect(received).toContain(42);
    } finally {
      await admin.end();
      await p.close();
    }
  });
});
