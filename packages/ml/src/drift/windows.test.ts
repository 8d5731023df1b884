import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../schema/feature-schema.js';
import { CountWindow, TimeWindow } from './windows.js';

const SCHEMA: Pick<TableSchema, 'features'> = {
  features: [
    { kind: 'numeric', name: 'x' },
    { kind: 'categorical', name: 'c', categories: ['a', 'b'] },
  ],
};

const values = (w: { toDataset(): import('../data/dataset.js').Dataset }) => {
  const ds = w.toDataset();
  const x = ds.columns[0];
  const c = ds.columns[1];
  return {
    x: x.kind === 'numeric' ? Array.from(x.values) : [],
    c: c.kind === 'categorical' ? Array.from(c.codes) : [],
  };
};

describe('CountWindow', () => {
  it('keeps the last N rows, oldest first', () => {
    const w = new CountWindow(SCHEMA, 3);
    for (let i = 0; i < 5; i++) w.push([i, i % 2]);
    expect(w.size).toBe(3);
    expect(values(w)).toEqual({ x: [2, 3, 4], c: [0, 1, 0] });
  });
  it('keeps missing values missing and invalid codes as missing', () => {
    const w = new CountWindow(SCHEMA, 4);
    w.push([Number.NaN, -1]);
    w.push([1, 7]);
    const v = values(w);
    expect(v.x[0]).toBeNaN();
    expect(v.c).toEqual([-1, -1]);
  });
  it('refuses a row of the wrong width', () => {
    expect(() => new CountWindow(SCHEMA, 2).push([1])).toThrow('expected 2');
  });
});

describe('TimeWindow', () => {
  it('keeps the rows of the last T ms and grows past its initial capacity', () => {
    const w = new TimeWindow(SCHEMA, 1000, 2);
    for (let t = 0; t < 10; t++) w.push(t * 200, [t, 0]);
    // Newest at 1800 ms: rows newer than 800 ms stay.
    expect(values(w).x).toEqual([5, 6, 7, 8, 9]);
    expect(w.toDataset(2500).nRows).toBe(2); // 1600 and 1800
    expect(w.toDataset(5000).nRows).toBe(0);
  });
  it('refuses timestamps that go backwards', () => {
    const w = new TimeWindow(SCHEMA, 1000);
    w.push(10, [1, 0]);
    expect(() => w.push(5, [1, 0])).toThrow('backwards');
  });
});
