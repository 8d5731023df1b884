import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { GateResult } from './gates.js';
import type { RetrainingTrigger } from './policy.js';

export const RUN_STATUSES = [
  'running',
  'promoted',
  'rejected',
  'rolled_back',
  'failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The steps of a run, in order; `step` names the one in progress or the last one reached. */
export const RUN_STEPS = [
  'train',
  'holdout_gate',
  'register',
  'shadow',
  'canary_10',
  'canary_50',
  'promote',
  'done',
] as const;
export type RunStep = (typeof RUN_STEPS)[number];

/** A retraining run, as stored and as the API shows it. */
export interface RetrainingRun {
  readonly id: string;
  readonly trigger: RetrainingTrigger & { readonly decision?: string };
  readonly status: RunStatus;
  readonly step: RunStep;
  readonly champion_version: number | null;
  readonly challenger_version: number | null;
  readonly job_id: string | null;
  /** Gate name (holdout, shadow, canary_10, canary_50, promote) → its verdict. */
  readonly gates: Readonly<Record<string, GateResult>>;
  /** What the run trained on and was judged on (datasets, row counts). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly error: string | null;
}

/** A change to a run, stored together with its audit row. */
export interface RunChange {
  readonly status?: RunStatus;
  readonly step?: RunStep;
  readonly challenger_version?: number;
  readonly job_id?: string;
  readonly gate?: readonly [string, GateResult];
  readonly data?: Readonly<Record<string, unknown>>;
  readonly error?: string;
}

interface Row extends Record<string, unknown> {
  id: string;
  trigger: RetrainingRun['trigger'] | string;
  status: RunStatus;
  step: RunStep;
  champion_version: number | null;
  challenger_version: number | null;
  job_id: string | null;
  gates: Record<string, GateResult> | string;
  data: Record<string, unknown> | string;
  started_at: Date | string;
  finished_at: Date | string | null;
  error: string | null;
}

const COLUMNS =
  'id, trigger, status, step, champion_version, challenger_version, job_id, gates, data, started_at, finished_at, error';
/** The audit_log actor of every step. */
export const RETRAINING_ACTOR = 'retraining';

/**
 * The `retraining_runs` table. Every change of a run is written with its `audit_log` row
 * (actor `retraining`, action `retraining.<step>`) in one transaction, so the trail never
 * disagrees with the run. A unique index admits one running run across all processes.
 */
export class RetrainingRunStore {
  constructor(private readonly db: Database) {}

  /** Start a run; CHURN_ERR_CONFLICT when another one is running. */
  async insert(trigger: RetrainingRun['trigger'], champion: number | null): Promise<RetrainingRun> {
    const id = randomUUID();
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx.query<Row>(
          `INSERT INTO retraining_runs (id, trigger, status, step, champion_version)
           VALUES ($1, $2, 'running', 'train', $3) RETURNING ${COLUMNS}`,
          [id, JSON.stringify(trigger), champion],
        );
        await audit(tx, 'retraining.started', null, { run: id, champion, trigger }, describe(trigger));
        return toRun(row);
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ChurnError('CHURN_ERR_CONFLICT', 'a retraining run is already in progress', [
          { path: '/', message: 'wait for the running run to finish, or cancel it' },
        ]);
      throw err;
    }
  }

  /** Apply a change and audit it as `retraining.<action>` with `reason`. */
  async change(id: string, action: string, change: RunChange, reason: string): Promise<RetrainingRun> {
    return this.db.transaction(async (tx) => {
      const [before] = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM retraining_runs WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!before) throw new ChurnError('CHURN_ERR_NOT_FOUND', `retraining run ${id} does not exist`);
      const prev = toRun(before);
      const finished = change.status !== undefined && change.status !== 'running';
      const gates = change.gate ? { ...prev.gates, [change.gate[0]]: change.gate[1] } : prev.gates;
      const [row] = await tx.query<Row>(
        `UPDATE retraining_runs SET status = $2, step = $3, challenger_version = $4, job_id = $5,
           gates = $6, data = $7, error = $8, heartbeat_at = now(),
           finished_at = CASE WHEN $9 THEN now() ELSE finished_at END
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          change.status ?? prev.status,
          change.step ?? prev.step,
          change.challenger_version ?? prev.challenger_version,
          change.job_id ?? prev.job_id,
          JSON.stringify(gates),
          JSON.stringify({ ...prev.data, ...change.data }),
          change.error ?? prev.error,
          finished,
        ],
      );
      const after = toRun(row);
      await audit(
        tx,
        `retraining.${action}`,
        { run: id, status: prev.status, step: prev.step },
        {
          run: id,
          status: after.status,
          step: after.step,
          champion: after.champion_version,
          challenger: after.challenger_version,
          ...(change.gate ? { gate: change.gate[0], result: change.gate[1] } : {}),
        },
        reason,
      );
      return after;
    });
  }

  async get(id: string): Promise<RetrainingRun> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM retraining_runs WHERE id = $1`, [id]);
    if (rows.length === 0) throw new ChurnError('CHURN_ERR_NOT_FOUND', `retraining run ${id} does not exist`);
    return toRun(rows[0]);
  }

  /** Newest first. */
  async list(options: { status?: RunStatus; limit?: number } = {}): Promise<RetrainingRun[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM retraining_runs WHERE ($1::text IS NULL OR status = $1)
       ORDER BY started_at DESC, id LIMIT $2`,
      [options.status ?? null, options.limit ?? 50],
    );
    return rows.map(toRun);
  }

  /** The running run, if any (in any process). */
  async running(): Promise<RetrainingRun | null> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM retraining_runs WHERE status = 'running'`);
    return rows.length === 0 ? null : toRun(rows[0]);
  }

  /** When the last run not started by hand started. */
  async lastAutomaticStart(): Promise<Date | null> {
    const rows = await this.db.query<{ at: Date | string | null }>(
      `SELECT max(started_at) AS at FROM retraining_runs WHERE trigger->>'kind' <> 'manual'`,
    );
    return rows[0]?.at ? new Date(rows[0].at) : null;
  }

  async heartbeat(id: string): Promise<void> {
    await this.db.query(
      `UPDATE retraining_runs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
      [id],
    );
  }

  /**
   * Fail running runs whose process stopped (no heartbeat for `staleSeconds`), except `own`.
   * Returns their ids. The routing state they left is not touched: an admin decides.
   */
  async failStale(staleSeconds: number, own: string | null): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM retraining_runs WHERE status = 'running'
         AND heartbeat_at < now() - make_interval(secs => $1) AND ($2::uuid IS NULL OR id <> $2::uuid)`,
      [staleSeconds, own],
    );
    for (const { id } of rows)
      await this.change(
        id,
        'failed',
        { status: 'failed', error: 'the process driving the run stopped; check the routing state' },
        'orphaned run',
      ).catch(() => {});
    return rows.map((r) => r.id);
  }
}

async function audit(
  tx: Pick<Database, 'query'>,
  action: string,
  before: unknown,
  after: unknown,
  reason: string,
): Promise<void> {
  await tx.query('INSERT INTO audit_log (actor, action, before, after, reason) VALUES ($1, $2, $3, $4, $5)', [
    RETRAINING_ACTOR,
    action,
    before === null ? null : JSON.stringify(before),
    JSON.stringify(after),
    reason,
  ]);
}

function describe(t: RetrainingRun['trigger']): string {
  if (t.kind === 'manual') return `manual: ${t.reason} (${t.actor})`;
  return t.decision ?? t.kind;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '23505' || /duplicate key|unique constraint/i.test(e?.message ?? '');
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const iso = (v: Date | string) => new Date(v).toISOString();

function toRun(r: Row): RetrainingRun {
  return {
    id: r.id,
    trigger: json(r.trigger),
    status: r.status,
    step: r.step,
    champion_version: r.champion_version === null ? null : Number(r.champion_version),
    challenger_version: r.challenger_version === null ? null : Number(r.challenger_version),
    job_id: r.job_id,
    gates: json(r.gates),
    data: json(r.data),
    started_at: iso(r.started_at),
    finished_at: r.finished_at === null ? null : iso(r.finished_at),
    error: r.error,
  };
}
