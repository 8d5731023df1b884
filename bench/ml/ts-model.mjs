// One TypeScript-engine model, measured in its own process so that peak RSS is this model's alone.
//
//   node bench/ml/ts-model.mjs --spec bench/.work/gen-spec.json --algorithm gradient-boosting
//
// The spec (written by run.mjs) names the train/test CSVs, the target, the positive label, the
// columns to drop and whether the built-in customer schema applies. Prints one JSON line on
// stdout; progress and warnings go to stderr.
//
// Measures: training wall time (trainModel only, CSV loading excluded; best of --train-reps fits,
// default 3, all kept in the JSON), AUC and log-loss on the
// test file, batch scoring rows/s (encode once; the first, cold pass timed on its own; warm-up
// passes; then best of 15 predictEncoded passes), single-row
// latency (predictRow on one encoded row per call, median and p99 over 10,000 timed calls after
// warm-up, cycling through the test rows), and the process's peak RSS over loading, the first
// training and scoring (the extra timing-only fits come after it is read).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  CUSTOMER_SCHEMA,
  encodeDataset,
  loadCsv,
  logLoss,
  predictEncoded,
  predictRow,
  rocAuc,
  trainModel,
} from '../../packages/ml/dist/index.js';

const { values: args } = parseArgs({
  options: {
    spec: { type: 'string' },
    algorithm: { type: 'string' },
    'latency-calls': { type: 'string', default: '10000' },
    'batch-reps': { type: 'string', default: '15' },
    'train-reps': { type: 'string', default: '3' },
  },
});
if (!args.spec || !args.algorithm) {
  process.stderr.write('usage: ts-model.mjs --spec FILE --algorithm random-forest|gradient-boosting\n');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(args.spec, 'utf8'));
const algorithm = args.algorithm;
const latencyCalls = Number(args['latency-calls']);
const batchReps = Number(args['batch-reps']);
const trainReps = Math.max(1, Number(args['train-reps']));
const mb = (kb) => kb / 1024;
const rssMb = () => mb(process.resourceUsage().maxRSS);

// --- load (not timed as training) ---------------------------------------------------------------
const tLoad = performance.now();
const trainOpts = {
  target: spec.target,
  positiveLabel: spec.positiveLabel,
  drop: spec.drop ?? [],
  requireTarget: true,
};
if (spec.customerSchema) trainOpts.schema = { ...CUSTOMER_SCHEMA, target: spec.target };
const train = await loadCsv(spec.train, trainOpts);
const test = await loadCsv(spec.test, {
  schema: train.schema,
  target: spec.target,
  positiveLabel: spec.positiveLabel,
  drop: spec.drop ?? [],
  requireTarget: true,
});
const loadSeconds = (performance.now() - tLoad) / 1000;
const rssAfterLoadMb = rssMb();

// --- train --------------------------------------------------------------------------------------
const options =
  algorithm === 'random-forest'
    ? { algorithm, forest: { nTrees: 100, maxDepth: 15 } }
    : { algorithm, boosting: { nRounds: 200, learningRate: 0.1, maxDepth: 6 } };
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const model = await trainModel(train.dataset, train.schema, options);
const trainTimes = [(performance.now() - t0) / 1000];
const cpu1 = process.cpuUsage(cpu0);
const trainCpuSeconds = (cpu1.user + cpu1.system) / 1e6;

// --- accuracy on the test file ------------------------------------------------------------------
const t1 = performance.now();
const enc = encodeDataset(model, test.dataset);
const encodeSeconds = (performance.now() - t1) / 1000;
const p = predictEncoded(model, enc);
const y = test.dataset.target;
const auc = rocAuc(y, p);
const ll = logLoss(y, p);

