/**
 * Load a CSV file into a columnar {@link Dataset} in one streaming pass, with or without a schema.
 *
 * - With a schema, each feature is read as its spec says: text in a numeric column is a
 *   `DATA_BAD_VALUE` error naming line and column; categorical values get the schema's codes first,
 *   unseen ones get new codes after them (reported). Features missing from the header are a
 *   `DATA_MISSING_COLUMN` error; other columns are ignored (reported). An entirely missing feature
 *   is kept (all NaN / -1) so the layout still matches the model, with a warning.
 * - Without a schema, column types are inferred: numeric while every present cell is a finite
 *   number, else categorical (numbers seen before the first text keep their spelling). Text
 *   columns unique on every row (more than 50 rows) are identifiers and are dropped; entirely
 *   missing columns are dropped; categorical columns with over 1,000 values are kept and reported.
 *   The inferred schema (ranges, integer flags, categories) is returned.
 * - Columns with an empty header name are dropped (`unnamed`), as are the `drop` columns.
 * - Missing cells (see `isMissingCell`) become NaN or -1, never 0.
 * - Memory: typed arrays per column (doubling growth) and a dictionary per categorical column;
 *   rows are never kept as strings. 1,000,000 rows x 23 columns peak at about 0.5 GB RSS.
 * - The id column is `options.id`, else `schema.id`, else the first header named like `id`,
 *   `customer_id` or `customerID`, else the first detected identifier column.
 * - The target is mapped to 0/1 as `binarizeTarget` documents; a missing target cell is a
 *   `DATA_MISSING_TARGET` error naming the line.
 */

import type { TableSchema } from '../schema/feature-schema.js';
import { inferSchema } from '../schema/infer-schema.js';
import { detach } from './cell-text.js';
import { ColumnBuilder } from './column-builder.js';
import { type ColumnPlan, type ColumnPlanOptions, planColumns } from './column-plan.js';
import { type CsvReaderOptions, type CsvRecordSink, fieldText, readCsvInto } from './csv-reader.js';
import type { Column, Dataset } from './dataset.js';
import { DataError, quoteCell } from './errors.js';
import { emptyReport, type LoadReport } from './load-report.js';
import { binarizeTarget } from './target.js';

/** Options of {@link loadCsv}. */
export interface LoadCsvOptions extends ColumnPlanOptions {
  /** Target value meaning churned; defaults to `schema.positiveLabel`, else inferred. */
  readonly positiveLabel?: string;
  /** CSV syntax options. */
  readonly csv?: CsvReaderOptions;
}

/** What {@link loadCsv} returns. */
export interface LoadResult {
  readonly dataset: Dataset;
  /** The given schema (ids/target filled in) or the inferred one; store it with the model. */
  readonly schema: TableSchema;
  readonly report: LoadReport;
}

/** Unique-text columns are identifiers only above this many rows. */
export const ID_MIN_ROWS = 50;
/** Categorical columns with more distinct values are reported as high-cardinality. */
export const HIGH_CARDINALITY = 1000;

/**
 * Read a CSV file (path) or stream into a dataset, its schema and a load report. Throws a
 * {@link DataError} for anything wrong with the data (ragged rows, text in a numeric column,
 * missing columns or target cells, a one-class target, an empty file).
 */
export async function loadCsv(
  source: string | NodeJS.ReadableStream,
  options: LoadCsvOptions = {},
): Promise<LoadResult> {
  const { schema } = options;
  const targetName = options.target ?? schema?.target;
  const report = emptyReport();
  let plan: ColumnPlan | undefined;
  let labels: ColumnBuilder | undefined;
  let ids: string[] | undefined;
  let rows = 0;
  const sink: CsvRecordSink = (text, f, row) => {
    if (plan === undefined) {
      const header = Array.from({ length: f.count }, (_, i) => detach(fieldText(text, f, i).trim()));
      plan = planColumns(header, options, report, targetName);
      if (plan.targetAt >= 0) labels = new ColumnBuilder(targetName!, 'categorical');
      if (plan.idAt >= 0) ids = [];
      return;
    }
    rows++;
    const { features, at } = plan;
    for (let j = 0; j < features.length; j++) {
      const i = at[j];
      const ok =
        f.escaped[i] === 1
          ? features[j].pushCell(fieldText(text, f, i))
          : features[j].pushRange(text, f.starts[i], f.ends[i]);
      if (!ok) {
        const problem = `${quoteCell(fieldText(text, f, i))} is not a number`;
        throw new DataError('DATA_BAD_VALUE', problem, { row, column: features[j].name });
      }
    }
    if (labels) {
      const i = plan.targetAt;
      if (f.escaped[i] === 1) labels.pushCell(fieldText(text, f, i));
      else labels.pushRange(text, f.starts[i], f.ends[i]);
      if (labels.missing > 0) {
        throw new DataError('DATA_MISSING_TARGET', 'missing target value', { row, column: labels.name });
      }
    }
    if (ids) ids.push(detach(fieldText(text, f, plan.idAt).trim()));
  };
  await readCsvInto(source, sink, options.csv);
  if (plan === undefined) throw new DataError('DATA_EMPTY', 'the CSV is empty (no header)');
  report.rows = rows;
  return finish(plan, labels, ids, options, report);
}

