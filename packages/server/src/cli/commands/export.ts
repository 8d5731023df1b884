import { toXGBoostJsonString, writeFileAtomic } from '@churn/ml';
import { ChurnError } from '../../errors/index.js';
import type { Command } from '../args.js';
import { assertWritable, printResult } from '../io.js';
import { readModelFile } from '../model-files.js';

export const exportCommand: Command = {
  name: 'export',
  summary: "Export a gradient-boosting model to XGBoost's JSON model format (Booster.load_model).",
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
    if (model.algorithm !== 'gradient-boosting') {
      throw new ChurnError(
        'CHURN_ERR_USAGE',
        `only gradient-boosting models can be exported to XGBoost; this one is ${model.algorithm}`,
      );
    }
    await writeFileAtomic(out, toXGBoostJsonString(model));
    const features = model.binning.map((b) => ({
      name: b.name,
      type: b.kind,
      categories: b.kind === 'categorical' ? b.categories : undefined,
    }));
    printResult(Boolean(o.json), { out, format: 'xgboost', trees: model.trees.length, features }, () =>
      [
        `wrote ${model.trees.length} trees in XGBoost JSON to ${out}`,
        'categorical features are read as category indices, in this order:',
        ...features.filter((f) => f.categories).map((f) => `  ${f.name}: ${f.categories!.join(', ')}`),
      ].join('\n'),
    );
  },
};
