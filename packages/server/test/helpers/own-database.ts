import pg from 'pg';
import { type Database, migrate, openPostgres } from '../../src/db/index.js';

/** A PostgreSQL database of one test file's own on the shared test server. */
export interface OwnDatabase {
  readonly name: string;
  /** Its connection URL. */
  readonly url: string;
  /** Drop it (if there) and create it empty. */
  recreate(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A database named `name` beside the one `DATABASE_URL` points at (what `npm test` starts), so that
 * no other suite's schema changes meet this file's.
 *
 * @example
 * const db = ownDatabase('churn_it_training');
 * await db.recreate(); // … openPostgres(db.url) …; await db.drop();
 */
export function ownDatabase(name: string, baseUrl = process.env.DATABASE_URL): OwnDatabase {
  if (!baseUrl)
    throw new Error(
      'DATABASE_URL is not set: run the integration tests through `npm test` (scripts/test.sh)',
    );
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const admin = async (...statements: string[]) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const dropSql = `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`;
  return {
    name,
    url: url.toString(),
    recreate: () => admin(dropSql, `CREATE DATABASE ${name}`),
    drop: () => admin(dropSql),
  };
}

/**
 * A migrated PostgreSQL connection whose tables live in a schema of their own (dropped and created
 * empty first) on the database `DATABASE_URL` points at: other suites on that database, some of
 * which drop `public`, and this one cannot see each other's rows.
 */
export async function openOwnSchema(schema: string, baseUrl = process.env.DATABASE_URL): Promise<Database> {
  if (!baseUrl)
    throw new Error(
      'DATABASE_URL is not set: run the integration tests through `npm test` (scripts/test.sh)',
    );
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a plain schema name: ${schema}`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const scoped = new URL(baseUrl);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  const db = await openPostgres(scoped.toString());
  await migrate(db);
  return db;
}
