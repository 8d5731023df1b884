import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import { referenceSample } from '../drift/reference-sample.js';
import { fitIsolationForest, type IsolationForest } from '../outliers/isolation-forest.js';
import type { TableSchema } from '../schema/feature-schema.js';
import { workerUrl } from '../util/worker-url.js';
import { type FeatureProfile, profileDataset } from './profile.js';

/**
 * What a model keeps about its training data besides trees: the reference sample (drift), the
 * profile (reasons) and the outlier detector. About 0.25 s on 80,000 rows.
 */
export interface DataExtras {
  readonly reference: Dataset;
  readonly profile: FeatureProfile[];
  readonly outliers: IsolationForest;
  /** How long working them out took. */
  readonly ms: number;
}

export interface ExtrasJob {
  readonly train: Dataset;
  readonly schema: TableSchema;
  readonly seed: number;
}

/** Work out the extras on this thread. */
export function dataExtras({ train, schema, seed }: ExtrasJob): DataExtras {
  const t0 = performance.now();
  const reference = referenceSample(train);
  return {
    reference,
    profile: profileDataset(train),
    // Fitted on the reference sample: each tree sees 256 rows anyway, and 5,000 rows keep the
    // fit and its threshold calibration cheap next to the trees.
    outliers: fitIsolationForest(reference, { schema, seed }),
    ms: performance.now() - t0,
  };
}

/**
 * Work out the extras on a worker thread, so that they are ready when the trees are instead of
 * running after them on the thread that trains (boosting's main thread is one of its two
 * shards). Resolves to null if the worker fails: the caller then works them out itself.
 */
export function dataExtrasInWorker(job: ExtrasJob): Promise<DataExtras | null> {
  return new Promise((resolve) => {
    // Row identifiers are not needed and are the costly part of copying a dataset.
    const train: Dataset = { ...job.train, ids: undefined, idName: undefined };
    let worker: Worker;
    try {
      worker = new Worker(workerUrl(import.meta.url, './extras-worker.js'), {
        workerData: { ...job, train },
      });
    } catch {
      resolve(null);
      return;
    }
    worker.once('message', (extras: DataExtras) => {
      resolve(extras);
      void worker.terminate();
    });
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
}
