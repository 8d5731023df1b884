import { migrate, openPglite } from '../../src/db/index.js';
import { trainingContract } from '../contracts/training.contract.js';

trainingContract('PGlite (in memory)', async () => {
  const db = await openPglite();
  await migrate(db);
  return db;
});
