/**
 * What {@link loadCsv} did to a file: rows read, columns used and dropped (and why), missing
 * counts, categories the schema did not know, and the positive rate. The CLI prints
 * {@link describeLoad}; the model file stores the report next to the schema.
 */

/** Why a CSV column is not a feature. */
export type DropReason =
  /** Listed in `options.drop`. */
  | 'requested'
  /** Unique text per row (or the chosen id column). */
  | 'identifier'
  /** Every cell missing (schema-less loads only). */
  | 'all-missing'
  /** A schema was given and does not list the column. */
  | 'not-in-schema'
  /** The header cell is empty (e.g. the index column pandas writes); named `column <n>` here. */
  | 'unnamed';

/** A column left out of the features. */
export interface DroppedColumn {
  readonly name: string;
  readonly reason: DropReason;
}

/** Summary of one CSV load. */
export interface LoadReport {
  /** Data rows read (header excluded). */
  rows: number;
  /** Feature columns, in dataset order. */
  columnsUsed: string[];
  /** Column whose values became `dataset.ids`, if any. */
  idColumn?: string;
  /** Target column, when the file had one. */
  targetColumn?: string;
  /** Target value counted as positive (churned). */
  positiveLabel?: string;
  /** Share of rows with target 1. */
  positiveRate?: number;
  /** Identifier columns kept out of the features (includes `idColumn`). */
  droppedIdentifiers: string[];
  /** Every column that is not a feature, the target excepted, with the reason. */
  droppedColumns: DroppedColumn[];
  /** Missing cells per feature column. */
  missing: Record<string, number>;
  /** Per categorical feature: values not among the schema's categories (schema loads only). */
  unseenCategories: Record<string, string[]>;
  /** Categorical features with more than 1,000 distinct values: kept (binning caps them). */
  highCardinality: Record<string, number>;
  /** Columns that held numbers and text and were therefore read as categorical. */
  mixedColumns: string[];
  /** Human-readable notes about all of the above worth a look. */
  warnings: string[];
}

/** A fresh report for `rows` rows with every list empty. */
export function emptyReport(rows = 0): LoadReport {
  return {
    rows,
    columnsUsed: [],
    droppedIdentifiers: [],
    droppedColumns: [],
    missing: {},
    unseenCategories: {},
    highCardinality: {},
    mixedColumns: [],
    warnings: [],
  };
}

/** Plain-text lines summarising a report, for the CLI. */
export function describeLoad(report: LoadReport): string[] {
  const lines = [`${report.rows} rows, ${report.columnsUsed.length} feature columns`];
  if (report.targetColumn !== undefined) {
    const rate =
      report.positiveRate === undefined ? '' : ` — ${(report.positiveRate * 100).toFixed(2)}% positive`;
    lines.push(`target "${report.targetColumn}", positive label "${report.positiveLabel}"${rate}`);
  }
  if (report.idColumn !== undefined) lines.push(`ids from "${report.idColumn}"`);
  for (const d of report.droppedColumns) lines.push(`dropped "${d.name}" (${d.reason})`);
  const withMissing = Object.entries(report.missing).filter(([, n]) => n > 0);
  if (withMissing.length > 0) {
    lines.push(`missing cells: ${withMissing.map(([name, n]) => `${name} ${n}`).join(', ')}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return lines;
}
