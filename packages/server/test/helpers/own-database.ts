import pg from 'pg';

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
