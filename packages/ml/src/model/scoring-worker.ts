import { parentPort } from 'node:worker_threads';
import { type BatchKernel, scoringKernels } from './batch-kernel.js';
import { CompiledEnsemble } from './compiled-ensemble.js';
import { type ScoringJob, scoreChunks } from './scoring-pool.js';

// Worker entry: keep the models the pool sends compiled, and claim chunks of each posted batch.
const kernels = new Map<number, BatchKernel>();
parentPort!.on('message', (job: ScoringJob) => {
  if (job.evict !== undefined) kernels.delete(job.evict);
  let kernel = kernels.get(job.model);
  if (!kernel && job.trees && job.binning) {
    kernel = scoringKernels(job.trees, job.binning, new CompiledEnsemble(job.trees)).batch;
    kernels.set(job.model, kernel);
  }
  if (kernel) scoreChunks(job, kernel);
});
