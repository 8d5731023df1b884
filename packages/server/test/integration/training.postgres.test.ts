import pg from 'pg';
import { migrate, openPostgres } from '../../src/db/index.js';
import { trainingContract } from '../contracts/training.contract.js';

const url = process.env.DATABASE_URL;
if (!url)
  throw new Error('DATABASE_URL is not set: run the integration tests through `npm test` (scripts/test.sh)');

// A database of this file's own, so that no other suite's schema changes meet it.
const own = new URL(url);
own.pathname = '/churn_it_training';
const admin = async (sql: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

trainingContract(
  'PostgreSQL',
  async () => {
    await admin('DROP DATABASE IF EXISTS churn_it_training WITH (FORCE)');
    await admin('CREATE DATABASE churn_it_training');
    const db = await openPostgres(own.toString());
    await migrate(db);
    return db;
  },
  () => admin('DROP DATABASE IF EXISTS churn_it_training WITH (FORCE)'),
);
