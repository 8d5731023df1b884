/**
 * The SQL side of performance monitoring: predictions of one model version in a window, each
 * with its observed outcome if there is one, read page by page.
 *
 * How outcomes are joined to predictions (for each model version separately): a feedback row
 * labels
 *  - the prediction it names, when it names one of this version (`prediction_id`); otherwise
 *  - this version's latest prediction for the customer made at or before the outcome was
 *    observed (`customer_id`, `created_at <= observed_at`, ties by prediction id).
 * So a customer's earlier predictions are not labelled by a later outcome once a newer
 * prediction exists, and a feedback naming the champion's prediction also labels a shadow
 * version's prediction of the same customer by the customer rule. When several outcomes label
 * one prediction, the most recently observed wins.
 *
 * The scan reads through cursors and returns only the probability and the label, so memory
 * holds one page of row objects at a time plus the typed arrays the caller fills (8 bytes per
 * prediction, 9 per labelled one); the database does the joins and the one sort.
 */
import type { Database } from '../db/index.js';

/** Rows per fetch from the scan's cursors. */
export const SCAN_PAGE_SIZE = 20_000;

/** A timestamp literal from a Date (ISO text: nothing but digits, `-:.TZ`). */
const at = (d: Date): string => `'${d.toISOString()}'::timestamptz`;

/**
 * The labelled predictions of a version in [from, to), set-based (hash joins and one sort, no
 * per-row probes): direct outcomes by prediction id, and outcomes by customer matched to the
 * customer's latest prediction of the version at or before `observed_at`. Only predictions made
 * since `from` are candidates for the customer match: if the latest one at or before the outcome
 * is older, no prediction of the window is at or before it either, so nothing is lost.
 */
function labelsSql(version: number, from: Date, to: Date): string {
  return `
WITH cand AS (
  SELECT prediction_id, customer_id, created_at, churn_probability
  FROM predictions WHERE model_version = ${version} AND created_at >= ${at(from)}
),
outcomes AS (
  SELECT c.prediction_id, c.churn_probability AS p, c.created_at, f.churned, f.observed_at, f.id
  FROM feedback f JOIN cand c ON c.prediction_id = f.prediction_id
  UNION ALL
  SELECT * FROM (
    SELECT DISTINCT ON (f.id) c.prediction_id, c.churn_probability AS p, c.created_at,
           f.churned, f.observed_at, f.id
    FROM feedback f
    LEFT JOIN predictions d ON d.prediction_id = f.prediction_id AND d.model_version = ${version}
    JOIN cand c ON c.customer_id = f.customer_id AND c.created_at <= f.observed_at
    WHERE f.observed_at >= ${at(from)} AND d.prediction_id IS NULL
    ORDER BY f.id, c.created_at DESC, c.prediction_id DESC
  ) by_customer
)
SELECT DISTINCT ON (prediction_id) p, churned
FROM outcomes
WHERE created_at < ${at(to)}
ORDER BY prediction_id, observed_at DESC, id DESC`;
}

/** What a scan collected: every probability, and the labelled ones with their labels. */
export interface ScanResult {
  /** Probabilities of all predictions in the window. */
  readonly scores: Float64Array;
  /** Probabilities of the labelled predictions. */
  readonly labelledScores: Float64Array;
  /** Their labels, 1 = churned. */
  readonly labels: Uint8Array;
}

/**
 * Predictions of `version` created in [from, to), each with its outcome when one is known: two
 * cursors in one transaction (one snapshot), fetched `pageSize` rows at a time.
 */
