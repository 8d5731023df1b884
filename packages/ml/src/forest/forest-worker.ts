import { parentPort, workerData } from 'node:worker_threads';
import { type ForestJob, runForestJob } from './random-forest.js';

// Worker entry: grow this thread's share of the forest and send the trees back.
const job = workerData as ForestJob;
const result = runForestJob(job, () => parentPort!.postMessage({ type: 'tree' }));
const transfer: ArrayBuffer[] = result.oob.flatMap((b) => [
  b.sum.buffer as ArrayBuffer,
  b.count.buffer as ArrayBuffer,
]);
for (const t of result.trees) {
  for (const a of [
    t.feature,
    t.threshold,
    t.thresholdBin,
    t.left,
    t.right,
    t.defaultLeft,
    t.catOffset,
    t.catBits,
    t.value,
    t.cover,
    t.gain,
  ]) {
    transfer.push(a.buffer as ArrayBuffer);
  }
}
parentPort!.postMessage({ type: 'done', result }, transfer);
