import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, Dataset, NumericColumn } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import type { TableSchema } from './feature-schema.js';
import { datasetFromRecords, inferSchema } from './infer-schema.js';

const schema: TableSchema = {
  id: 'customer_id',
  target: 'churned',
  positiveLabel: '1',
  features: [
    { kind: 'numeric', name: 'tenure', integer: true },
    { kind: 'categorical', name: 'plan', categories: ['basic', 'pro'] },
  ],
};

const values = (ds: Dataset, i: number) => Array.from((ds.columns[i] as NumericColumn).values);
const codes = (ds: Dataset, i: number) => Array.from((ds.columns[i] as CategoricalColumn).codes);

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataError) return err;
    throw err;
  }
  throw new Error('expected a DataError');
}

describe('datasetFromRecords', () => {
  it('lays JSON rows out by the schema, with null/undefined/NA as missing', () => {
    const ds = datasetFromRecords(
      [
        { customer_id: 'a', tenure: 3, plan: 'pro', other: true },
        { customer_id: 'b', tenure: null, plan: null },
        { customer_id: 'c', tenure: '7', plan: ' basic ' },
        { customer_id: 'd', plan: 'NA', tenure: 'NA' },
      ],
      schema,
    );
    expect(ds.nRows).toBe(4);
    expect(values(ds, 0)).toEqual([3, Number.NaN, 7, Number.NaN]);
    expect(codes(ds, 1)).toEqual([1, -1, 0, -1]);
    expect(ds.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(ds.target).toBeUndefined();
  });

  it('gives unseen categories codes after the schema ones', () => {
    const ds = datasetFromRecords([{ plan: 'gold' }, { plan: 'pro' }, { plan: 'gold' }], schema);
    expect(codes(ds, 1)).toEqual([2, 1, 2]);
    expect((ds.columns[1] as CategoricalColumn).categories).toEqual(['basic', 'pro', 'gold']);
  });

  it('maps a target when the records carry one', () => {
    const ds = datasetFromRecords(
      [
        { tenure: 1, plan: 'pro', churned: 1 },
        { tenure: 2, plan: 'pro', churned: '0' },
      ],
      schema,
    );
    expect(Array.from(ds.target!)).toEqual([1, 0]);
    expect(ds.targetName).toBe('churned');
  });

  it('names the record index and field of a wrong type', () => {
    const text = dataError(() => datasetFromRecords([{ tenure: 1 }, { tenure: 'ten' }], schema));
    expect([text.code, text.index, text.column]).toEqual(['DATA_BAD_VALUE', 1, 'tenure']);
    expect(text.message).toBe('record 1, field "tenure": expected a number, got text "ten"');
    const obj = dataError(() => datasetFromRecords([{ plan: { a: 1 } }], schema));
    expect(obj.message).toBe('record 0, field "plan": expected text or a number, got an object');
    expect(dataError(() => datasetFromRecords([{ tenure: Number.POSITIVE_INFINITY }], schema)).column).toBe(
      'tenure',
    );
    const missingLabel = dataError(() => datasetFromRecords([{ churned: 1 }, { churned: null }], schema));
    expect([missingLabel.code, missingLabel.index]).toEqual(['DATA_MISSING_TARGET', 1]);
  });
});

describe('inferSchema', () => {
  it('describes numeric ranges, integer-ness and categories', () => {
    const ds: Dataset = {
      nRows: 3,
      columns: [
        { kind: 'numeric', name: 'a', values: Float64Array.from([2, Number.NaN, -1]) },
        { kind: 'numeric', name: 'b', values: Float64Array.from([0.5, 1, 2]) },
        { kind: 'numeric', name: 'c', values: Float64Array.from([Number.NaN, Number.NaN, Number.NaN]) },
        { kind: 'categorical', name: 'd', codes: Int32Array.from([0, 1, -1]), categories: ['x', 'y'] },
      ],
      idName: 'id',
      ids: ['1', '2', '3'],
    };
    expect(inferSchema(ds, { target: 't', positiveLabel: 'Yes' })).toEqual({
      id: 'id',
      target: 't',
      positiveLabel: 'Yes',
      features: [
        { kind: 'numeric', name: 'a', min: -1, max: 2, integer: true },
        { kind: 'numeric', name: 'b', min: 0.5, max: 2, integer: false },
        { kind: 'numeric', name: 'c' },
        { kind: 'categorical', name: 'd', categories: ['x', 'y'] },
      ],
    });
  });
});
