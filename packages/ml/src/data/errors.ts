/**
 * Errors about the user's data (as opposed to bugs): a ragged CSV row, text in a numeric column,
 * a target with one class. The CLI prints the message as is and exits with code 2; the API maps
 * them to 400/422. Messages always say where: `line 17, column "TotalCharges": "abc" is not a number`.
 */

/** Machine-readable reason of a {@link DataError}. */
export type DataErrorCode =
  /** A CSV record has more or fewer fields than the header. */
  | 'DATA_RAGGED_ROW'
  /** Broken CSV syntax: an unterminated quote, text after a closing quote, a record too long. */
  | 'DATA_MALFORMED_CSV'
  /** A cell that cannot be read as its column's type (e.g. text in a numeric column). */
  | 'DATA_BAD_VALUE'
  /** A required column (schema feature, target, id) is absent from the header or the record. */
  | 'DATA_MISSING_COLUMN'
  /** Two header cells with the same name. */
  | 'DATA_DUPLICATE_COLUMN'
  /** The target has a single class, so nothing can be learned or evaluated. */
  | 'DATA_ONE_CLASS'
  /** A target cell is missing. */
  | 'DATA_MISSING_TARGET'
  /** The target cannot be mapped to 0/1 (too many values, unknown positive label...). */
  | 'DATA_BAD_TARGET'
  /** Every usable column is entirely missing. */
  | 'DATA_ALL_MISSING'
  /** No header, no data rows or no usable feature column. */
  | 'DATA_EMPTY'
  /** The data does not fit the schema it is read with. */
  | 'DATA_SCHEMA_MISMATCH'
  /** The input file cannot be opened or read. */
  | 'DATA_UNREADABLE';

/** Where in the input a {@link DataError} happened; every part is optional. */
export interface DataErrorLocation {
  /** 1-based line number of the CSV record, as an editor shows it (the header is usually line 1). */
  readonly row?: number;
  /** Column (CSV header name or JSON field name). */
  readonly column?: string;
  /** 0-based index of the record, for JSON inputs that have no line numbers. */
  readonly index?: number;
}

/**
 * An error in the input data. The message starts with the location, e.g.
 * `line 17, column "TotalCharges": "abc" is not a number`, and `row`/`column`/`index` carry the
 * same location for programs.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly code: DataErrorCode;
  readonly row?: number;
  readonly column?: string;
  readonly index?: number;

  /**
   * @param code - machine-readable reason.
   * @param problem - what is wrong, without the location (it is prefixed from `where`).
   * @param where - line/record and column the problem is at.
   */
  constructor(code: DataErrorCode, problem: string, where: DataErrorLocation = {}) {
    const at = formatLocation(where);
    super(at ? `${at}: ${problem}` : problem);
    this.code = code;
    if (where.row !== undefined) this.row = where.row;
    if (where.column !== undefined) this.column = where.column;
    if (where.index !== undefined) this.index = where.index;
  }
}

/** Whether `err` is a {@link DataError} (also across duplicated module instances). */
export function isDataError(err: unknown): err is DataError {
  return err instanceof DataError || (err instanceof Error && err.name === 'DataError' && 'code' in err);
}

/** `line 17, column "x"` / `record 3, field "x"` / '' for a location. */
export function formatLocation(where: DataErrorLocation): string {
  const parts: string[] = [];
  if (where.row !== undefined) parts.push(`line ${where.row}`);
  else if (where.index !== undefined) parts.push(`record ${where.index}`);
  if (where.column !== undefined) {
    parts.push(
      `${where.row === undefined && where.index !== undefined ? 'field' : 'column'} "${where.column}"`,
    );
  }
  return parts.join(', ');
}

/** Quote a cell for an error message, shortened to `max` characters. */
export function quoteCell(value: string, max = 40): string {
  const short = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(short);
}
