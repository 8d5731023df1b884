import { parentPort, workerData } from 'node:worker_threads';
import { ClosingTreeShap } from './closing-shap.js';
import type { ParallelShareJob } from './parallel-explainer.js';

// Worker entry: on the model's shared layout, explain this thread's range of trees for one row per
// request (protocol in parallel-explainer.ts) until the sequence number turns negative.
const job = workerData as ParallelShareJob;
const shap = new ClosingTreeShap(job.layout, job.nFeatures);
const ctl = new Int32Array(job.control);
const x = new Float64Array(job.input);
const out = new Float64Array(job.output);
parentPort!.postMessage('ready');
let seq = 0;
for (;;) {
  Atomics.wait(ctl, 0, seq);
  const next = Atomics.load(ctl, 0);
  if (next < 0) break;
  seq = next;
  out.fill(0);
  shap.addTrees(job.firstTree, job.endTree, x, 0, out, 0, job.scale);
  Atomics.store(ctl, 1, seq);
  Atomics.notify(ctl, 1);
}
