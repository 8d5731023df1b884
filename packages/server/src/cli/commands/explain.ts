import {
  assertDatasetColumns,
  type CsvColumn,
  csvField,
  explainDataset,
  formatNumber,
  meanAbsShap,
  TreeExplainer,
  writeCsv,
} from '@churn/ml';
import { ChurnError } from '../../errors/index.js';
import type { Command } from '../args.js';
import { loadTable } from '../data-files.js';
import { assertWritable, printResult } from '../io.js';
import { readModelFile } from '../model-files.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain each row of a CSV table: one SHAP value per feature, plus the base value.',
  options: {
    model: { type: 'string', description: 'Model file', required: true, value: 'FILE' },
    data: { type: 'string', description: 'CSV rows to explain', required: true, value: 'FILE' },
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
    try {
      assertDatasetColumns(model, dataset);
    } catch (err) {
      throw new ChurnError('CHURN_ERR_BAD_DATA', `--data ${o.data as string}: ${(err as Error).message}`);
    }
    const started = performance.now();
    const explainer = new TreeExplainer(model);
    const e = explainDataset(explainer, dataset);
    const seconds = (performance.now() - started) / 1000;

    const nF = e.nFeatures;
    const columns: CsvColumn[] = [];
    if (e.ids && dataset.idName) {
      const ids = e.ids;
      columns.push({ name: dataset.idName, cell: (i) => csvField(ids[i]) });
    }
    e.featureNames.forEach((name, f) => {
      columns.push({ name, cell: (i) => formatNumber(e.values[i * nF + f]) });
    });
    const base = formatNumber(e.baseValue);
    columns.push({ name: 'base_value', cell: () => base });
    await writeCsv(out, columns, e.nRows);

    let rowsWithMissing = 0;
    let rowsWithUnseen = 0;
    for (let i = 0; i < e.nRows; i++) {
      const missing = e.missing.subarray(i * nF, (i + 1) * nF);
      const unseen = e.unseen.subarray(i * nF, (i + 1) * nF);
      if (missing.includes(1)) rowsWithMissing++;
      if (unseen.includes(1)) rowsWithUnseen++;
    }
    const importance = meanAbsShap(e.values, e.featureNames).slice(0, 5);
    const summary = {
      out,
      rows: e.nRows,
      model_algorithm: model.algorithm,
      output_space: e.outputSpace,
      base_value: e.baseValue,
      rows_with_missing_values: rowsWithMissing,
      rows_with_unseen_categories: rowsWithUnseen,
      unseen_categories: e.encoded.unseenCategories,
      top_features: importance.map((t) => ({ feature: t.feature, mean_abs_shap: t.meanAbs })),
      seconds,
      warnings: report.warnings,
    };
    printResult(
      Boolean(o.json),
      summary,
      () =>
        `explained ${e.nRows} rows (${e.outputSpace}, base ${formatNumber(e.baseValue)}) → ${out}; ` +
        `top features: ${importance.map((t) => t.feature).join(', ')}`,
    );
  },
};
