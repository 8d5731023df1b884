import { toXGBoostJsonString, writeFileAtomic } from '@churn/ml';
import type { Command } from '../args.js';
import { assertWritable, printResult } from '../io.js';
import { readModelFile } from '../model-files.js';

export const exportCommand: Command = {
  name: 'export',
  summary: "Export a model to XGBoost's JSON model format (Booster.load_model).",
  options: {
    model: { type: 'string', description: 'Model file', required: true, value: 'FILE' },
    format: {
      type: 'string',
      description: 'Target format',
      required: true,
      choices: ['xgboost'],
      value: 'FMT',
    },
    out: { type: 'string', description: 'Output file', required: true, value: 'FILE' },
    json: { type: 'boolean', description: 'Print a JSON summary' },
  },
  async run(o) {
    const out = o.out as string;
    await assertWritable(out);
    const model = await readModelFile(o.model as string);
    await writeFileAtomic(out, toXGBoostJsonString(model));
    const features = model.binning.map((b) => ({
      name: b.name,
      type: b.kind,
      categories: b.kind === 'categorical' ? b.categories : undefined,
    }));
    // A forest is written as a regression whose output (XGBoost's margin, no logistic) is the mean
    // of the trees' positive fractions: the same churn probability as boosting's binary:logistic.
    const objective = model.algorithm === 'random-forest' ? 'reg:squarederror' : 'binary:logistic';
    const trees = model.trees.length;
    printResult(Boolean(o.json), { out, format: 'xgboost', objective, trees, features }, () =>
      [
        `wrote ${trees} trees in XGBoost JSON (${objective}; predict gives the churn probability) to ${out}`,
        'categorical features are read as category indices, in this order:',
        ...features.filter((f) => f.categories).map((f) => `  ${f.name}: ${f.categories!.join(', ')}`),
      ].join('\n'),
    );
  },
};
