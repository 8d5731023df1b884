import { type Algorithm, describeLoad, saveModel, trainModel } from '@churn/ml';
import type { Command } from '../args.js';
import { loadTable } from '../data-files.js';
import { assertWritable, printResult } from '../io.js';
import { Progress } from '../progress.js';
import { formatMetrics } from './metrics-text.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a Random Forest or gradient-boosting model on a CSV table.',
  options: {
    data: { type: 'string', description: 'Training CSV file', required: true, value: 'FILE' },
    target: { type: 'string', description: 'Target (label) column', required: true, value: 'COL' },
    'positive-label': {
      type: 'string',
      description: 'Target value that means churned (e.g. Yes)',
      value: 'V',
    },
    drop: { type: 'list', description: 'Columns to leave out, comma-separated', value: 'a,b' },
    algorithm: {
      type: 'string',
      description: 'Learner',
      default: 'random-forest',
      choices: ['random-forest', 'gradient-boosting'],
      value: 'ALG',
    },
    trees: {
      type: 'int',
      description: 'Trees (forest) or rounds (boosting); default 100 / 200',
      min: 1,
      max: 100_000,
      value: 'N',
    },
    'max-depth': {
      type: 'int',
      description: 'Maximum tree depth; default 15 / 6',
      min: 1,
      max: 64,
      value: 'D',
    },
    'learning-rate': {
      type: 'number',
      description: 'Boosting learning rate; default 0.1',
      min: 1e-6,
      max: 1,
      value: 'LR',
    },
    'min-samples-leaf': { type: 'int', description: 'Forest: minimum samples per leaf', min: 1, value: 'N' },
    subsample: {
      type: 'number',
      description: 'Boosting: row subsampling per round',
      min: 0.01,
      max: 1,
      value: 'F',
    },
    'colsample-bytree': {
      type: 'number',
      description: 'Boosting: column subsampling per tree',
      min: 0.01,
      max: 1,
      value: 'F',
    },
    'scale-pos-weight': {
      type: 'number',
      description: 'Boosting: weight of positive rows',
      min: 1e-6,
      value: 'W',
    },
    'validation-fraction': {
      type: 'number',
      description: 'Share of rows held out for metrics (and early stopping)',
      default: 0,
      min: 0,
      max: 0.9,
      value: 'F',
    },
    'early-stopping': {
      type: 'int',
      description: 'Boosting: stop after N rounds without validation gain',
      min: 1,
      value: 'N',
    },
    threads: {
      type: 'int',
      description: 'Worker threads (0 = one per core)',
      default: 0,
      min: 0,
      max: 256,
      value: 'N',
    },
    seed: { type: 'int', description: 'Random seed', default: 42, min: 0, max: 2 ** 32 - 1, value: 'S' },
    out: { type: 'string', description: 'Model file to write (JSON)', required: true, value: 'FILE' },
    json: { type: 'boolean', description: 'Print a JSON report' },
  },
  async run(o) {
    const out = o.out as string;
    await assertWritable(out);
    const algorithm = o.algorithm as Algorithm;
    const { dataset, schema, report } = await loadTable(o.data as string, {
      target: o.target as string,
      positiveLabel: o['positive-label'] as string | undefined,
      drop: o.drop as string[] | undefined,
      requireTarget: true,
    });
    if (!o.json) for (const line of describeLoad(report)) process.stderr.write(`${line}\n`);
    const total = (o.trees as number | undefined) ?? (algorithm === 'random-forest' ? 100 : 200);
    const bar = new Progress(algorithm === 'random-forest' ? 'trees ' : 'rounds', total);
    const defined = <T extends object>(obj: T): Partial<T> =>
      Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
    const model = await trainModel(dataset, schema, {
      algorithm,
      validationFraction: o['validation-fraction'] as number,
      forest: defined({
        nTrees: o.trees as number | undefined,
        maxDepth: o['max-depth'] as number | undefined,
        minSamplesLeaf: o['min-samples-leaf'] as number | undefined,
        seed: o.seed as number,
        threads: o.threads as number,
      }),
      boosting: defined({
        nRounds: o.trees as number | undefined,
        maxDepth: o['max-depth'] as number | undefined,
        learningRate: o['learning-rate'] as number | undefined,
        subsample: o.subsample as number | undefined,
        colsampleByTree: o['colsample-bytree'] as number | undefined,
        scalePosWeight: o['scale-pos-weight'] as number | undefined,
        earlyStoppingRounds: o['early-stopping'] as number | undefined,
        seed: o.seed as number,
        threads: o.threads as number,
      }),
      onProgress: (_stage, done) => bar.update(done),
    });
    bar.done();
    await saveModel(out, model);
    const t = model.training;
    const result = {
      model: out,
      algorithm,
      rows: t.rows,
      features: model.binning.map((b) => b.name),
      positive_rate: t.positiveRate,
      trees: model.trees.length,
      metrics: t.metrics ?? null,
      metrics_source: t.metricsSource ?? null,
      timings_ms: t.timings,
      importance: t.importance.slice(0, 10),
      dropped_identifiers: report.droppedIdentifiers,
      dropped_columns: report.droppedColumns,
      data_hash: t.dataHash,
    };
    printResult(Boolean(o.json), result, () =>
      [
        `trained ${algorithm} (${model.trees.length} trees) on ${t.rows} rows × ${model.binning.length} features in ${((t.timings.totalMs ?? 0) / 1000).toFixed(2)} s → ${out}`,
        t.metrics
          ? `${t.metricsSource} metrics:\n${formatMetrics(t.metrics)}`
          : 'no held-out metrics (use --validation-fraction)',
        `top features: ${t.importance
          .slice(0, 5)
          .map((i) => `${i.feature} ${(i.gain * 100).toFixed(1)}%`)
          .join(', ')}`,
      ].join('\n'),
    );
  },
};
