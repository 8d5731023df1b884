/**
 * Incremental RFC 4180 CSV parser. Chunks are scanned with `charCodeAt`/`indexOf`; a record is
 * reported as field boundaries (offsets into the chunk text) so a consumer can read numbers straight
 * from the text without creating a string per cell. {@link fieldText} cuts a field out as a string.
 *
 * Conventions:
 * - Every record must have as many fields as the first one (the header), else a `DATA_RAGGED_ROW`
 *   {@link DataError} names its line.
 * - A record's `row` is the 1-based line number of its first character as an editor shows it: the
 *   header is line 1 and, without quoted line breaks, data record k is on line k + 1. Line breaks
 *   inside quoted fields count (LF and CRLF; a lone CR only as a record terminator).
 * - CRLF, LF and CR line ends; a leading UTF-8 BOM is removed; blank lines are skipped; the last
 *   record may lack a line end. Fields are not trimmed; a quote inside an unquoted field is literal;
 *   text between a closing quote and the next delimiter is a `DATA_MALFORMED_CSV` error.
 */

import { DataError } from './errors.js';

/** Options of the CSV parser and readers. */
export interface CsvReaderOptions {
  /** Field separator, a single character. Default `,`. */
  readonly delimiter?: string;
  /** Bytes read from a file at a time. Default 1 MiB. */
  readonly chunkSize?: number;
  /** Longest record accepted, in characters; guards against a stray quote. Default 16 Mi. */
  readonly maxRecordChars?: number;
}

/**
 * Field boundaries of the record being reported: field i is `text.slice(starts[i], ends[i])`
 * (quotes excluded), with doubled quotes still to undo when `escaped[i]` is 1. The object and its
 * arrays are reused for the next record.
 */
export interface CsvFields {
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  escaped: Uint8Array;
}

/** Receives each complete record: the text its offsets point into, its fields, its editor line. */
export type CsvRecordSink = (text: string, fields: CsvFields, row: number) => void;

/** Field `i` of the current record as a string (quotes removed, `""` unescaped). */
export function fieldText(text: string, fields: CsvFields, i: number): string {
  const s = text.slice(fields.starts[i], fields.ends[i]);
  return fields.escaped[i] === 1 ? s.replaceAll('""', '"') : s;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Incremental CSV parser: feed text with {@link CsvParser.push} and finish with
 * {@link CsvParser.end}; each complete record goes to the sink. An incomplete record at the end of a
 * chunk is kept and parsed again when the next chunk arrives.
 */
export class CsvParser {
  #rest = '';
  #line = 1;
  #width = -1;
  #started = false;
  readonly #sink: CsvRecordSink;
  readonly #delim: number;
  readonly #maxRecord: number;
  readonly #fields: CsvFields = {
    count: 0,
    starts: new Int32Array(64),
    ends: new Int32Array(64),
    escaped: new Uint8Array(64),
  };

  constructor(sink: CsvRecordSink, options: CsvReaderOptions = {}) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new RangeError(
        `CSV delimiter must be one character, not a quote or line break: ${JSON.stringify(d)}`,
      );
    }
    this.#sink = sink;
    this.#delim = d.charCodeAt(0);
    this.#maxRecord = options.maxRecordChars ?? 16 * 1024 * 1024;
  }

  /** Parse the next piece of text. */
  push(chunk: string): void {
    if (!this.#started) {
      if (chunk.length === 0) return;
      this.#started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    // join() builds a flat string; `rest + chunk` would be a cons string, about 2x slower to scan.
    this.#parse(this.#rest.length > 0 ? [this.#rest, chunk].join('') : chunk, false);
    if (this.#rest.length > this.#maxRecord) {
      const problem = `record longer than ${this.#maxRecord} characters (unterminated quote?)`;
      throw new DataError('DATA_MALFORMED_CSV', problem, { row: this.#line });
    }
  }

  /** Signal the end of the input (reports a last record that has no line end). */
  end(): void {
    this.#parse(this.#rest, true);
    this.#rest = '';
  }

  #parse(text: string, final: boolean): void {
    const n = text.length;
    const delim = this.#delim;
    const f = this.#fields;
    let pos = 0;
    let line = this.#line;
    records: while (pos < n) {
      const start = pos;
      const startLine = line;
      let c = text.charCodeAt(pos);
      if (c === LF || c === CR) {
        // Blank line: skipped (a CR at the very end may be the first half of a CRLF).
        if (c === CR && pos + 1 === n && !final) break;
        pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
        line++;
        continue;
      }
      let count = 0;
      for (;;) {
        if (count === f.starts.length) grow(f);
        if (pos < n && text.charCodeAt(pos) === QUOTE) {
          let seg = pos + 1;
          let escaped = 0;
          for (;;) {
            const q = text.indexOf('"', seg);
            if (q === -1 || (q + 1 === n && !final)) {
              if (final)
                throw new DataError('DATA_MALFORMED_CSV', 'unterminated quoted field', { row: startLine });
              pos = start;
              line = startLine;
              break records;
            }
            if (text.charCodeAt(q + 1) === QUOTE) {
              escaped = 1;
              seg = q + 2;
              continue;
            }
            for (let i = text.indexOf('\n', pos); i !== -1 && i < q; i = text.indexOf('\n', i + 1)) line++;
            f.starts[count] = pos + 1;
            f.ends[count] = q;
            f.escaped[count] = escaped;
            pos = q + 1;
            break;
          }
        } else {
          let i = pos;
          while (i < n) {
            const d = text.charCodeAt(i);
            if (d === delim || d === LF || d === CR) break;
            i++;
          }
          f.starts[count] = pos;
          f.ends[count] = i;
          f.escaped[count] = 0;
          pos = i;
        }
        count++;
        if (pos >= n) {
          if (final) break;
          pos = start;
          line = startLine;
          break records;
        }
        c = text.charCodeAt(pos);
        if (c === delim) {
          pos++;
          continue;
        }
        if (c === CR) {
          if (pos + 1 === n && !final) {
            pos = start;
            line = startLine;
            break records;
          }
          pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
        } else if (c === LF) {
          pos++;
        } else {
          const problem = `unexpected ${JSON.stringify(text[pos])} after a closing quote`;
          throw new DataError('DATA_MALFORMED_CSV', problem, { row: line });
        }
        line++;
        break;
      }
      if (this.#width < 0) this.#width = count;
      else if (count !== this.#width) {
        const problem = `expected ${this.#width} fields like the header, found ${count}`;
        throw new DataError('DATA_RAGGED_ROW', problem, { row: startLine });
      }
      f.count = count;
      this.#sink(text, f, startLine);
    }
    this.#rest = pos < n ? text.slice(pos) : '';
    this.#line = line;
  }
}

function grow(f: CsvFields): void {
  const size = f.starts.length * 2;
  const starts = new Int32Array(size);
  const ends = new Int32Array(size);
  const escaped = new Uint8Array(size);
  starts.set(f.starts);
  ends.set(f.ends);
  escaped.set(f.escaped);
  f.starts = starts;
  f.ends = ends;
  f.escaped = escaped;
}
