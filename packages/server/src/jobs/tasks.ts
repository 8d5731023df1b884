import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type Algorithm,
  type ChurnModel,
  CUSTOMER_SCHEMA,
  csvChunks,
  datasetCsvColumns,
  generateCustomers,
  isDataError,
  type LoadResult,
  loadCsv,
  modelToJson,
  parseCsvText,
  type TableSchema,
  trainModel,
  withShapImportance,
} from '@churn/ml';
import { type ModelLineage, modelLineage } from '../registry/index.js';
import { type GeneratedDatasetSpec, type TrainingParams, trainOptions } from './training-request.js';

/**
 * The heavy work of datasets and training, run on a worker thread (see training-worker.ts) so that
 * serving never waits for it: reading and checking a CSV, generating a table, training a model.
 * Each task is a plain async function of plain data, so it can also run in-thread.
 */
export type Task =
  | { readonly kind: 'inspect'; readonly csv: Uint8Array }
  | { readonly kind: 'generate'; readonly spec: GeneratedDatasetSpec }
  | {
      readonly kind: 'train';
      readonly csvGzip: Uint8Array;
      readonly algorithm: Algorithm;
      readonly params: TrainingParams;
      readonly target: string;
      readonly positiveLabel?: string;
      readonly threads: number;
    };

/** A checked, compressed table ready to be stored. */
export interface StoredTable {
  readonly rows: number;
  readonly columns: string[];
  /** SHA-256 of the CSV bytes. */
  readonly dataHash: string;
  readonly sizeBytes: number;
  readonly csvGzip: Uint8Array;
}

/** A trained model as the registry stores it: lineage and the serialized artifact. */
export interface TrainedArtifact {
  readonly lineage: ModelLineage;
  readonly artifact: string;
  readonly rows: number;
  readonly positiveRate: number;
  readonly trees: number;
  readonly seconds: number;
}

export type TaskResult = StoredTable | TrainedArtifact;

/** Progress of a task: a stage label and the overall completed fraction (0..1). */
export type ProgressFn = (stage: string, progress: number) => void;

/** A data problem found by a task, with its location (line, column) when it has one. */
export interface TaskError {
  readonly dataError: boolean;
  readonly message: string;
  readonly row?: number;
  readonly column?: string;
}

/** Turn a task failure into plain data the parent thread can rebuild an error from. */
export function taskError(err: unknown): TaskError {
  if (isDataError(err)) {
    return { dataError: true, message: err.message, row: err.row, column: err.column };
  }
  return { dataError: false, message: err instanceof Error ? err.message : String(err) };
}

export async function runTask(task: Task, progress: ProgressFn): Promise<TaskResult> {
  switch (task.kind) {
    case 'inspect':
      return inspectCsv(task.csv);
    case 'generate':
      return generateTable(task.spec);
    case 'train':
      return trainFromCsv(task, progress);
  }
}

/** Header cells of a CSV held in memory (first record; a BOM is skipped). */
function headerOf(bytes: Uint8Array): string[] {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 256 * 1024));
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const end = text.search(/\r?\n/);
  const first = parseCsvText(end < 0 ? text : text.slice(0, end));
  return (first[0]?.fields ?? []).map((c) => c.trim());
}

/** The built-in customer schema when the header has all its features, else none (inferred). */
function schemaFor(header: readonly string[], target: string | undefined): TableSchema | undefined {
  const names = new Set(header);
  return CUSTOMER_SCHEMA.features.every((f) => names.has(f.name))
    ? { ...CUSTOMER_SCHEMA, target }
    : undefined;
}

/** The bytes in 1 MB slices, so that the parser never holds the whole table as one string. */
function* slices(bytes: Uint8Array, size = 1024 * 1024): Generator<Buffer> {
  for (let at = 0; at < bytes.byteLength; at += size) {
    yield Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(size, bytes.byteLength - at));
  }
}

/**
 * Load a CSV held in memory. Without a target (an upload: the target is chosen at training) no
 * column is read as the label, so a table is never refused for its label at upload.
 */
async function load(
  bytes: Uint8Array,
  options: { target?: string; positiveLabel?: string },
): Promise<LoadResult & { header: string[] }> {
  const header = headerOf(bytes);
  const loaded = await loadCsv(Readable.from(slices(bytes)), {
    schema: schemaFor(header, options.target),
    target: options.target,
    positiveLabel: options.positiveLabel,
  });
  return { ...loaded, header };
}

/** Read an uploaded CSV completely (every row checked), then compress it for storage. */
export async function inspectCsv(csv: Uint8Array): Promise<StoredTable> {
  const { report, header } = await load(csv, {});
  return {
    rows: report.rows,
    columns: header,
    dataHash: createHash('sha256').update(csv).digest('hex'),
    sizeBytes: csv.byteLength,
    csvGzip: gzipSync(csv),
  };
}

/** Generate synthetic customers (with their outcome, `churned`) as a stored CSV table. */
export async function generateTable(spec: GeneratedDatasetSpec): Promise<StoredTable> {
  const ds = generateCustomers({ rows: spec.rows, seed: spec.seed, drift: spec.scenario });
  const columns = datasetCsvColumns(ds);
  const csv = Buffer.from([...csvChunks(columns, ds.nRows)].join(''), 'utf8');
  return {
    rows: ds.nRows,
    columns: columns.map((c) => c.name),
    dataHash: createHash('sha256').update(csv).digest('hex'),
    sizeBytes: csv.byteLength,
    csvGzip: gzipSync(csv),
  };
}

/**
 * A freshly trained model as the registry stores it: with its mean |SHAP| importance (so the drift
 * monitor has its weights from the start), serialized here, off the serving thread. Training jobs
 * and the first start (bootstrap-training.ts) both go through it.
 */
export async function packageModel(
  trained: ChurnModel,
  threads: number,
): Promise<{ readonly model: ChurnModel; readonly lineage: ModelLineage; readonly artifact: string }> {
  const model = await withShapImportance(trained, { threads });
  return { model, lineage: modelLineage(model), artifact: modelToJson(model) };
}

/**
 * Train on a stored table. Progress: 0–10 % reading, 10–95 % growing trees, then packaging.
 * The artifact is serialized here, off the serving thread.
 */
export async function trainFromCsv(
  task: Extract<Task, { kind: 'train' }>,
  progress: ProgressFn,
): Promise<TrainedArtifact> {
  const t0 = performance.now();
  progress('reading data', 0.01);
  const csv = gunzipSync(task.csvGzip);
  const { dataset, schema } = await load(csv, { target: task.target, positiveLabel: task.positiveLabel });
  progress('binning features', 0.1);
  const unit = task.algorithm === 'random-forest' ? 'trees' : 'rounds';
  const trained = await trainModel(dataset, schema, {
    ...trainOptions(task.algorithm, task.params, task.threads),
    onProgress: (_stage, done, total) =>
      progress(`${unit} ${done}/${total}`, 0.1 + 0.85 * (total > 0 ? done / total : 0)),
  });
  progress('packaging the model', 0.96);
  const { model, lineage, artifact } = await packageModel(trained, task.threads);
  return {
    lineage,
    artifact,
    rows: model.training.rows,
    positiveRate: model.training.positiveRate,
    trees: model.trees.length,
    seconds: (performance.now() - t0) / 1000,
  };
}
