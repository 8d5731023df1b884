import { type CsvColumn, encodeDataset, formatNumber, predictEncoded, writeCsv } from '@churn/ml';
import type { Command } from '../args.js';
import { loadTable } from '../data-files.js';
import { assertWritable, printResult } from '../io.js';
import { readModelFile } from '../model-files.js';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Score a CSV table with a model: one churn_probability per input row, same order.',
  options: {
    model: { type: 'string', description: 'Model file', required: true, value: 'FILE' },
    data: { type: 'string', description: 'CSV rows to score', required: true, value: 'FILE' },
    out: { type: 'string', description: 'Output CSV file', required: true, value: 'FILE' },
    json: { type: 'boolean', description: 'Print a JSON summary' },
  },
  async run(o) {
    const out = o.out as string;
    await assertWritable(out);
    const model = await readModelFile(o.model as string);
    const { dataset, report } = await loadTable(o.data as string, {
      schema: model.schema,
      requireTarget: false,
    });
    const encoded = encodeDataset(model, dataset);
    const p = predictEncoded(model, encoded);
    const columns: CsvColumn[] = [];
    if (dataset.ids && dataset.idName) {
      const ids = dataset.ids;
      columns.push({ name: dataset.idName, cell: (i) => ids[i] });
    }
    columns.push({ name: 'churn_probability', cell: (i) => formatNumber(p[i]) });
    await writeCsv(out, columns, dataset.nRows);
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