// --- batch scoring: best of N passes over the already-encoded test rows -------------------------
// The first pass is timed separately (cold: scoring layout built, generated code not yet
// optimised); then warm-up passes for up to 3 s (at most 30) so V8 has tiered the hot code up.
const tCold = performance.now();
predictEncoded(model, enc);
const coldBatchSeconds = (performance.now() - tCold) / 1000;
let warmupPasses = 0;
const tWarm = performance.now();
while (warmupPasses < 30 && performance.now() - tWarm < 3000) {
  predictEncoded(model, enc);
  warmupPasses++;
}
const batchTimes = [];
// predictEncoded shares batches of 4,096 rows or more with a worker thread per extra core: the
// process's CPU time over the wall time of these passes shows how many threads scored.
const batchCpu0 = process.cpuUsage();
const batchWall0 = performance.now();
for (let r = 0; r < batchReps; r++) {
  const s = performance.now();
  const out = predictEncoded(model, enc);
  batchTimes.push((performance.now() - s) / 1000);
  if (out.length !== enc.nRows) throw new Error('predictEncoded returned the wrong length');
}
const batchCpu = process.cpuUsage(batchCpu0);
const batchCpuPerWall = (batchCpu.user + batchCpu.system) / 1000 / (performance.now() - batchWall0);
const bestBatch = Math.min(...batchTimes);

// Peak RSS of one model: load + one training + scoring (before the extra timing-only fits).
const peakRssMb = rssMb();

// --- single-row latency: one encoded row per predictRow call ------------------------------------
const { x, nFeatures, nRows } = enc;
let sink = 0;
const warm = Math.min(latencyCalls, 2000);
for (let i = 0; i < warm; i++) sink += predictRow(model, x, (i % nRows) * nFeatures);
const lat = new Float64Array(latencyCalls);
for (let i = 0; i < latencyCalls; i++) {
  const off = (i % nRows) * nFeatures;
  const s = performance.now();
  sink += predictRow(model, x, off);
  lat[i] = (performance.now() - s) * 1000;
}
lat.sort();
const q = (f) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
// Cross-check: single-row and batch predictions must agree.
let maxDiff = 0;
for (let i = 0; i < Math.min(nRows, 1000); i++)
  maxDiff = Math.max(maxDiff, Math.abs(predictRow(model, x, i * nFeatures) - p[i]));

// --- extra training runs, for the training time only (best of trainReps on a noisy machine) ------
for (let r = 1; r < trainReps; r++) {
  const s = performance.now();
  await trainModel(train.dataset, train.schema, options);
  trainTimes.push((performance.now() - s) / 1000);
}

let nodes = 0;
for (const t of model.trees) nodes += t.nNodes;
const result = {
  engine: 'ts',
  algorithm,
  model: algorithm === 'random-forest' ? 'TS Random Forest' : 'TS gradient boosting',
  params: model.training.params,
  trainRows: train.dataset.nRows,
  testRows: test.dataset.nRows,
  features: model.binning.length,
  trees: model.trees.length,
  nodes,
  auc,
  logLoss: ll,
  trainSeconds: Math.min(...trainTimes),
  trainSecondsFirst: trainTimes[0],
  trainSecondsAll: trainTimes,
  trainCpuSeconds,
  trainTimings: model.training.timings,
  loadSeconds,
  encodeSeconds,
  batchSeconds: bestBatch,
  batchSecondsAll: batchTimes,
  batchRowsPerSec: enc.nRows / bestBatch,
  coldBatchSeconds,
  coldBatchRowsPerSec: enc.nRows / coldBatchSeconds,
  warmupPasses,
  batchCpuPerWall,
  latencyCalls,
  singleRowP50Us: q(0.5),
  singleRowP99Us: q(0.99),
  singleRowMeanUs: lat.reduce((s, v) => s + v, 0) / lat.length,
  singleRowNote: 'predictRow on a pre-encoded Float64Array row (no encoding, no I/O)',
  batchVsRowMaxAbsDiff: maxDiff,
  rssAfterLoadMb,
  peakRssMb,
  peakRssMbAfterAll: rssMb(),
  sink: Number.isFinite(sink) ? 0 : 1,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
