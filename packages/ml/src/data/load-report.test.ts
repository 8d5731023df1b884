import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../schema/feature-schema.js';
import { loadCsv } from './load-csv.js';
import { describeLoad, emptyReport } from './load-report.js';

/** Load CSV text given as lines (through a stream, no file). */
const load = (lines: string[], options: Parameters<typeof loadCsv>[1] = {}) =>
  loadCsv(Readable.from([`${lines.join('\n')}\n`]), options);

describe('load report', () => {
  it('reports high-cardinality categorical columns without dropping them', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => `t${i % 1100},${i % 2}`);
    const { dataset, report } = await load(['tag,y', ...rows], { target: 'y' });
    expect(dataset.columns.map((c) => c.name)).toEqual(['tag']);
    expect(report.highCardinality).toEqual({ tag: 1100 });
    expect(report.warnings).toContain('column "tag" has 1100 distinct values; binning will cap them');
  });

  it('keeps an entirely missing schema feature so the layout matches, with a warning', async () => {
    const schema: TableSchema = {
      features: [
        { kind: 'numeric', name: 'a' },
        { kind: 'numeric', name: 'b' },
      ],
    };
    const { dataset, report } = await load(['a,b', '1,', '2,NA'], { schema });
    expect(dataset.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(report.missing).toEqual({ a: 0, b: 2 });
    expect(report.warnings).toEqual(['column "b" is entirely missing']);
  });

  it('loads without a target when it is not required, and refuses duplicate names', async () => {
    const schema: TableSchema = { target: 'churned', features: [{ kind: 'numeric', name: 'a' }] };
    const { dataset, report } = await load(['a', '1', '2'], { schema });
    expect(dataset.target).toBeUndefined();
    expect(report.targetColumn).toBeUndefined();
    await expect(load(['a', '1'], { schema, requireTarget: true })).rejects.toMatchObject({
      code: 'DATA_MISSING_COLUMN',
      column: 'churned',
    });
    await expect(load(['a,b,a', '1,2,3'])).rejects.toMatchObject({
      code: 'DATA_DUPLICATE_COLUMN',
      column: 'a',
    });
  });

  it('describes a load in a few lines', async () => {
    const { report } = await load(['id,x,y', 'a,1,Yes', 'b,,No', 'c,3,No', 'd,4,No'], { target: 'y' });
    expect(describeLoad(report)).toEqual([
      '4 rows, 1 feature columns',
      'target "y", positive label "Yes" — 25.00% positive',
      'ids from "id"',
      'dropped "id" (identifier)',
      'missing cells: x 1',
    ]);
    expect(describeLoad(emptyReport())).toEqual(['0 rows, 0 feature columns']);
  });
});
