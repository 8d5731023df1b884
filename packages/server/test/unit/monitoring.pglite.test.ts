import { migrate, openPglite } from '../../src/db/index.js';
import { monitoringContract } from '../contracts/monitoring.contract.js';

monitoringContract('PGlite', async () => {
  const db = await openPglite();
  await migrate(db);
  return db;
});
