import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CsvParser,
  type CsvRecord,
  fieldText,
  parseCsvText,
  readCsvBatches,
  readCsvRecords,
} from './csv-reader.js';
import { DataError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<CsvRecord>): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

function thrown(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataError) return err;
    throw err;
  }
  throw new Error('expected a DataError');
}

const TRICKY =
  '\uFEFFid,note,n\r\n1,"say ""hi""",2\r\n2,"two\nlines, one comma",3\r\n\r\n3,,"4"\r\n4,plain "quote",5';

describe('parseCsvText', () => {
  it('reads the header and records with editor line numbers', () => {
    expect(parseCsvText('a,b\n1,2\n3,4\n')).toEqual([
      { row: 1, fields: ['a', 'b'] },
      { row: 2, fields: ['1', '2'] },
      { row: 3, fields: ['3', '4'] },
    ]);
  });

  it('handles quotes, escaped quotes, quoted newlines, CRLF, a BOM, blank lines and no final newline', () => {
    expect(parseCsvText(TRICKY)).toEqual([
      { row: 1, fields: ['id', 'note', 'n'] },
      { row: 2, fields: ['1', 'say "hi"', '2'] },
      { row: 3, fields: ['2', 'two\nlines, one comma', '3'] },
      { row: 6, fields: ['3', '', '4'] },
      { row: 7, fields: ['4', 'plain "quote"', '5'] },
    ]);
  });

  it('keeps empty fields, including a trailing one, and bare CR line ends', () => {
    expect(parseCsvText('a,b,c\r,,\r1,2,').map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['', '', ''],
      ['1', '2', ''],
    ]);
  });

  it('returns nothing for an empty input or a lone BOM', () => {
    expect(parseCsvText('')).toEqual([]);
    expect(parseCsvText('\uFEFF')).toEqual([]);
    expect(parseCsvText('\n\n')).toEqual([]);
  });

  it('rejects a ragged row, naming its line', () => {
    const err = thrown(() => parseCsvText('a,b,c\n1,2,3\n"x\ny",2,3\n4,5\n'));
    expect(err.code).toBe('DATA_RAGGED_ROW');
    expect(err.row).toBe(5);
    expect(err.message).toBe('line 5: expected 3 fields like the header, found 2');
  });

  it('rejects an unterminated quote and text after a closing quote', () => {
    const open = thrown(() => parseCsvText('a,b\n1,"oops\n2,3\n'));
    expect([open.code, open.row]).toEqual(['DATA_MALFORMED_CSV', 2]);
    const after = thrown(() => parseCsvText('a,b\n1,"x"y\n'));
    expect([after.code, after.row]).toEqual(['DATA_MALFORMED_CSV', 2]);
  });

  it('supports another delimiter', () => {
    expect(parseCsvText('a;b\n"1;2";3', { delimiter: ';' })[1].fields).toEqual(['1;2', '3']);
  });
});

describe('CsvParser across chunk boundaries', () => {
  it('gives the same records wherever the text is split', () => {
    const whole = parseCsvText(TRICKY);
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      for (const cut2 of [cut, Math.min(TRICKY.length, cut + 1), Math.min(TRICKY.length, cut + 7)]) {
        const out: CsvRecord[] = [];
        const parser = new CsvParser((text, f, row) => {
          out.push({ row, fields: Array.from({ length: f.count }, (_, i) => fieldText(text, f, i)) });
        });
        parser.push(TRICKY.slice(0, cut));
        parser.push(TRICKY.slice(cut, cut2));
        parser.push(TRICKY.slice(cut2));
        parser.end();
        expect(out, `cut at ${cut}/${cut2}`).toEqual(whole);
      }
    }
  });

  it('refuses a record longer than maxRecordChars', () => {
    const parser = new CsvParser(() => {}, { maxRecordChars: 10 });
    expect(() => parser.push('a\n"0123456789abc')).toThrow(/longer than 10 characters/);
  });
});

describe('readCsvRecords', () => {
  it('streams a file in small chunks with the same result as parseCsvText', async () => {
    const path = join(dir, 'tricky.csv');
    writeFileSync(path, TRICKY);
    expect(await collect(readCsvRecords(path, { chunkSize: 5 }))).toEqual(parseCsvText(TRICKY));
  });

  it('decodes UTF-8 split across stream chunks', async () => {
    const bytes = Buffer.from('name,city\nZoë,Köln\n"Ünal",東京\n');
    const pieces = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    const records = await collect(readCsvRecords(Readable.from(pieces)));
    expect(records.map((r) => r.fields)).toEqual([
      ['name', 'city'],
      ['Zoë', 'Köln'],
      ['Ünal', '東京'],
    ]);
  });

  it('yields batches and reports a ragged row of a big file with its line', async () => {
    const path = join(dir, 'big.csv');
    const lines = ['a,b', ...Array.from({ length: 5000 }, (_, i) => `${i},${i * 2}`), '1,2,3'];
    writeFileSync(path, `${lines.join('\n')}\n`);
    let n = 0;
    const read = async () => {
      for await (const batch of readCsvBatches(path, { chunkSize: 1024 })) n += batch.length;
    };
    await expect(read()).rejects.toMatchObject({ code: 'DATA_RAGGED_ROW', row: 5002 });
    expect(n).toBeGreaterThan(1000);
  });

  it('reports an empty file as no records and a missing file as DATA_UNREADABLE', async () => {
    const path = join(dir, 'empty.csv');
    writeFileSync(path, '');
    expect(await collect(readCsvRecords(path))).toEqual([]);
    await expect(collect(readCsvRecords(join(dir, 'nope.csv')))).rejects.toMatchObject({
      code: 'DATA_UNREADABLE',
    });
  });
});
