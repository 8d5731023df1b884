import { parentPort, workerData } from 'node:worker_threads';
import { dataExtras, type ExtrasJob } from './extras.js';

// Worker entry: work out a training set's data extras and send them back.
parentPort!.postMessage(dataExtras(workerData as ExtrasJob));
