// Training memory check: load a large generated CSV (as `churn train` does, with the customer
// schema) and train one model with default parameters, in its own process. Prints one JSON line
// with the load and training times and the process's peak RSS after loading and at the end.
//
//   node bench/ml/ts-memcheck.mjs --data bench/.work/gen-1m.csv --algorithm random-forest

import { parseArgs } from 'node:util';
import { CUSTOMER_SCHEMA, loadCsv, trainModel } from '../../packages/ml/dist/index.js';

const { values: args } = parseArgs({
  options: { data: { type: 'string' }, algorithm: { type: 'string' }, target: { type: 'string' } },
});
if (!args.data || !args.algorithm) {
  process.stderr.write('usage: ts-memcheck.mjs --data FILE --algorithm random-forest|gradient-boosting\n');
  process.exit(2);
}
const target = args.target ?? 'churned';
const rssMb = () => process.resourceUsage().maxRSS / 1024;

const tLoad = performance.now();
const { dataset, schema } = await loadCsv(args.data, {
  schema: { ...CUSTOMER_SCHEMA, target },
  target,
  requireTarget: true,
});
const loadSeconds = (performance.now() - tLoad) / 1000;
const rssAfterLoadMb = rssMb();

const t0 = performance.now();
const model = await trainModel(dataset, schema, { algorithm: args.algorithm });
const trainSeconds = (performance.now() - t0) / 1000;

process.stdout.write(
  `${JSON.stringify({
    engine: 'ts',
    algorithm: args.algorithm,
    rows: dataset.nRows,
    features: model.binning.length,
    trees: model.trees.length,
    params: model.training.params,
    heldOutAuc: model.training.metrics?.rocAuc ?? null,
    heldOutSource: model.training.metricsSource ?? null,
    loadSeconds,
    trainSeconds,
    trainTimings: model.training.timings,
    rssAfterLoadMb,
    peakRssMb: rssMb(),
  })}\n`,
);
