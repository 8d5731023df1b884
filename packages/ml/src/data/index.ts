/**
 * The data layer of `@churn/ml`: the columnar {@link Dataset}, the streaming CSV reader and
 * writer, the CSV loader with type inference and target mapping, and the {@link DataError} every
 * data problem is reported with. Building blocks used only inside the layer (column builders, the
 * column plan) are imported from their modules directly.
 *
 * @example
 * ```ts
 * import { loadCsv } from './data/index.js';
 * const { dataset, schema, report } = await loadCsv('customers.csv', { target: 'Churn' });
 * ```
 */

export { parseNumber } from './cell-text.js';
export { ID_NAME_PATTERN } from './column-plan.js';
export {
  type CsvFields,
  CsvParser,
  type CsvReaderOptions,
  type CsvRecord,
  type CsvRecordSink,
  type CsvSource,
  fieldText,
  parseCsvText,
  readCsvBatches,
  readCsvInto,
  readCsvRecords,
} from './csv-reader.js';
export * from './csv-writer.js';
export * from './dataset.js';
export {
  DataError,
  type DataErrorCode,
  type DataErrorLocation,
  formatLocation,
  isDataError,
  quoteCell,
} from './errors.js';
export { HIGH_CARDINALITY, ID_MIN_ROWS, type LoadCsvOptions, type LoadResult, loadCsv } from './load-csv.js';
export {
  type DroppedColumn,
  type DropReason,
  describeLoad,
  emptyReport,
  type LoadReport,
} from './load-report.js';
export {
  type BinaryTarget,
  binarizeTarget,
  choosePositiveLabel,
  labelClass,
  POSITIVE_LIKE,
} from './target.js';
