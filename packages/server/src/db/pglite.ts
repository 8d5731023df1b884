import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerUrl } from '@churn/ml';
import type { Database } from './database.js';
import { lockDataDir } from './dir-lock.js';
import {
  errorFromData,
  type PgliteRequest,
  type PgliteResponse,
  type PgliteWorkerData,
} from './pglite-protocol.js';

export { PGLITE_OPTIONS } from './pglite-options.js';

/** Distributes a request type over the union, without its id. */
type Body<R> = R extends PgliteRequest ? Omit<R, 'id'> : never;

/**
 * Embedded PostgreSQL in a folder (or in memory when `dir` is undefined), run on a thread of its
 * own. PGlite is PostgreSQL compiled to WebAssembly: a statement runs synchronously on the thread
 * that owns it, and writing a batch of logged predictions took several milliseconds, during
 * which an API on the same thread answered nothing (p50 latency 4.3 ms at 1,000 req/s with the
 * prediction-log writer on, 1.2 ms without). On its own thread the database works on the second
 * core while the main thread serves.
 *
 * A new folder is initialised (initdb) in a short-lived thread first: initdb grows the WebAssembly
 * memory to ~660 MB, and that memory is only returned when its thread ends. Opening the
 * initialised folder afterwards costs ~150 MB. One process at a time opens a folder
 * (lockDataDir): two PGlite processes writing one folder corrupt its indexes.
 */
export async function openPglite(dir?: string): Promise<Database> {
  if (!dir) return startPglite(undefined);
  await mkdir(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  try {
    if (!existsSync(join(dir, 'PG_VERSION'))) await initPgliteInWorker(dir);
    const db = await startPglite(dir);
    return {
      ...db,
      async close() {
        try {
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** The PGlite thread on an initialised folder (or in memory), and the proxy that talks to it. */
async function startPglite(dir: string | undefined): Promise<Database> {
  const worker = new Worker(workerUrl(import.meta.url, './pglite-worker.js'), {
    workerData: { dir } satisfies PgliteWorkerData,
  });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;
  const failAll = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (m: PgliteResponse) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if ('error' in m) p.reject(errorFromData(m.error));
    else p.resolve(m.rows);
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`the PGlite thread ended (exit ${code})`)));
  await ready;

  const call = <T>(body: Body<PgliteRequest>, id = nextId++): Promise<T[]> => {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      worker.postMessage({ ...body, id });
    });
  };

  return {
    kind: 'pglite',
    query: (sql, params) => call({ op: 'query', sql, params }),
    async exec(sql) {
      await call({ op: 'exec', sql });
    },
    async transaction(fn) {
      const tx = nextId++;
      await call({ op: 'begin' }, tx);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn({ query: (sql, params) => call({ op: 'query', sql, params, tx }) });
      } catch (e) {
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw e;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async close() {
      if (failure) return;
      await call({ op: 'close' });
      await worker.terminate();
    },
  };
}

function initPgliteInWorker(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl(import.meta.url, './pglite-init-worker.js'), { workerData: { dir } });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`PGlite initialisation of ${dir} failed (worker exit ${code})`));
      else resolve();
    });
  });
}
