import { randomUUID } from 'node:crypto';
import { CUSTOMER_SCHEMA, csvField, type TableSchema } from '@churn/ml';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { StoredTable } from './tasks.js';
import type { GeneratedDatasetSpec } from './training-request.js';
import { runOnWorker } from './worker-client.js';

export type DatasetSource = 'upload' | 'generated' | 'feedback';

/** A stored dataset, without its content. */
export interface DatasetInfo {
  readonly id: string;
  readonly name: string;
  readonly source: DatasetSource;
  readonly rows: number;
  /** Header of the CSV, in order. */
  readonly columns: string[];
  /** SHA-256 of the CSV bytes. */
  readonly dataHash: string;
  readonly sizeBytes: number;
  /** How a generated table was made (rows, seed, scenario); null otherwise. */
  readonly spec: GeneratedDatasetSpec | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

interface Row extends Record<string, unknown> {
  id: string;
  name: string;
  source: DatasetSource;
  row_count: number;
  columns: string[];
  data_hash: string;
  size_bytes: string | number;
  spec: GeneratedDatasetSpec | null;
  created_by: string;
  created_at: Date | string;
}

const COLUMNS = 'id, name, source, row_count, columns, data_hash, size_bytes, spec, created_by, created_at';

/**
 * Training tables kept in the database (gzipped CSV), whatever their origin: uploaded, generated,
 * or built from observed outcomes. Every row of a table is read and checked (on a worker thread)
 * before anything is stored, so a stored dataset is always loadable.
 *
 * @example
 * const ds = await datasets.add(csvBytes, { name: 'march.csv' }); // 400 naming line and column if bad
 * const gen = await datasets.generate({ rows: 20_000, seed: 7, scenario: 'downturn' });
 */
export class DatasetStore {
  constructor(
    private readonly db: Database,
    /** Largest CSV accepted, in bytes. */
    readonly maxBytes = 50 * 1024 * 1024,
  ) {}

  /** Check and store a CSV table (bytes in UTF-8). Throws CHURN_ERR_BAD_DATA naming line and column. */
  async add(
    csv: Uint8Array,
    options: { name: string; source?: DatasetSource; createdBy?: string },
  ): Promise<DatasetInfo> {
    if (csv.byteLength > this.maxBytes) {
      throw new ChurnError(
        'CHURN_ERR_PAYLOAD_TOO_LARGE',
        `the CSV is ${csv.byteLength} bytes, over the ${this.maxBytes}-byte limit`,
      );
    }
    const table = await runOnWorker<StoredTable>({ kind: 'inspect', csv }).result;
    return this.insert(table, { source: options.source ?? 'upload', ...options });
  }

  /** Generate synthetic customers (features and outcome `churned`) and store them. */
  async generate(
    spec: GeneratedDatasetSpec,
    options: { name?: string; createdBy?: string } = {},
  ): Promise<DatasetInfo> {
    const table = await runOnWorker<StoredTable>({ kind: 'generate', spec }).result;
    const name = options.name ?? `generated-${spec.rows}-seed${spec.seed}-${spec.scenario ?? 'none'}`;
    return this.insert(table, { ...options, name, source: 'generated', spec });
  }

  /**
   * Build and store a training table from observed outcomes: each feedback row joined with the
   * prediction it answers (by prediction id, else the customer's latest prediction before the
   * outcome), newest first. Columns: customer_id, the schema's features, `churned`. For
   * retraining on what production has seen; CHURN_ERR_CONFLICT when there are no outcomes yet.
   *
   * @example
   * const ds = await datasets.fromFeedback({ since: new Date(Date.now() - 30 * 86_400_000) });
   * await training.submit({ dataset_id: ds.id, algorithm: 'gradient-boosting' });
   */
  async fromFeedback(
    options: { since?: Date; limit?: number; schema?: TableSchema; name?: string; createdBy?: string } = {},
  ): Promise<DatasetInfo> {
    const features = (options.schema ?? CUSTOMER_SCHEMA).features.map((f) => f.name);
    const rows = await this.db.query<{
      customer_id: string;
      features: Record<string, unknown>;
      churned: boolean;
    }>(
      `SELECT p.customer_id, p.features, f.churned
       FROM feedback f
       JOIN LATERAL (
         SELECT q.customer_id, q.features FROM predictions q
         WHERE (f.prediction_id IS NOT NULL AND q.prediction_id = f.prediction_id)
            OR (f.prediction_id IS NULL AND q.customer_id = f.customer_id AND q.created_at <= f.observed_at)
         ORDER BY q.created_at DESC LIMIT 1
       ) p ON true
       WHERE f.observed_at >= $1
       ORDER BY f.observed_at DESC, f.id DESC LIMIT $2`,
      [options.since ?? new Date(0), options.limit ?? 50_000],
    );
    if (rows.length === 0)
      throw new ChurnError(
        'CHURN_ERR_CONFLICT',
        'there are no observed outcomes (feedback) to build a dataset from',
      );
    const cell = (v: unknown) =>
      v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : csvField(String(v));
    const lines = [['customer_id', ...features, 'churned'].join(',')];
    for (const r of rows) {
      lines.push(
        [csvField(r.customer_id), ...features.map((f) => cell(r.features[f])), r.churned ? '1' : '0'].join(
          ',',
        ),
      );
    }
    const csv = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const name = options.name ?? `feedback-${new Date().toISOString()}`;
    return this.add(csv, { name, source: 'feedback', createdBy: options.createdBy });
  }

  async list(limit = 100): Promise<DatasetInfo[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM datasets ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    );
    return rows.map(toInfo);
  }

  async get(id: string): Promise<DatasetInfo> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM datasets WHERE id = $1`, [id]);
    if (rows.length === 0) throw new ChurnError('CHURN_ERR_NOT_FOUND', `dataset ${id} does not exist`);
    return toInfo(rows[0]);
  }

  /** The stored content: the CSV, gzipped. */
  async content(id: string): Promise<Uint8Array> {
    const rows = await this.db.query<{ csv_gzip: Uint8Array }>(
      'SELECT csv_gzip FROM datasets WHERE id = $1',
      [id],
    );
    if (rows.length === 0) throw new ChurnError('CHURN_ERR_NOT_FOUND', `dataset ${id} does not exist`);
    return rows[0].csv_gzip;
  }

  private async insert(
    table: StoredTable,
    options: { name: string; source: DatasetSource; createdBy?: string; spec?: GeneratedDatasetSpec },
  ): Promise<DatasetInfo> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO datasets (id, name, source, row_count, columns, data_hash, size_bytes, spec, csv_gzip, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        options.name,
        options.source,
        table.rows,
        JSON.stringify(table.columns),
        table.dataHash,
        table.sizeBytes,
        options.spec ? JSON.stringify(options.spec) : null,
        Buffer.from(table.csvGzip.buffer, table.csvGzip.byteOffset, table.csvGzip.byteLength),
        options.createdBy ?? '',
      ],
    );
    return toInfo(row);
  }
}

function toInfo(r: Row): DatasetInfo {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    rows: Number(r.row_count),
    columns: r.columns,
    dataHash: r.data_hash,
    sizeBytes: Number(r.size_bytes),
    spec: r.spec,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
