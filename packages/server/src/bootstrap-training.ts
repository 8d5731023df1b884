import { type ChurnModel, CUSTOMER_SCHEMA, generateCustomers, takeRows, trainModel } from '@churn/ml';
import { packageModel } from './jobs/tasks.js';
import type { ModelLineage } from './registry/index.js';

/** What the first-start training process sends back: each model serialized, with its lineage. */
export interface BootstrapTrained {
  readonly v1: TrainedModel;
  readonly v2: TrainedModel;
}

interface TrainedModel {
  readonly lineage: ModelLineage;
  readonly artifact: string;
  readonly auc: number | null | undefined;
}

// Child process of the first start (bootstrap.ts): trains v1 (Random Forest) and v2 (gradient
// boosting) on `rows` generated customers, with mean |SHAP| importance, sends both to the parent
// and exits. Training in a process of its own gives all of its memory back to the system when it
// ends: in the server's process, the allocator kept tens of MB of it for good.
const rows = Number(process.argv[2]);
const send = (m: BootstrapTrained) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(m, (err: Error | null) => (err ? reject(err) : resolve())),
  );

const all = generateCustomers({ rows, seed: 2026 });
const train = takeRows(
  all,
  Array.from({ length: rows }, (_, i) => i),
);
const packed = async (trained: ChurnModel): Promise<TrainedModel> => {
  const { model, lineage, artifact } = await packageModel(trained, 2);
  return { lineage, artifact, auc: model.training.metrics?.rocAuc };
};
const v1 = await packed(await trainModel(train, CUSTOMER_SCHEMA, { algorithm: 'random-forest' }));
const v2 = await packed(
  await trainModel(train, CUSTOMER_SCHEMA, { algorithm: 'gradient-boosting', validationFraction: 0.1 }),
);
await send({ v1, v2 });
process.disconnect?.();
