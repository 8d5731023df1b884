import { migrate, openPostgres } from '../../src/db/index.js';
import { apiKeyStoreContract } from '../contracts/api-key-store.contract.js';
import { ownDatabase } from '../helpers/own-database.js';

// A database of this file's own, so that no other suite's schema changes meet it.
const own = ownDatabase('churn_it_api_keys');

apiKeyStoreContract(
  'PostgreSQL',
  async () => {
    await own.recreate();
    const db = await openPostgres(own.url);
    await migrate(db);
    return db;
  },
  () => own.drop(),
);
