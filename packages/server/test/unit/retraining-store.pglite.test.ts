import { migrate, openPglite } from '../../src/db/index.js';
import { retrainingStoreContract } from '../contracts/retraining-store.contract.js';

retrainingStoreContract('PGlite', async () => {
  const db = await openPglite();
  await migrate(db);
  return db;
});
