import { openPostgres } from '../../src/db/index.js';
import { databaseContract } from '../contracts/database.contract.js';

const url = process.env.DATABASE_URL;
if (!url)
  throw new Error('DATABASE_URL is not set: run the integration tests through `npm test` (scripts/test.sh)');

databaseContract('PostgreSQL', () => openPostgres(url));
