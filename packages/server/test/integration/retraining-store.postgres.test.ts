import pg from 'pg';
import { migrate, openPostgres } from '../../src/db/index.js';
import { retrainingStoreContract } from '../contracts/retraining-store.contract.js';

const url = process.env.DATABASE_URL;
if (!url)
  throw new Error('DATABASE_URL is not set: run the integration tests through `npm test` (scripts/test.sh)');

// A schema of its own, so that other suites on the same database cannot see this one's rows.
const SCHEMA = 'retraining_contract';

retrainingStoreContract('PostgreSQL', async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  await admin.end();
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${SCHEMA}`);
  const db = await openPostgres(scoped.toString());
  await migrate(db);
  return db;
});
