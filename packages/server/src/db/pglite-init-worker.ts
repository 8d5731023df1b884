import { workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_OPTIONS } from './pglite-options.js';

// Initialise a new PGlite folder (initdb) and end: see openPglite for why this runs in a thread.
const { dir } = workerData as { dir: string };
const db = new PGlite(dir, PGLITE_OPTIONS);
await db.waitReady;
await db.close();
