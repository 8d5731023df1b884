import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '@churn/ml';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { PGLITE_OPTIONS } from './pglite-options.js';
import {
  errorData,
  type PgliteRequest,
  type PgliteResponse,
  type PgliteWorkerData,
} from './pglite-protocol.js';

/*
 * The thread that runs embedded PostgreSQL for the main thread's proxy (see openPglite). A
 * transaction stays open across messages: `begin` starts PGlite's transaction, whose callback then
 * waits for `end`; statements tagged with its id run inside it, and PGlite holds every other
 * statement back until it ends, as a PostgreSQL session would.
 */

const port = parentPort;
if (!port) throw new Error('pglite-worker runs as a worker thread');
// Writes of logged predictions and monitor results come in batches and can wait: when this thread
// and the serving thread both want a core, the serving thread goes first.
lowerThreadPriority();
const { dir } = workerData as PgliteWorkerData;
const db = dir ? new PGlite(dir, PGLITE_OPTIONS) : new PGlite(PGLITE_OPTIONS);

/** Thrown out of a transaction's callback to roll it back. */
const ROLLBACK = Symbol('rollback');

interface OpenTransaction {
  readonly tx: Transaction;
  /** Ends the callback: true commits, false rolls back. */
  readonly finish: (commit: boolean) => void;
  /** Settles when PGlite has committed or rolled back. */
  readonly done: Promise<void>;
}
const open = new Map<number, OpenTransaction>();

function begin(id: number): Promise<void> {
  return new Promise((started, failed) => {
    let finish: (commit: boolean) => void = () => {};
    const ended = new Promise<boolean>((r) => {
      finish = r;
    });
    const done = db
      .transaction(async (tx) => {
        open.set(id, { tx, finish, done });
        started();
        if (!(await ended)) throw ROLLBACK;
      })
      .then(
        () => {},
        (e) => {
          if (e !== ROLLBACK) throw e;
        },
      );
    // A transaction that could not even start fails the `begin` request.
    done.catch((e) => {
      if (!open.has(id)) failed(e);
    });
  });
}

async function handle(m: PgliteRequest): Promise<unknown[]> {
  switch (m.op) {
    case 'query': {
      const target = m.tx === undefined ? db : open.get(m.tx)?.tx;
      if (!target) throw new Error(`transaction ${m.tx} is not open`);
      return (await target.query(m.sql, m.params as unknown[] | undefined)).rows;
    }
    case 'exec':
      await db.exec(m.sql);
      return [];
    case 'begin':
      await begin(m.id);
      return [];
    case 'end': {
      const t = open.get(m.tx);
      if (!t) throw new Error(`transaction ${m.tx} is not open`);
      open.delete(m.tx);
      t.finish(m.commit);
      await t.done;
      return [];
    }
    case 'close':
      await db.close();
      return [];
  }
}

await db.waitReady;
port.on('message', (m: PgliteRequest) => {
  handle(m).then(
    (rows) => port.postMessage({ id: m.id, rows } satisfies PgliteResponse),
    (e) => port.postMessage({ id: m.id, error: errorData(e) } satisfies PgliteResponse),
  );
});
port.postMessage({ id: 0, rows: [] } satisfies PgliteResponse);
