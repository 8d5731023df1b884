import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerUrl } from '@churn/ml';
import type { Logger } from 'pino';
import type { BootstrapTrained } from './bootstrap-training.js';
import type { Database } from './db/index.js';
import { ModelRegistry } from './registry/index.js';
import { RoutingStore } from './routing/index.js';

/**
 * Train the first-start models in a child process (bootstrap-training.ts), which hands back their
 * artifacts and exits, so that what training allocated leaves with it.
 */
function trainInChildProcess(rows: number): Promise<BootstrapTrained> {
  const child = fork(fileURLToPath(workerUrl(import.meta.url, './bootstrap-training.js')), [String(rows)], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let trained: BootstrapTrained | null = null;
    child.once('message', (m) => {
      trained = m as BootstrapTrained;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (trained && code === 0) resolve(trained);
      else
        reject(
          new Error(`first-start training process ended (code ${code}, signal ${signal}) without its models`),
        );
    });
  });
}

/**
 * First start on an empty registry: train v1 (Random Forest, 100 trees, depth 15) and v2
 * (gradient boosting, 200 rounds, learning rate 0.1) on generated customers, register them, and
 * make v1 the champion and v2 the challenger.
 */
export async function bootstrapModels(registry: ModelRegistry, log: Logger, rows = 20_000): Promise<void> {
  if ((await registry.list()).length > 0) return;
  const t0 = performance.now();
  log.info(
    { rows },
    'first start: training v1 (random forest) and v2 (gradient boosting) on generated customers',
  );
  const { v1, v2 } = await trainInChildProcess(rows);
  const version1 = await registry.registerArtifact(v1.lineage, v1.artifact, {
    description: 'v1: Random Forest on generated customers',
  });
  const version2 = await registry.registerArtifact(v2.lineage, v2.artifact, {
    description: 'v2: gradient boosting on generated customers',
  });
  await registry.setAlias('champion', version1);
  await registry.setAlias('challenger', version2);
  log.info(
    {
      seconds: (performance.now() - t0) / 1000,
      v1_auc: v1.auc,
      v2_auc: v2.auc,
    },
    'models trained and registered (v1 champion, v2 challenger)',
  );
}

/**
 * First start (routing never set, champion and challenger registered): shadow routing, the
 * champion (v1) answering and the challenger (v2) scored beside it, audited as `bootstrap`.
 */
export async function bootstrapRouting(db: Database, log: Logger): Promise<void> {
  const store = new RoutingStore(db);
  if ((await store.history(1)).length > 0) return;
  const { champion, challenger } = await new ModelRegistry(db).aliases();
  if (champion === undefined || challenger === undefined || champion === challenger) return;
  const reason = 'first start: the champion serves, the challenger is compared in shadow';
  try {
    const state = await store.change('bootstrap', 'bootstrap', reason, ({ current }) => {
      // Another process starting at the same time set it first: keep theirs.
      if (current && current.generation > 0) throw new RoutingAlreadySet();
      return { spec: { strategy: 'shadow', champion, challenger } };
    });
    log.info({ generation: state.generation, ...state.spec }, 'routing set: shadow');
  } catch (err) {
    if (!(err instanceof RoutingAlreadySet)) throw err;
  }
}

class RoutingAlreadySet extends Error {}
