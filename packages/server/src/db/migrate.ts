import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './database.js';

/**
 * Apply the SQL migrations in `db/migrations` (one set for PostgreSQL and PGlite) that the
 * database has not seen yet, in file-name order, each in its own transaction.
 */
export async function migrate(
  db: Database,
  dir = new URL('../../src/db/migrations/', import.meta.url),
): Promise<string[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
  );
  const done = new Set(
    (await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name),
  );
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = await readFile(new URL(file, dir), 'utf8');
    await db.transaction(async (tx) => {
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1) ON CONFLICT DO NOTHING', [file]);
    });
    applied.push(file);
  }
  return applied;
}

/** Split a migration file into statements (no semicolons inside literals in our migrations). */
function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
