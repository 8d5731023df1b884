/**
 * Streaming CSV reading on top of {@link CsvParser}: records as `{ row, fields }` (an async
 * iterable, or batches of them), a zero-copy sink for bulk loaders, and {@link parseCsvText} for
 * small in-memory inputs — all through the same parser, so the same syntax rules apply (see
 * `csv-parser.ts`): the header is the first record and `row` is the editor line a record starts on.
 */

import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import {
  type CsvFields,
  CsvParser,
  type CsvReaderOptions,
  type CsvRecordSink,
  fieldText,
} from './csv-parser.js';
import { DataError } from './errors.js';

export type { CsvFields, CsvReaderOptions, CsvRecordSink } from './csv-parser.js';
export { CsvParser, fieldText } from './csv-parser.js';

/** One CSV record: its fields and the editor line it starts on. */
export interface CsvRecord {
  /** 1-based line number where the record starts (the header is line 1 in most files). */
  readonly row: number;
  readonly fields: string[];
}

/** A CSV source: a file path, or a stream of UTF-8 bytes or strings. */
export type CsvSource = string | NodeJS.ReadableStream;

/** A sink that turns each record into a {@link CsvRecord} appended to `out`. */
function collect(out: CsvRecord[]): CsvRecordSink {
  return (text: string, f: CsvFields, row: number) => {
    const fields = new Array<string>(f.count);
    for (let i = 0; i < f.count; i++) fields[i] = fieldText(text, f, i);
    out.push({ row, fields });
  };
}

/** Decoded text chunks of a source; file errors become `DATA_UNREADABLE` {@link DataError}s. */
async function* textChunks(source: CsvSource, options: CsvReaderOptions): AsyncGenerator<string> {
  const stream =
    typeof source === 'string'
      ? createReadStream(source, { encoding: 'utf8', highWaterMark: options.chunkSize ?? 1024 * 1024 })
      : source;
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof source === 'string' && typeof code === 'string' && !(err instanceof DataError)) {
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
      throw new DataError('DATA_UNREADABLE', `cannot read ${JSON.stringify(source)}: ${why}`);
    }
    throw err;
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

/** Parse a whole CSV text held in memory, header first (same parser as the streaming readers). */
export function parseCsvText(text: string, options: CsvReaderOptions = {}): CsvRecord[] {
  const out: CsvRecord[] = [];
  const parser = new CsvParser(collect(out), options);
  parser.push(text);
  parser.end();
  return out;
}

/**
 * Stream a CSV source into `sink`, one call per record, header first. The fastest way to read a
 * big file: fields arrive as offsets into the chunk text, no string per cell.
 */
export async function readCsvInto(
  source: CsvSource,
  sink: CsvRecordSink,
  options: CsvReaderOptions = {},
): Promise<void> {
  const parser = new CsvParser(sink, options);
  for await (const chunk of textChunks(source, options)) parser.push(chunk);
  parser.end();
}

/**
 * Stream CSV records in batches (one per chunk read), header first. Cheaper than
 * {@link readCsvRecords} when looping over millions of rows.
 */
export async function* readCsvBatches(
  source: CsvSource,
  options: CsvReaderOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const batch: CsvRecord[] = [];
  const parser = new CsvParser(collect(batch), options);
  for await (const chunk of textChunks(source, options)) {
    parser.push(chunk);
    if (batch.length > 0) yield batch.splice(0);
  }
  parser.end();
  if (batch.length > 0) yield batch.splice(0);
}

/**
 * Stream the records of a CSV file (path) or stream, header first, as `{ row, fields }` where `row`
 * is the editor line the record starts on. Throws a {@link DataError} naming the line on a ragged
 * row or broken quoting, and `DATA_UNREADABLE` when the file cannot be read.
 */
export async function* readCsvRecords(
  source: CsvSource,
  options: CsvReaderOptions = {},
): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(source, options)) yield* batch;
}