export async function scanWindow(
  db: Pick<Database, 'transaction'>,
  version: number,
  from: Date,
  to: Date,
  pageSize = SCAN_PAGE_SIZE,
): Promise<ScanResult> {
  // The cursors' statements are built as text (DECLARE takes no bind parameters): only an
  // integer and ISO timestamps go in.
  if (!Number.isSafeInteger(version))
    throw new Error(`scanWindow: version must be an integer, got ${version}`);
  const scores = new GrowableFloats();
  const labelledScores = new GrowableFloats();
  const labels = new GrowableBytes();
  await db.transaction(async (tx) => {
    const drain = async (cursor: string, sql: string, take: (r: ScanRow) => void) => {
      await tx.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
      for (;;) {
        const rows = await tx.query<ScanRow>(`FETCH ${pageSize} FROM ${cursor}`);
        for (const r of rows) take(r);
        if (rows.length < pageSize) break;
      }
      await tx.query(`CLOSE ${cursor}`);
    };
    await drain(
      'churn_perf_scores',
      `SELECT churn_probability AS p FROM predictions
       WHERE model_version = ${version} AND created_at >= ${at(from)} AND created_at < ${at(to)}`,
      (r) => scores.push(Number(r.p)),
    );
    await drain('churn_perf_labels', labelsSql(version, from, to), (r) => {
      labelledScores.push(Number(r.p));
      labels.push(r.churned ? 1 : 0);
    });
  });
  return { scores: scores.view(), labelledScores: labelledScores.view(), labels: labels.view() };
}

interface ScanRow extends Record<string, unknown> {
  p: number;
  churned?: boolean;
}

/**
 * Labelled predictions of `version` whose outcome was observed in [since, before) (by the same
 * join), the most recent `limit` of them: the reference rows a calibration map is fitted on.
 * Walks the outcomes backwards from `before` with two index probes each.
 */
export async function labelledBefore(
  db: Pick<Database, 'query'>,
  version: number,
  since: Date,
  before: Date,
  limit: number,
): Promise<ScanResult> {
  const rows = await db.query<{ p: number; churned: boolean }>(
    `SELECT m.churn_probability AS p, f.churned
     FROM feedback f
     JOIN LATERAL (
       SELECT d.churn_probability FROM predictions d
       WHERE d.prediction_id = f.prediction_id AND d.model_version = $1
       UNION ALL
       (SELECT c.churn_probability FROM predictions c
        WHERE c.customer_id = f.customer_id AND c.model_version = $1 AND c.created_at <= f.observed_at
          AND NOT EXISTS (SELECT 1 FROM predictions d2
                          WHERE d2.prediction_id = f.prediction_id AND d2.model_version = $1)
        ORDER BY c.created_at DESC, c.prediction_id DESC LIMIT 1)
     ) m ON true
     WHERE f.observed_at < $2::timestamptz AND f.observed_at >= $4::timestamptz
     ORDER BY f.observed_at DESC, f.id DESC
     LIMIT $3`,
    [version, before.toISOString(), limit, since.toISOString()],
  );
  const labelledScores = Float64Array.from(rows, (r) => Number(r.p));
  return {
    scores: labelledScores,
    labelledScores,
    labels: Uint8Array.from(rows, (r) => (r.churned ? 1 : 0)),
  };
}

/**
 * Model versions with at least one prediction in [from, to): a loose index scan over the
 * versions (one index probe per version, not a pass over the predictions).
 */
export async function versionsInWindow(db: Pick<Database, 'query'>, from: Date, to: Date): Promise<number[]> {
  const rows = await db.query<{ v: number }>(
    `WITH RECURSIVE v AS (
       (SELECT model_version AS v FROM predictions ORDER BY model_version LIMIT 1)
       UNION ALL
       SELECT (SELECT model_version FROM predictions WHERE model_version > v.v ORDER BY model_version LIMIT 1)
       FROM v WHERE v.v IS NOT NULL
     )
     SELECT v.v FROM v
     WHERE v.v IS NOT NULL AND EXISTS (
       SELECT 1 FROM predictions p
       WHERE p.model_version = v.v AND p.created_at >= $1::timestamptz AND p.created_at < $2::timestamptz)
     ORDER BY v.v`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => Number(r.v));
}

class GrowableFloats {
  private data = new Float64Array(1024);
  private size = 0;
  push(v: number): void {
    if (this.size === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.size);
  }
}

class GrowableBytes {
  private data = new Uint8Array(1024);
  private size = 0;
  push(v: number): void {
    if (this.size === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size++] = v;
  }
  view(): Uint8Array {
    return this.data.subarray(0, this.size);
  }
}
