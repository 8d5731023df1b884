import { monitoringContract } from '../contracts/monitoring.contract.js';
import { openOwnSchema } from '../helpers/own-database.js';

monitoringContract('PostgreSQL', () => openOwnSchema('monitoring_contract'));
