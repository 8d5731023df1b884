import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type Task, taskError } from './tasks.js';
import type { WorkerMessage } from './worker-client.js';

// Worker entry: run one task, post its progress and then its result (or its error), and exit.
const port = parentPort;
if (!port) throw new Error('training-worker.js runs on a worker thread');
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

runTask(workerData as Task, (stage, progress) => post({ type: 'progress', stage, progress })).then(
  (result) => {
    if (!('csvGzip' in result)) return post({ type: 'result', result });
    // The compressed table is moved, not copied (from a buffer of its own: Node's small-buffer
    // pool cannot be transferred).
    const csvGzip = new Uint8Array(result.csvGzip);
    post({ type: 'result', result: { ...result, csvGzip } }, [csvGzip.buffer]);
  },
  (err: unknown) => post({ type: 'error', error: taskError(err) }),
);