function finish(
  plan: ColumnPlan,
  labels: ColumnBuilder | undefined,
  ids: string[] | undefined,
  options: LoadCsvOptions,
  report: LoadReport,
): LoadResult {
  const { schema } = options;
  const { rows } = report;
  if (rows === 0) throw new DataError('DATA_EMPTY', 'the CSV has a header but no data rows');
  const columns: Column[] = [];
  let allMissing = 0;
  let idName = report.idColumn;
  for (const b of plan.features) {
    if (b.missing === rows) {
      if (!schema) {
        allMissing++;
        report.droppedColumns.push({ name: b.name, reason: 'all-missing' });
        report.warnings.push(`column "${b.name}" is entirely missing and was dropped`);
        continue;
      }
      report.warnings.push(`column "${b.name}" is entirely missing`);
    }
    if (!schema && b.kind === 'categorical' && rows > ID_MIN_ROWS && b.missing === 0 && b.distinct === rows) {
      report.droppedIdentifiers.push(b.name);
      report.droppedColumns.push({ name: b.name, reason: 'identifier' });
      if (idName === undefined) {
        idName = b.name;
        ids = b.categories;
        report.idColumn = idName;
      }
      continue;
    }
    if (b.mixed) {
      report.mixedColumns.push(b.name);
      report.warnings.push(`column "${b.name}" mixes numbers and text; read as categorical`);
    }
    const spec = schema?.features.find((f) => f.name === b.name);
    if (spec?.kind === 'categorical' && b.distinct > spec.categories.length) {
      report.unseenCategories[b.name] = b.categories.slice(spec.categories.length);
      report.warnings.push(
        `column "${b.name}" has ${b.distinct - spec.categories.length} categories the schema lacks`,
      );
    }
    if (b.kind === 'categorical' && b.distinct > HIGH_CARDINALITY) {
      report.highCardinality[b.name] = b.distinct;
      report.warnings.push(`column "${b.name}" has ${b.distinct} distinct values; binning will cap them`);
    }
    report.missing[b.name] = b.missing;
    report.columnsUsed.push(b.name);
    columns.push(b.finish());
  }
  if (columns.length === 0) {
    throw allMissing > 0 && allMissing === plan.features.length
      ? new DataError('DATA_ALL_MISSING', 'every feature column is entirely missing')
      : new DataError('DATA_EMPTY', 'no usable feature columns');
  }
  const dataset: { -readonly [K in keyof Dataset]: Dataset[K] } = { nRows: rows, columns };
  if (ids !== undefined && idName !== undefined) {
    dataset.ids = ids;
    dataset.idName = idName;
  }
  let positiveLabel = options.positiveLabel ?? schema?.positiveLabel;
  if (labels) {
    const col = labels.finish();
    if (col.kind === 'categorical') {
      const bin = binarizeTarget(labels.name, col.categories, col.codes, positiveLabel);
      dataset.target = bin.target;
      dataset.targetName = labels.name;
      positiveLabel = bin.positiveLabel;
      report.positiveLabel = positiveLabel;
      report.positiveRate = bin.positives / rows;
    }
  }
  const names: { id?: string; target?: string; positiveLabel?: string } = {};
  if (idName !== undefined) names.id = idName;
  if (dataset.targetName !== undefined) names.target = dataset.targetName;
  if (positiveLabel !== undefined) names.positiveLabel = positiveLabel;
  const outSchema = schema ? { ...schema, ...names } : inferSchema(dataset, names);
  return { dataset, schema: outSchema, report };
}
