import pg from 'pg';
import type { Database } from './database.js';

/** PostgreSQL through a `pg` connection pool. */
export async function openPostgres(url: string, max = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max });
  // Fail at start-up, with the server's own message, when the database is unreachable.
  const client = await pool.connect();
  client.release();
  return {
    kind: 'postgres',
    async query(sql, params) {
      const r = await pool.query(sql, params as unknown[] | undefined);
      return r.rows;
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn({
          async query(sql, params) {
            const r = await c.query(sql, params as unknown[] | undefined);
            return r.rows;
          },
        });
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK');
        throw err;
      } finally {
        c.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
