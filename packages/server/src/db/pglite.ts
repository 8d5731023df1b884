import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Database } from './database.js';

/**
 * Settings for the embedded server. PostgreSQL's default 128 MB of shared buffers live inside
 * PGlite's WebAssembly memory, which never shrinks; 16 MB is plenty for the platform's working
 * set and keeps the embedded platform's resident memory small.
 */
export const PGLITE_OPTIONS: PGliteOptions = {
  postgresqlconf: ['shared_buffers = 16MB', 'maintenance_work_mem = 16MB'],
};

/**
 * Embedded PostgreSQL in a folder (or in memory when `dir` is undefined).
 *
 * A new folder is initialised (initdb) in a worker thread first: initdb grows the WebAssembly
 * memory to ~660 MB, and that memory is only returned when its thread ends. Opening the
 * initialised folder afterwards costs ~150 MB.
 */
export async function openPglite(dir?: string): Promise<Database> {
  if (dir) {
    await mkdir(dir, { recursive: true });
    if (!existsSync(join(dir, 'PG_VERSION'))) await initPgliteInWorker(dir);
  }
  const db = dir ? new PGlite(dir, PGLITE_OPTIONS) : new PGlite(PGLITE_OPTIONS);
  await db.waitReady;
  return {
    kind: 'pglite',
    async query(sql, params) {
      const r = await db.query(sql, params as unknown[] | undefined);
      return r.rows as never[];
    },
    async exec(sql) {
      await db.exec(sql);
    },
    async transaction(fn) {
      return db.transaction(async (tx) =>
        fn({
          async query(sql, params) {
            const r = await tx.query(sql, params as unknown[] | undefined);
            return r.rows as never[];
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
  };
}

function initPgliteInWorker(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pglite-init-worker.js', import.meta.url), { workerData: { dir } });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`PGlite initialisation of ${dir} failed (worker exit ${code})`));
      else resolve();
    });
  });
}
