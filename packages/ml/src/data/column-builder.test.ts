import { describe, expect, it } from 'vitest';
import { ColumnBuilder } from './column-builder.js';
import type { CategoricalColumn, NumericColumn } from './dataset.js';
import { DataError, formatLocation, isDataError } from './errors.js';

/** Push each cell through pushRange (as the CSV loader does), embedded in surrounding text. */
function build(mode: 'infer' | 'numeric' | 'categorical', cells: string[], seed: string[] = []) {
  const b = new ColumnBuilder('c', mode, seed);
  for (const cell of cells) {
    const text = `<<${cell}>>`;
    if (!b.pushRange(text, 2, 2 + cell.length)) return { b, rejected: cell };
  }
  return { b, rejected: undefined };
}

describe('ColumnBuilder', () => {
  it('reads plain decimals from ranges exactly like Number()', () => {
    const cells = [
      '0',
      '-0',
      '12',
      '3.25',
      '-0.1',
      '.5',
      '5.',
      '0.30000000000000004',
      '123456789012345',
      '1e3',
      ' 7 ',
    ];
    const col = build('infer', cells).b.finish() as NumericColumn;
    expect(Array.from(col.values)).toEqual(cells.map(Number));
  });

  it('grows past its initial capacity and counts missing cells', () => {
    const cells = Array.from({ length: 5000 }, (_, i) => (i % 10 === 0 ? '' : String(i)));
    const { b } = build('infer', cells);
    const col = b.finish() as NumericColumn;
    expect(col.values.length).toBe(5000);
    expect(col.values[4999]).toBe(4999);
    expect(col.values[10]).toBeNaN();
    expect(b.missing).toBe(500);
  });

  it('turns categorical at the first text cell and restores number spellings', () => {
    const cells = ['1', '1.50', '007', '-0', '1e3', 'NA', '2.0', 'x', '1.50'];
    const { b } = build('infer', cells);
    const col = b.finish() as CategoricalColumn;
    expect(col.kind).toBe('categorical');
    expect(Array.from(col.codes, (k) => (k < 0 ? null : col.categories[k]))).toEqual([
      '1',
      '1.50',
      '007',
      '-0',
      '1e3',
      null,
      '2.0',
      'x',
      '1.50',
    ]);
    expect(b.mixed).toBe(true);
  });

  it('rejects text in a schema-numeric column and seeds schema categories', () => {
    expect(build('numeric', ['1', 'two']).rejected).toBe('two');
    const col = build('categorical', ['b', 'z', ''], ['a', 'b']).b.finish() as CategoricalColumn;
    expect(col.categories).toEqual(['a', 'b', 'z']);
    expect(Array.from(col.codes)).toEqual([1, 2, -1]);
  });
});

describe('DataError', () => {
  it('prefixes the location and keeps it as fields', () => {
    const err = new DataError('DATA_BAD_VALUE', '"abc" is not a number', { row: 17, column: 'TotalCharges' });
    expect(err.message).toBe('line 17, column "TotalCharges": "abc" is not a number');
    expect([err.name, err.code, err.row, err.column]).toEqual([
      'DataError',
      'DATA_BAD_VALUE',
      17,
      'TotalCharges',
    ]);
    expect(isDataError(err)).toBe(true);
    expect(isDataError(new Error('x'))).toBe(false);
    expect(formatLocation({ index: 2, column: 'tenure' })).toBe('record 2, field "tenure"');
    expect(new DataError('DATA_EMPTY', 'the CSV is empty').message).toBe('the CSV is empty');
  });
});
