import { parentPort, workerData } from 'node:worker_threads';
import type { BatchShareInit, BatchShareJob } from './batch-explainer.js';
import { TreeExplainer } from './tree-explainer.js';

// Worker entry: build the model's explainer once, then explain the rows of each share it is sent
// (protocol in batch-explainer.ts), answering with the share's id.
const { model } = workerData as BatchShareInit;
const explainer = new TreeExplainer(model);
parentPort!.on('message', (job: BatchShareJob) => {
  const nF = job.nFeatures;
  const n = job.end - job.start;
  if (n > 0) {
    const x = new Float64Array(job.input, 8 * job.start * nF, n * nF);
    const values = explainer.shapBatch({ x, nRows: n, nFeatures: nF, missingRows: 0, unseenCategories: {} });
    new Float64Array(job.output, 8 * job.start * nF, n * nF).set(values);
  }
  parentPort!.postMessage(job.id);
});
parentPort!.postMessage('ready');
