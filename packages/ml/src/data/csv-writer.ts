import { writeChunksAtomic } from '../util/atomic-file.js';
import { formatNumber } from '../util/format-number.js';
import type { Dataset } from './dataset.js';

/** Quote a CSV field when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string): string {
  if (/[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

export interface CsvColumn {
  readonly name: string;
  /** The cell text for row i ('' for missing). */
  readonly cell: (i: number) => string;
}

/** The CSV columns of a dataset: identifier first, features in order, target last. */
export function datasetCsvColumns(ds: Dataset, options: { includeTarget?: boolean } = {}): CsvColumn[] {
  const cols: CsvColumn[] = [];
  if (ds.ids && ds.idName) {
    const ids = ds.ids;
    cols.push({ name: ds.idName, cell: (i) => csvField(ids[i]) });
  }
  for (const c of ds.columns) {
    if (c.kind === 'numeric') {
      const v = c.values;
      cols.push({ name: c.name, cell: (i) => (Number.isNaN(v[i]) ? '' : formatNumber(v[i])) });
    } else {
      const codes = c.codes;
      const quoted = c.categories.map(csvField);
      cols.push({ name: c.name, cell: (i) => (codes[i] < 0 ? '' : quoted[codes[i]]) });
    }
  }
  if ((options.includeTarget ?? true) && ds.target && ds.targetName) {
    const t = ds.target;
    cols.push({ name: ds.targetName, cell: (i) => (t[i] ? '1' : '0') });
  }
  return cols;
}

/** Yield CSV text in chunks of `chunkRows` rows, header first. */
export function* csvChunks(
  columns: readonly CsvColumn[],
  nRows: number,
  chunkRows = 4096,
): Generator<string> {
  yield `${columns.map((c) => csvField(c.name)).join(',')}\n`;
  const cells = columns.map((c) => c.cell);
  const m = cells.length;
  for (let start = 0; start < nRows; start += chunkRows) {
    const end = Math.min(nRows, start + chunkRows);
    let text = '';
    for (let i = start; i < end; i++) {
      let line = cells[0](i);
      for (let j = 1; j < m; j++) line += `,${cells[j](i)}`;
      text += `${line}\n`;
    }
    yield text;
  }
}

/**
 * Write CSV atomically; `onProgress(rowsWritten)` is called after each chunk so the CLI can show
 * a progress bar.
 */
export async function writeCsv(
  path: string,
  columns: readonly CsvColumn[],
  nRows: number,
  onProgress?: (rows: number) => void,
): Promise<void> {
  const chunkRows = 8192;
  async function* withProgress(): AsyncGenerator<string> {
    let rows = -chunkRows;
    for (const chunk of csvChunks(columns, nRows, chunkRows)) {
      yield chunk;
      rows += chunkRows;
      if (rows > 0) onProgress?.(Math.min(rows, nRows));
    }
  }
  await writeChunksAtomic(path, withProgress());
}
