import { retrainingStoreContract } from '../contracts/retraining-store.contract.js';
import { openOwnSchema } from '../helpers/own-database.js';

retrainingStoreContract('PostgreSQL', () => openOwnSchema('retraining_contract'));
