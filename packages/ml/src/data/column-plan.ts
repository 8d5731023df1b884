/**
 * Column roles of a CSV load, decided from the header: which columns are features (and how each
 * is read), which one is the target, which one holds the ids, and which are dropped and why.
 */

import type { TableSchema } from '../schema/feature-schema.js';
import { ColumnBuilder } from './column-builder.js';
import { DataError, quoteCell } from './errors.js';
import type { LoadReport } from './load-report.js';

/** The column choices {@link planColumns} needs (a subset of the `loadCsv` options). */
export interface ColumnPlanOptions {
  /** Read features as this schema declares (no inference). */
  readonly schema?: TableSchema;
  /** Target column; defaults to `schema.target`. */
  readonly target?: string;
  /** Columns to leave out. */
  readonly drop?: readonly string[];
  /** Identifier column; defaults to `schema.id`, else detected. */
  readonly id?: string;
  /** Fail when the target column is absent. Default: true when `target` is given explicitly. */
  readonly requireTarget?: boolean;
}

/** Header names taken as the identifier column when none is given. */
export const ID_NAME_PATTERN = /^(?:(?:customer|client|user|account|member|subscriber)[ _-]?)?id$/i;

/** Which CSV column feeds which builder, the target and the ids. */
export interface ColumnPlan {
  /** One builder per feature, in dataset order. */
  features: ColumnBuilder[];
  /** CSV field index of each feature. */
  at: number[];
  /** CSV field index of the target, -1 when absent. */
  targetAt: number;
  /** CSV field index of the id column, -1 when none. */
  idAt: number;
}

/**
 * Decide from the (trimmed) header which columns are features (with a builder each), the target
 * and the id, recording dropped columns in `report`. Columns with an empty name (such as the index
 * column pandas writes) are dropped as `unnamed`. Throws for duplicate names and missing required
 * columns.
 */
export function planColumns(
  header: string[],
  options: ColumnPlanOptions,
  report: LoadReport,
  targetName?: string,
): ColumnPlan {
  const { schema } = options;
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') return;
    if (index.has(name))
      throw new DataError('DATA_DUPLICATE_COLUMN', 'appears twice in the header', { row: 1, column: name });
    index.set(name, i);
  });
  const drop = new Set(options.drop ?? []);
  const specs = new Map(schema?.features.map((f) => [f.name, f]));
  const missingCols = [...specs.keys()].filter((n) => !index.has(n) && !drop.has(n));
  if (missingCols.length > 0) {
    throw new DataError(
      'DATA_MISSING_COLUMN',
      `the schema needs column(s) ${missingCols.map((n) => quoteCell(n)).join(', ')} which the header lacks`,
      {
        column: missingCols[0],
      },
    );
  }
  const targetAt = targetName === undefined ? -1 : (index.get(targetName) ?? -1);
  const required = options.requireTarget ?? options.target !== undefined;
  if (targetName !== undefined && targetAt < 0 && required) {
    throw new DataError('DATA_MISSING_COLUMN', 'target column not in the header', { column: targetName });
  }
  let idName = options.id ?? schema?.id;
  if (options.id !== undefined && !index.has(options.id)) {
    throw new DataError('DATA_MISSING_COLUMN', 'id column not in the header', { column: options.id });
  }
  idName ??= header.find((h) => ID_NAME_PATTERN.test(h) && h !== targetName && !drop.has(h) && !specs.has(h));
  const idAt = idName === undefined ? -1 : (index.get(idName) ?? -1);
  const plan: ColumnPlan = { features: [], at: [], targetAt, idAt };
  const add = (b: ColumnBuilder, i: number) => {
    plan.features.push(b);
    plan.at.push(i);
  };
  if (schema) {
    for (const f of schema.features) {
      if (!drop.has(f.name))
        add(
          new ColumnBuilder(f.name, f.kind, f.kind === 'categorical' ? f.categories : []),
          index.get(f.name)!,
        );
    }
  }
  header.forEach((name, i) => {
    if (i === targetAt) return;
    if (i === idAt) report.droppedColumns.push({ name, reason: 'identifier' });
    else if (name === '') report.droppedColumns.push({ name: `column ${i + 1}`, reason: 'unnamed' });
    else if (drop.has(name)) report.droppedColumns.push({ name, reason: 'requested' });
    else if (schema && !specs.has(name)) report.droppedColumns.push({ name, reason: 'not-in-schema' });
    else if (!schema) add(new ColumnBuilder(name, 'infer'), i);
  });
  if (idAt >= 0) {
    report.idColumn = header[idAt];
    report.droppedIdentifiers.push(header[idAt]);
  }
  if (targetAt >= 0) report.targetColumn = targetName;
  return plan;
}
