import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export type { Database } from './database.js';
export { migrate } from './migrate.js';
export { openPglite } from './pglite.js';
export { openPostgres } from './postgres.js';

/** The configured database (PostgreSQL when DATABASE_URL is set, else PGlite in the data folder), migrated. */
export async function openDatabase(config: Config): Promise<Database> {
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl)
    : await openPglite(join(config.dataDir, 'pglite'));
  await migrate(db);
  return db;
}
