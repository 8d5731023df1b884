import { migrate, openPglite } from '../../src/db/index.js';
import { apiKeyStoreContract } from '../contracts/api-key-store.contract.js';

apiKeyStoreContract('PGlite (in memory)', async () => {
  const db = await openPglite();
  await migrate(db);
  return db;
});
