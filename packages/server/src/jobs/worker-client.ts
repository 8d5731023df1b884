import { Worker } from 'node:worker_threads';
import { workerUrl } from '@churn/ml';
import { ChurnError } from '../errors/index.js';
import type { Task, TaskError, TaskResult } from './tasks.js';

/** Messages from a task's worker thread. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly stage: string; readonly progress: number }
  | { readonly type: 'result'; readonly result: TaskResult }
  | { readonly type: 'error'; readonly error: TaskError };

/** Thrown when a running task is stopped with `TaskHandle.cancel`. */
export class TaskCancelledError extends Error {
  override readonly name = 'TaskCancelledError';
}

/** A task running on its own worker thread. */
export interface TaskHandle<R extends TaskResult> {
  readonly result: Promise<R>;
  /** Stop the thread; `result` rejects with a TaskCancelledError. */
  cancel(): Promise<void>;
}

/** Rebuild a worker's error: data problems are the client's (400, row and column named). */
export function errorFromTask(e: TaskError): Error {
  if (!e.dataError) return new Error(e.message);
  const parts = [
    e.row !== undefined ? `line ${e.row}` : '',
    e.column !== undefined ? `column "${e.column}"` : '',
  ];
  const path = parts.filter(Boolean).join(', ');
  if (!path) return new ChurnError('CHURN_ERR_BAD_DATA', e.message);
  // The message starts with the place; the detail carries it apart from the problem.
  const problem = e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message;
  return new ChurnError('CHURN_ERR_BAD_DATA', e.message, [{ path, message: problem }]);
}

/**
 * Run a task on a fresh worker thread: the thread is the unit of isolation (a task's memory goes
 * with it) and of cancellation (terminate). Transferable inputs are transferred, not copied.
 */
export function runOnWorker<R extends TaskResult>(
  task: Task,
  onProgress: (stage: string, progress: number) => void = () => {},
): TaskHandle<R> {
  // Bytes are copied once into a buffer of their own and that is moved: the caller's buffer may
  // be a view into a pool (Node) or into a database's memory (PGlite), which must stay intact.
  const own = (b: Uint8Array) => new Uint8Array(b);
  const sent: Task =
    task.kind === 'inspect'
      ? { ...task, csv: own(task.csv) }
      : task.kind === 'train'
        ? { ...task, csvGzip: own(task.csvGzip) }
        : task;
  const transferList =
    sent.kind === 'inspect' ? [sent.csv.buffer] : sent.kind === 'train' ? [sent.csvGzip.buffer] : [];
  const worker = new Worker(workerUrl(import.meta.url, './training-worker.js'), {
    workerData: sent,
    transferList: transferList as ArrayBuffer[],
  });
  let cancelled = false;
  let settled = false;
  const result = new Promise<R>((resolve, reject) => {
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.stage, m.progress);
      else if (m.type === 'result') settle(() => resolve(m.result as R));
      else settle(() => reject(errorFromTask(m.error)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          cancelled
            ? new TaskCancelledError('the task was cancelled')
            : new Error(`the worker thread exited (code ${code}) before finishing`),
        ),
      ),
    );
  });
  return {
    result,
    async cancel() {
      cancelled = true;
      await worker.terminate();
    },
  };
}
