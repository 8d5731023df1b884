import type { DriftSeverity, FeatureDrift } from '@churn/ml';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';

export type WindowKind = 'count' | 'time';

/** A stored drift check, as the API returns it. */
export interface StoredDriftReport {
  readonly id: number;
  readonly model_version: number;
  readonly window: WindowKind;
  readonly rows: number;
  readonly severity: DriftSeverity;
  readonly summary: string;
  readonly features: readonly FeatureDrift[];
  readonly created_at: string;
}

/** A stored outlier, as the API returns it. */
export interface StoredOutlier {
  readonly id: number;
  readonly prediction_id: string;
  readonly customer_id: string;
  readonly model_version: number;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly created_at: string;
}

export interface NewOutlier {
  readonly prediction_id: string;
  readonly customer_id: string;
  readonly model_version: number;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly created_at: Date;
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

const REPORT_COLUMNS = 'id, model_version, window_kind, rows, severity, summary, features, created_at';

function toReport(r: Record<string, unknown>): StoredDriftReport {
  return {
    id: Number(r.id),
    model_version: Number(r.model_version),
    window: r.window_kind as WindowKind,
    rows: Number(r.rows),
    severity: r.severity as DriftSeverity,
    summary: String(r.summary),
    features: json(r.features),
    created_at: iso(r.created_at),
  };
}

/** The `drift_reports` table. */
export class DriftReportStore {
  constructor(private readonly db: Pick<Database, 'query'>) {}

  async save(r: Omit<StoredDriftReport, 'id' | 'created_at'>, at = new Date()): Promise<StoredDriftReport> {
    const [row] = await this.db.query(
      `INSERT INTO drift_reports (model_version, window_kind, rows, severity, summary, features, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING ${REPORT_COLUMNS}`,
      [
        r.model_version,
        r.window,
        r.rows,
        r.severity,
        r.summary,
        JSON.stringify(r.features),
        at.toISOString(),
      ],
    );
    return toReport(row);
  }

  /** The latest reports, newest first, of one version or of all. */
  async list(q: { version?: number; limit?: number } = {}): Promise<StoredDriftReport[]> {
    const params: unknown[] = [];
    let where = '';
    if (q.version !== undefined) {
      params.push(q.version);
      where = 'WHERE model_version = $1';
    }
    params.push(q.limit ?? 50);
    const rows = await this.db.query(
      `SELECT ${REPORT_COLUMNS} FROM drift_reports ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toReport);
  }

  async get(id: number): Promise<StoredDriftReport> {
    const [row] = await this.db.query(`SELECT ${REPORT_COLUMNS} FROM drift_reports WHERE id = $1`, [id]);
    if (!row) throw new ChurnError('CHURN_ERR_NOT_FOUND', `drift report ${id} does not exist`);
    return toReport(row);
  }
}

const OUTLIER_COLUMNS = 'id, prediction_id, customer_id, model_version, score, reasons, created_at';

function toOutlier(r: Record<string, unknown>): StoredOutlier {
  return {
    id: Number(r.id),
    prediction_id: String(r.prediction_id),
    customer_id: String(r.customer_id),
    model_version: Number(r.model_version),
    score: Number(r.score),
    reasons: json(r.reasons),
    created_at: iso(r.created_at),
  };
}

/** The `outliers` table: one row per flagged prediction. */
export class OutlierStore {
  constructor(private readonly db: Pick<Database, 'query'>) {}

  /** Insert in one statement; returns the rows that were new (a redelivered prediction is skipped). */
  async save(outliers: readonly NewOutlier[]): Promise<StoredOutlier[]> {
    if (outliers.length === 0) return [];
    const rows = await this.db.query(
      `INSERT INTO outliers (prediction_id, customer_id, model_version, score, reasons, created_at)
       SELECT prediction_id, customer_id, model_version, score, reasons, created_at
       FROM jsonb_to_recordset($1::jsonb) AS x(prediction_id uuid, customer_id text, model_version integer,
         score double precision, reasons jsonb, created_at timestamptz)
       ON CONFLICT (prediction_id) DO NOTHING RETURNING ${OUTLIER_COLUMNS}`,
      [JSON.stringify(outliers.map((o) => ({ ...o, created_at: o.created_at.toISOString() })))],
    );
    return rows.map(toOutlier);
  }

  async list(q: { version?: number; limit?: number } = {}): Promise<StoredOutlier[]> {
    const params: unknown[] = [];
    let where = '';
    if (q.version !== undefined) {
      params.push(q.version);
      where = 'WHERE model_version = $1';
    }
    params.push(q.limit ?? 50);
    const rows = await this.db.query(
      `SELECT ${OUTLIER_COLUMNS} FROM outliers ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toOutlier);
  }
}
