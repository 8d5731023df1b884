import { encodeDataset, formatNumber, predictEncoded, writeCsv } from '@churn/ml';
import type { Command } from '../args.js';
import { printResult } from '../io.js';
import { idColumns, readScoringInput, scoringOptions } from '../scoring-input.js';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Score a CSV table with a model: one churn_probability per input row, same order.',
  options: scoringOptions('CSV rows to score'),
  async run(o) {
    const { out, model, dataset, report } = await readScoringInput(o);
    const encoded = encodeDataset(model, dataset);
    const p = predictEncoded(model, encoded);
    await writeCsv(
      out,
      [...idColumns(dataset), { name: 'churn_probability', cell: (i) => formatNumber(p[i]) }],
      dataset.nRows,
    );
    const summary = {
      out,
      rows: dataset.nRows,
      model_algorithm: model.algorithm,
      rows_with_missing_values: encoded.missingRows,
      unseen_categories: encoded.unseenCategories,
      warnings: report.warnings,
    };
    printResult(Boolean(o.json), summary, () => `scored ${dataset.nRows} rows → ${out}`);
  },
};
