import { openPglite } from '../../src/db/index.js';
import { databaseContract } from '../contracts/database.contract.js';

databaseContract('PGlite (in memory)', () => openPglite());
