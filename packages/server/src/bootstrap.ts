import { CUSTOMER_SCHEMA, generateCustomers, takeRows, trainModel, withShapImportance } from '@churn/ml';
import type { Logger } from 'pino';
import type { Database } from './db/index.js';
import { ModelRegistry } from './registry/index.js';
import { RoutingStore } from './routing/index.js';

/**
 * First start on an empty registry: train v1 (Random Forest, 100 trees, depth 15) and v2
 * (gradient boosting, 200 rounds, learning rate 0.1) on generated customers, register them, and
 * make v1 the champion and v2 the challenger.
 */
export async function bootstrapModels(registry: ModelRegistry, log: Logger, rows = 20_000): Promise<void> {
  if ((await registry.list()).length > 0) return;
  const t0 = performance.now();
  const all = generateCustomers({ rows, seed: 2026 });
  log.info(
    { rows },
    'first start: training v1 (random forest) and v2 (gradient boosting) on generated customers',
  );
  const train = takeRows(
    all,
    Array.from({ length: rows }, (_, i) => i),
  );
  // With mean |SHAP| importance stored (for the drift monitor's weights), on two threads.
  const v1 = await withShapImportance(
    await trainModel(train, CUSTOMER_SCHEMA, { algorithm: 'random-forest' }),
    {
      threads: 2,
    },
  );
  const version1 = await registry.register(v1, { description: 'v1: Random Forest on generated customers' });
  const v2 = await withShapImportance(
    await trainModel(train, CUSTOMER_SCHEMA, { algorithm: 'gradient-boosting', validationFraction: 0.1 }),
    { threads: 2 },
  );
  const version2 = await registry.register(v2, {
    description: 'v2: gradient boosting on generated customers',
  });
  await registry.setAlias('champion', version1);
  await registry.setAlias('challenger', version2);
  log.info(
    {
      seconds: (performance.now() - t0) / 1000,
      v1_auc: v1.training.metrics?.rocAuc,
      v2_auc: v2.training.metrics?.rocAuc,
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
