import { randomUUID } from 'node:crypto';
import type { Algorithm } from '@churn/ml';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { GeneratedDatasetSpec, TrainingParams } from './training-request.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The states a job never leaves. */
export const FINISHED: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A training job: what it trains, how far it is, and what it produced. */
export interface TrainingJob {
  readonly id: string;
  readonly status: JobStatus;
  /** The stored table trained on; null while a generated table is still to be made. */
  readonly datasetId: string | null;
  readonly datasetSpec: GeneratedDatasetSpec | null;
  readonly algorithm: Algorithm;
  readonly params: TrainingParams;
  readonly target: string;
  readonly positiveLabel: string | null;
  readonly description: string;
  readonly setAlias: 'challenger' | null;
  /** Lineage parent of the version to be registered. */
  readonly parentVersion: number | null;
  /** Completed fraction, 0..1. */
  readonly progress: number;
  /** What the job is doing, e.g. `trees 40/100`. */
  readonly stage: string;
  /** Why the job failed. */
  readonly error: string | null;
  /** The registered version, once succeeded. */
  readonly modelVersion: number | null;
  /** Held-out metrics of that version. */
  readonly metrics: Record<string, unknown> | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

interface Row extends Record<string, unknown> {
  id: string;
  status: JobStatus;
  dataset_id: string | null;
  dataset_spec: GeneratedDatasetSpec | null;
  algorithm: Algorithm;
  params: TrainingParams;
  target: string;
  positive_label: string | null;
  description: string;
  set_alias: 'challenger' | null;
  parent_version: number | null;
  progress: number;
  stage: string;
  error: string | null;
  model_version: number | null;
  metrics: Record<string, unknown> | null;
  created_by: string;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

export type NewJob = Pick<
  TrainingJob,
  | 'datasetId'
  | 'datasetSpec'
  | 'algorithm'
  | 'params'
  | 'target'
  | 'positiveLabel'
  | 'description'
  | 'setAlias'
  | 'parentVersion'
  | 'createdBy'
>;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The `training_jobs` table. */
export class JobStore {
  constructor(private readonly db: Database) {}

  async insert(job: NewJob): Promise<TrainingJob> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO training_jobs (id, status, dataset_id, dataset_spec, algorithm, params, target, positive_label,
         description, set_alias, parent_version, created_by)
       VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        randomUUID(),
        job.datasetId,
        job.datasetSpec ? JSON.stringify(job.datasetSpec) : null,
        job.algorithm,
        JSON.stringify(job.params),
        job.target,
        job.positiveLabel,
        job.description,
        job.setAlias,
        job.parentVersion,
        job.createdBy,
      ],
    );
    return toJob(row);
  }

  async get(id: string): Promise<TrainingJob> {
    const rows = await this.db.query<Row>('SELECT * FROM training_jobs WHERE id = $1', [id]);
    if (rows.length === 0) throw new ChurnError('CHURN_ERR_NOT_FOUND', `training job ${id} does not exist`);
    return toJob(rows[0]);
  }

  async list(options: { status?: JobStatus; limit?: number } = {}): Promise<TrainingJob[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM training_jobs WHERE ($1::text IS NULL OR status = $1)
       ORDER BY created_at DESC, id LIMIT $2`,
      [options.status ?? null, options.limit ?? 50],
    );
    return rows.map(toJob);
  }

  /** Take the oldest queued job for running, or null; a job is claimed by one runner only. */
  async claimNext(): Promise<TrainingJob | null> {
    const rows = await this.db.query<Row>(
      `UPDATE training_jobs SET status = 'running', started_at = now(), heartbeat_at = now(), stage = 'starting'
       WHERE id = (SELECT id FROM training_jobs WHERE status = 'queued'
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
    );
    return rows.length > 0 ? toJob(rows[0]) : null;
  }

  /** Record progress of a running job (no effect once it has finished). */
  async progress(id: string, progress: number, stage: string): Promise<void> {
    await this.db.query(
      `UPDATE training_jobs SET progress = $2, stage = $3, heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
      [id, progress, stage],
    );
  }

  /** Show that the process running the job is alive. */
  async heartbeat(id: string): Promise<void> {
    await this.db.query(
      `UPDATE training_jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
      [id],
    );
  }

  async setDataset(id: string, datasetId: string): Promise<void> {
    await this.db.query('UPDATE training_jobs SET dataset_id = $2 WHERE id = $1', [id, datasetId]);
  }

  /** Move a job to a final state; returns it, or null when it was not in one of `from`. */
  async finish(
    id: string,
    from: readonly JobStatus[],
    outcome: {
      status: 'succeeded' | 'failed' | 'cancelled';
      error?: string;
      modelVersion?: number;
      metrics?: Record<string, unknown> | null;
    },
  ): Promise<TrainingJob | null> {
    const rows = await this.db.query<Row>(
      `UPDATE training_jobs SET status = $3, error = $4, model_version = $5, metrics = $6,
         progress = CASE WHEN $3 = 'succeeded' THEN 1 ELSE progress END,
         stage = $3, finished_at = now()
       WHERE id = $1 AND status = ANY($2::text[]) RETURNING *`,
      [
        id,
        from,
        outcome.status,
        outcome.error ?? null,
        outcome.modelVersion ?? null,
        outcome.metrics ? JSON.stringify(outcome.metrics) : null,
      ],
    );
    return rows.length > 0 ? toJob(rows[0]) : null;
  }

  /**
   * Jobs left `running` by a process that stopped (no heartbeat for `staleSeconds`), except
   * `keep` (this process's own), are marked failed. Returns their ids.
   */
  async failStale(reason: string, staleSeconds: number, keep: string | null = null): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE training_jobs SET status = 'failed', error = $1, stage = 'failed', finished_at = now()
       WHERE status = 'running' AND ($3::uuid IS NULL OR id <> $3::uuid)
         AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2::double precision))
       RETURNING id`,
      [reason, staleSeconds, keep],
    );
    return rows.map((r) => r.id);
  }
}

function toJob(r: Row): TrainingJob {
  return {
    id: r.id,
    status: r.status,
    datasetId: r.dataset_id,
    datasetSpec: r.dataset_spec,
    algorithm: r.algorithm,
    params: r.params,
    target: r.target,
    positiveLabel: r.positive_label,
    description: r.description,
    setAlias: r.set_alias,
    parentVersion: r.parent_version === null ? null : Number(r.parent_version),
    progress: Number(r.progress),
    stage: r.stage,
    error: r.error,
    modelVersion: r.model_version === null ? null : Number(r.model_version),
    metrics: r.metrics,
    createdBy: r.created_by,
    createdAt: iso(r.created_at) as string,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}
