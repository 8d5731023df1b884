import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { TableSchema } from '../schema/feature-schema.js';
import type { CategoricalColumn, Column, Dataset, NumericColumn } from './dataset.js';
import { loadCsv } from './load-csv.js';

const TELCO = fileURLToPath(new URL('../../../../data/telco_churn.csv', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'load-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fixtures = 0;

/** Write `lines` to a fresh CSV file and return its path. */
function csv(lines: string[]): string {
  const path = join(dir, `f${fixtures++}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function col(ds: Dataset, name: string): Column {
  const c = ds.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}
const num = (ds: Dataset, name: string) => Array.from((col(ds, name) as NumericColumn).values);
function cats(ds: Dataset, name: string): (string | null)[] {
  const c = col(ds, name) as CategoricalColumn;
  return Array.from(c.codes, (k) => (k < 0 ? null : c.categories[k]));
}

/** n rows of `id,plan,spend,churn` with unique ids. */
function customers(n: number): string[] {
  const rows = Array.from(
    { length: n },
    (_, i) => `C${1000 + i},${i % 3 ? 'basic' : 'pro'},${i * 1.5},${i % 4 ? 'No' : 'Yes'}`,
  );
  return ['ref,plan,spend,churn', ...rows];
}

describe('loadCsv without a schema', () => {
  it('infers numeric and categorical columns and keeps missing cells as NaN / -1', async () => {
    const path = csv(['age,city,score,flag', '30,Paris,1.5,1', ',NA,  ,0', '41, Lyon ,2,1', '25,?,-3,0']);
    const { dataset, schema, report } = await loadCsv(path);
    expect(dataset.nRows).toBe(4);
    expect(num(dataset, 'age')).toEqual([30, Number.NaN, 41, 25]);
    expect(cats(dataset, 'city')).toEqual(['Paris', null, 'Lyon', null]);
    expect(num(dataset, 'score')).toEqual([1.5, Number.NaN, 2, -3]);
    expect(report.missing).toEqual({ age: 1, city: 2, score: 1, flag: 0 });
    expect(schema.features).toEqual([
      { kind: 'numeric', name: 'age', min: 25, max: 41, integer: true },
      { kind: 'categorical', name: 'city', categories: ['Paris', 'Lyon'] },
      { kind: 'numeric', name: 'score', min: -3, max: 2, integer: false },
      { kind: 'numeric', name: 'flag', min: 0, max: 1, integer: true },
    ]);
  });

  it('turns a column categorical at its first text cell, keeping the numbers as written', async () => {
    const path = csv(['zip,n', '007,1', '1.50,2', ',3', '007,4', 'abc,5']);
    const { dataset, report } = await loadCsv(path);
    expect(cats(dataset, 'zip')).toEqual(['007', '1.50', null, '007', 'abc']);
    expect(report.mixedColumns).toEqual(['zip']);
  });

  it('detects unique text columns as identifiers and uses the first as ids', async () => {
    const { dataset, report } = await loadCsv(csv(customers(60)), { target: 'churn' });
    expect(report.droppedIdentifiers).toEqual(['ref']);
    expect(report.droppedColumns).toEqual([{ name: 'ref', reason: 'identifier' }]);
    expect(dataset.idName).toBe('ref');
    expect(dataset.ids?.slice(0, 2)).toEqual(['C1000', 'C1001']);
    expect(dataset.columns.map((c) => c.name)).toEqual(['plan', 'spend']);
    // With 50 rows or fewer a unique column is kept as a feature.
    const small = await loadCsv(csv(customers(50)), { target: 'churn' });
    expect(small.dataset.columns.map((c) => c.name)).toEqual(['ref', 'plan', 'spend']);
  });

  it('takes an id column by name, drops requested and all-missing columns', async () => {
    const path = csv(['customer_id,a,b,empty,churned', 'x1,1,u,,1', 'x2,2,v,,0', 'x1,3,w,NA,0']);
    const { dataset, report } = await loadCsv(path, { target: 'churned', drop: ['b'] });
    expect(dataset.ids).toEqual(['x1', 'x2', 'x1']);
    expect(dataset.columns.map((c) => c.name)).toEqual(['a']);
    expect(report.droppedColumns).toEqual([
      { name: 'customer_id', reason: 'identifier' },
      { name: 'b', reason: 'requested' },
      { name: 'empty', reason: 'all-missing' },
    ]);
    expect(Array.from(dataset.target!)).toEqual([1, 0, 0]);
    expect(report.positiveLabel).toBe('1');
  });
});

describe('loadCsv targets', () => {
  const labels = (values: string[]) => csv(['x,y', ...values.map((v, i) => `${i},${v}`)]);

  it('maps yes/no and true/false without a positive label', async () => {
    expect(Array.from((await loadCsv(labels(['No', 'yes', 'no']), { target: 'y' })).dataset.target!)).toEqual(
      [0, 1, 0],
    );
    expect(Array.from((await loadCsv(labels(['FALSE', 'TRUE']), { target: 'y' })).dataset.target!)).toEqual([
      0, 1,
    ]);
  });

  it('uses the positive label and asks for one when the values say nothing', async () => {
    await expect(loadCsv(labels(['stayed', 'gone', 'stayed']), { target: 'y' })).rejects.toMatchObject({
      code: 'DATA_BAD_TARGET',
      message: expect.stringContaining('--positive-label'),
    });
    const { dataset, report } = await loadCsv(labels(['stayed', 'gone', 'stayed']), {
      target: 'y',
      positiveLabel: 'gone',
    });
    expect(Array.from(dataset.target!)).toEqual([0, 1, 0]);
    expect(report.positiveRate).toBeCloseTo(1 / 3);
  });

  it('rejects one class, a missing target cell and a missing target column', async () => {
    await expect(loadCsv(labels(['No', 'No']), { target: 'y' })).rejects.toMatchObject({
      code: 'DATA_ONE_CLASS',
    });
    await expect(loadCsv(labels(['No', '', 'Yes']), { target: 'y' })).rejects.toMatchObject({
      code: 'DATA_MISSING_TARGET',
      row: 3,
      message: 'line 3, column "y": missing target value',
    });
    await expect(loadCsv(labels(['No', 'Yes']), { target: 'churn' })).rejects.toMatchObject({
      code: 'DATA_MISSING_COLUMN',
    });
  });
});

describe('loadCsv with a schema', () => {
  const schema: TableSchema = {
    id: 'id',
    target: 'churned',
    positiveLabel: '1',
    features: [
      { kind: 'numeric', name: 'spend', min: 0 },
      { kind: 'categorical', name: 'plan', categories: ['basic', 'pro'] },
    ],
  };

  it('parses by the schema: known codes first, unseen categories appended and reported', async () => {
    const path = csv([
      'id,plan,extra,spend,churned',
      'a,pro,z,10,0',
      'b,gold,z,,1',
      'c,basic,z,2.5,0',
      'd,,z,1,1',
    ]);
    const { dataset, report, schema: out } = await loadCsv(path, { schema });
    expect(dataset.columns.map((c) => c.name)).toEqual(['spend', 'plan']);
    expect(num(dataset, 'spend')).toEqual([10, Number.NaN, 2.5, 1]);
    const plan = col(dataset, 'plan') as CategoricalColumn;
    expect(plan.categories).toEqual(['basic', 'pro', 'gold']);
    expect(Array.from(plan.codes)).toEqual([1, 2, 0, -1]);
    expect(report.unseenCategories).toEqual({ plan: ['gold'] });
    expect(report.droppedColumns).toContainEqual({ name: 'extra', reason: 'not-in-schema' });
    expect(dataset.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(out.features).toBe(schema.features);
  });

  it('names line and column of text in a numeric column', async () => {
    const path = csv(['id,plan,spend,churned', 'a,pro,10,0', 'b,pro,"12\n",1', 'c,pro,abc,0']);
    await expect(loadCsv(path, { schema })).rejects.toMatchObject({
      code: 'DATA_BAD_VALUE',
      row: 5,
      column: 'spend',
      message: 'line 5, column "spend": "abc" is not a number',
    });
  });

  it('refuses a file lacking a schema feature', async () => {
    await expect(loadCsv(csv(['id,spend,churned', 'a,1,0']), { schema })).rejects.toMatchObject({
      code: 'DATA_MISSING_COLUMN',
      column: 'plan',
    });
  });
});

describe('loadCsv edge cases', () => {
  it('refuses an empty file and a header without rows', async () => {
    await expect(loadCsv(csv([]))).rejects.toMatchObject({ code: 'DATA_EMPTY' });
    await expect(loadCsv(csv(['a,b']))).rejects.toMatchObject({ code: 'DATA_EMPTY' });
  });

  it('drops unnamed columns such as a pandas index', async () => {
    const { dataset, report } = await loadCsv(csv([',a,', '0,1,x', '1,2,y']));
    expect(dataset.columns.map((c) => c.name)).toEqual(['a']);
    expect(report.droppedColumns).toEqual([
      { name: 'column 1', reason: 'unnamed' },
      { name: 'column 3', reason: 'unnamed' },
    ]);
  });

  it('reads from a stream', async () => {
    const { dataset } = await loadCsv(Readable.from([Buffer.from('a,b\n1,x\n'), Buffer.from('2,y\n')]));
    expect(num(dataset, 'a')).toEqual([1, 2]);
  });
});

describe('loadCsv on the real Telco churn file', () => {
  it('finds the Telco file in the repository', () => {
    expect(existsSync(TELCO), `expected ${TELCO} (data/ in the repository)`).toBe(true);
  });

  it('finds the id, the 11 blank TotalCharges and a 26.5% churn rate', async () => {
    const { dataset, schema, report } = await loadCsv(TELCO, { target: 'Churn', positiveLabel: 'Yes' });
    expect(dataset.nRows).toBe(7043);
    expect(report.droppedIdentifiers).toEqual(['customerID']);
    expect(dataset.idName).toBe('customerID');
    expect(new Set(dataset.ids).size).toBe(7043);
    expect(col(dataset, 'TotalCharges').kind).toBe('numeric');
    expect(report.missing.TotalCharges).toBe(11);
    expect(num(dataset, 'TotalCharges').filter(Number.isNaN)).toHaveLength(11);
    expect(col(dataset, 'Contract').kind).toBe('categorical');
    expect(schema.features.find((f) => f.name === 'tenure')).toMatchObject({
      integer: true,
      min: 0,
      max: 72,
    });
    expect(report.positiveRate).toBeCloseTo(0.2654, 4);
    expect(report.columnsUsed).toHaveLength(19);
    const auto = await loadCsv(TELCO, { target: 'Churn' });
    expect(auto.report.positiveLabel).toBe('Yes');
  });
});
