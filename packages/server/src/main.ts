import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ChurnModel,
  CUSTOMER_SCHEMA,
  generateCustomers,
  saveModel,
  takeRows,
  trainModel,
} from '@churn/ml';
import { loadConfig } from './config/index.js';
import { ChurnError } from './errors/index.js';

/**
 * `npm start`: the platform on its embedded defaults. Until the HTTP server lands this prepares
 * the state folder: on first start it generates customers and trains v1 (Random Forest) and v2
 * (gradient boosting), then prints what it made and how to use it.
 */
async function start(): Promise<void> {
  const config = loadConfig(process.env);
  const modelsDir = join(config.dataDir, 'models');
  await mkdir(modelsDir, { recursive: true });
  const v1 = join(modelsDir, 'v1.json');
  const v2 = join(modelsDir, 'v2.json');
  const exists = async (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );
  if ((await exists(v1)) && (await exists(v2))) {
    process.stdout.write(`models already trained in ${modelsDir} (delete the folder to start over)\n`);
    return;
  }
  const t0 = performance.now();
  const all = generateCustomers({ rows: 25_000, seed: 2026 });
  const train = takeRows(
    all,
    Array.from({ length: 20_000 }, (_, i) => i),
  );
  process.stdout.write(
    `generated ${all.nRows} synthetic customers; training v1 (Random Forest) and v2 (gradient boosting)…\n`,
  );
  const report = (name: string, m: ChurnModel) =>
    `${name}: ${m.algorithm}, ${m.trees.length} trees, held-out AUC ${m.training.metrics?.rocAuc?.toFixed(4) ?? 'n/a'} (${m.training.metricsSource})`;
  const rf = await trainModel(train, CUSTOMER_SCHEMA, { algorithm: 'random-forest' });
  await saveModel(v1, rf);
  process.stdout.write(`${report('v1', rf)} → ${v1}\n`);
  const gb = await trainModel(train, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    validationFraction: 0.1,
  });
  await saveModel(v2, gb);
  process.stdout.write(`${report('v2', gb)} → ${v2}\n`);
  process.stdout.write(
    [
      `ready in ${((performance.now() - t0) / 1000).toFixed(1)} s. Try:`,
      '  npx churn generate --rows 1000 --seed 7 --out customers.csv',
      `  npx churn predict --model ${v1} --data customers.csv --out predictions.csv`,
      `  npx churn evaluate --model ${v2} --data customers.csv --target churned`,
      '',
    ].join('\n'),
  );
}

start().catch((err: unknown) => {
  if (err instanceof ChurnError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
