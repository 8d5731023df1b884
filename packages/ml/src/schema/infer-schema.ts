/**
 * Bridges between data and schemas: describe a loaded dataset as a {@link TableSchema} (stored in
 * the model file), and turn API-style JSON rows into a {@link Dataset} laid out by a schema.
 */

import { ColumnBuilder } from '../data/column-builder.js';
import { type Column, type Dataset, isMissingCell } from '../data/dataset.js';
import { DataError, quoteCell } from '../data/errors.js';
import { binarizeTarget } from '../data/target.js';
import type { FeatureSpec, NumericFeature, TableSchema } from './feature-schema.js';

/** Table-level facts {@link inferSchema} cannot see in the columns. */
export interface InferSchemaOptions {
  readonly id?: string;
  readonly target?: string;
  readonly positiveLabel?: string;
}

/** A numeric feature with the observed range and whether all present values are whole. */
function numericSpec(name: string, v: Float64Array): NumericFeature {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let integer = true;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < min) min = x;
    if (x > max) max = x;
    if (integer && Math.floor(x) !== x && !Number.isNaN(x)) integer = false;
  }
  return min <= max ? { kind: 'numeric', name, min, max, integer } : { kind: 'numeric', name };
}

/**
 * Describe a dataset's columns as a schema: numeric features get the observed min/max and
 * `integer: true` when every present value is whole; categorical features get their categories.
 * `id`, `target` and `positiveLabel` default to the dataset's own names.
 */
export function inferSchema(ds: Dataset, options: InferSchemaOptions = {}): TableSchema {
  const features: FeatureSpec[] = ds.columns.map((c) =>
    c.kind === 'categorical'
      ? { kind: 'categorical', name: c.name, categories: [...c.categories] }
      : numericSpec(c.name, c.values),
  );
  const schema: { -readonly [K in keyof TableSchema]: TableSchema[K] } = { features };
  const id = options.id ?? ds.idName;
  const target = options.target ?? ds.targetName;
  if (id !== undefined) schema.id = id;
  if (target !== undefined) schema.target = target;
  if (options.positiveLabel !== undefined) schema.positiveLabel = options.positiveLabel;
  return schema;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `text ${quoteCell(value)}`;
  if (typeof value === 'number') return String(value);
  return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

/** Text of a JSON label or id value; undefined when missing. */
function labelText(value: unknown, index: number, column: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return isMissingCell(value) ? undefined : value.trim();
  throw new DataError('DATA_BAD_VALUE', `expected text or a number, got ${typeName(value)}`, {
    index,
    column,
  });
}

/**
 * Build a dataset from JSON rows (API requests), laid out by `schema`.
 *
 * - Numeric features accept finite numbers and numeric strings; `null`, `undefined`, NaN, absent
 *   fields and NA-like strings are missing (NaN). Anything else is a `DATA_BAD_VALUE` error naming
 *   the record index and field.
 * - Categorical features accept strings (trimmed), numbers and booleans (as their text); unknown
 *   categories get codes after the schema's, like the CSV loader.
 * - `schema.id`, when present in a record, fills `ids`; `schema.target`, when any record has it,
 *   must be in all of them and becomes the 0/1 target (see `binarizeTarget`).
 * Fields the schema does not know are ignored.
 */
export function datasetFromRecords(
  records: readonly Record<string, unknown>[],
  schema: TableSchema,
): Dataset {
  const builders = schema.features.map(
    (f) => new ColumnBuilder(f.name, f.kind, f.kind === 'categorical' ? f.categories : []),
  );
  records.forEach((rec, index) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new DataError('DATA_BAD_VALUE', `expected an object, got ${typeName(rec)}`, { index });
    }
    for (const b of builders) {
      const value = rec[b.name];
      if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
        b.pushMissing();
      } else if (b.kind === 'numeric') {
        if (typeof value === 'number' && Number.isFinite(value)) b.pushNumber(value);
        else if (typeof value !== 'string' || !b.pushCell(value)) {
          throw new DataError('DATA_BAD_VALUE', `expected a number, got ${typeName(value)}`, {
            index,
            column: b.name,
          });
        }
      } else {
        const text = labelText(value, index, b.name);
        if (text === undefined) b.pushMissing();
        else b.pushCategory(text);
      }
    }
  });
  const columns: Column[] = builders.map((b) => b.finish());
  const ds: { -readonly [K in keyof Dataset]: Dataset[K] } = { nRows: records.length, columns };
  if (schema.id !== undefined && records.some((r) => r[schema.id!] !== undefined)) {
    const id = schema.id;
    ds.ids = records.map((r, index) => labelText(r[id], index, id) ?? '');
    ds.idName = id;
  }
  const targetName = schema.target;
  if (targetName !== undefined && records.some((r) => r[targetName] !== undefined)) {
    const labels = new ColumnBuilder(targetName, 'categorical');
    records.forEach((r, index) => {
      const text = labelText(r[targetName], index, targetName);
      if (text === undefined) {
        throw new DataError('DATA_MISSING_TARGET', 'missing target value', { index, column: targetName });
      }
      labels.pushCategory(text);
    });
    const col = labels.finish();
    if (col.kind === 'categorical') {
      ds.target = binarizeTarget(targetName, col.categories, col.codes, schema.positiveLabel).target;
      ds.targetName = targetName;
    }
  }
  return ds;
}
