import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Needs the PostgreSQL started by scripts/services.sh (npm test does that and exports DATABASE_URL).
const DATABASE_URL = process.env.DATABASE_URL;

describe('postgres smoke', () => {
  let client: pg.Client;

  beforeAll(async () => {
    if (!DATABASE_URL) {
      throw new Error(
        'DATABASE_URL is not set: start the services with `scripts/services.sh up` and ' +
          '`eval "$(scripts/services.sh env)"`, or run the tests through `npm test` / scripts/test.sh',
      );
    }
    client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 10_000 });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  it('creates a table, inserts and selects rows back', async () => {
    const table = `smoke_${process.pid}_${Date.now()}`;
    await client.query(
      `CREATE TEMP TABLE ${table} (id serial PRIMARY KEY, name text NOT NULL, score double precision)`,
    );
    await client.query(`INSERT INTO ${table} (name, score) VALUES ($1, $2), ($3, $4)`, [
      'alice',
      0.25,
      'bob',
      0.75,
    ]);
    const { rows } = await client.query<{ id: number; name: string; score: number }>(
      `SELECT id, name, score FROM ${table} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, name: 'alice', score: 0.25 },
      { id: 2, name: 'bob', score: 0.75 },
    ]);
    const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    expect(Number(version.rows[0].server_version_num)).toBeGreaterThanOrEqual(140000);
  });
});
