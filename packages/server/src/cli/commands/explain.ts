import {
  type CsvColumn,
  explainDataset,
  formatNumber,
  meanAbsShap,
  TreeExplainer,
  writeCsv,
} from '@churn/ml';
import type { Command } from '../args.js';
import { printResult } from '../io.js';
import { idColumns, readScoringInput, scoringOptions } from '../scoring-input.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain each row of a CSV table: one SHAP value per feature, plus the base value.',
  options: scoringOptions('CSV rows to explain'),
  async run(o) {
    const { out, model, dataset, report } = await readScoringInput(o);
    const started = performance.now();
    const explainer = new TreeExplainer(model);
    const e = explainDataset(explainer, dataset);
    const seconds = (performance.now() - started) / 1000;

    const nF = e.nFeatures;
    const columns: CsvColumn[] = idColumns(dataset);
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
