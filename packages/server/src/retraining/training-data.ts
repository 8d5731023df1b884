import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { type ChurnModel, csvField, type Dataset, loadCsv, parseCsvText, Rng } from '@churn/ml';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { DatasetStore } from '../jobs/index.js';

export interface TrainingDataSettings {
  /** Outcomes observed this far back are "recent labelled data" (seconds). */
  readonly lookbackSeconds: number;
  /** Most recent outcomes used (newest first). */
  readonly recentLimit: number;
  /** Share of the recent rows held out for the champion/challenger comparison. */
  readonly holdoutFraction: number;
  /** Fewest holdout rows (with both outcomes) a run needs. */
  readonly minHoldoutRows: number;
  /** Most rows of the champion's training table added to the challenger's training data. */
  readonly referenceRows: number;
}

export const DEFAULT_TRAINING_DATA: TrainingDataSettings = {
  lookbackSeconds: 30 * 86_400,
  recentLimit: 50_000,
  holdoutFraction: 0.3,
  minHoldoutRows: 100,
  referenceRows: 5_000,
};

/** The challenger's training table (stored) and the holdout both models are judged on. */
export interface PreparedData {
  readonly trainingDatasetId: string;
  readonly holdout: Dataset;
  /** What went where, for the run's record. */
  readonly summary: Readonly<Record<string, unknown>>;
}

/**
 * Build a challenger's data. Exactly:
 *
 * 1. **Recent labelled data**: every outcome (`feedback`) observed in the lookback, newest first
 *    up to `recentLimit`, joined to the prediction it answers (by prediction id, else the
 *    customer's latest prediction before the outcome) for the features that were served —
 *    `DatasetStore.fromFeedback`, stored as its own dataset.
 * 2. Those rows are shuffled (fixed seed: same data, same split) and split: `holdoutFraction`
 *    is the **holdout** (never trained on), the rest goes into training.
 * 3. **Reference**: the labelled table the champion was trained on — the dataset of the
 *    succeeded training job that registered it — sampled (fixed seed) to at most
 *    `referenceRows`, so that the challenger remembers the population the champion knew. A
 *    champion not trained by a job (e.g. the first-start models) has no stored labelled table:
 *    the challenger then trains on the recent rows alone, and the summary says so. (The
 *    champion's stored `training.reference` sample has no labels, so it cannot be trained on.)
 * 4. Training table = recent training rows + reference rows, stored as a dataset (source
 *    `feedback`) that the training job reads.
 */
export async function prepareTrainingData(
  deps: { db: Database; datasets: DatasetStore },
  run: { id: string; champion: number; championModel: ChurnModel },
  s: TrainingDataSettings,
): Promise<PreparedData> {
  const { db, datasets } = deps;
  const tag = `retraining ${run.id.slice(0, 8)}`;
  const recent = await datasets.fromFeedback({
    since: new Date(Date.now() - s.lookbackSeconds * 1000),
    limit: s.recentLimit,
    name: `${tag}: recent outcomes`,
    createdBy: 'retraining',
  });
  const recentTable = await readTable(datasets, recent.id);
  const header = recentTable.header;
  const labelAt = header.indexOf('churned');
  const rows = shuffle(recentTable.rows, 2026);
  const holdoutCount = Math.round(rows.length * s.holdoutFraction);
  const holdoutRows = rows.slice(0, holdoutCount);
  const trainRows = rows.slice(holdoutCount);
  const positives = holdoutRows.filter((r) => r[labelAt] === '1').length;
  if (holdoutCount < s.minHoldoutRows || positives === 0 || positives === holdoutCount) {
    throw new ChurnError(
      'CHURN_ERR_CONFLICT',
      `too little recent labelled data: ${rows.length} outcomes give a holdout of ${holdoutCount} rows ` +
        `(${positives} churned); at least ${s.minHoldoutRows} rows with both outcomes are needed`,
    );
  }

  const jobs = await db.query<{ dataset_id: string | null }>(
    `SELECT dataset_id FROM training_jobs WHERE model_version = $1 AND status = 'succeeded' AND dataset_id IS NOT NULL
     ORDER BY finished_at DESC LIMIT 1`,
    [run.champion],
  );
  let referenceRows: string[][] = [];
  let referenceNote = `v${run.champion} was not trained by a job: no labelled training table is stored`;
  const referenceId = jobs[0]?.dataset_id ?? null;
  if (referenceId) {
    const ref = await readTable(datasets, referenceId);
    const at = header.map((name) => ref.header.indexOf(name));
    const missing = header.filter((_, i) => at[i] < 0 && header[i] !== 'customer_id');
    if (missing.length > 0) {
      referenceNote = `the champion's training table lacks ${missing.join(', ')}: not used`;
    } else {
      referenceRows = shuffle(ref.rows, 7)
        .slice(0, s.referenceRows)
        .map((r, k) => at.map((j, i) => (j >= 0 ? r[j] : header[i] === 'customer_id' ? `ref_${k}` : '')));
      referenceNote = `${referenceRows.length} rows sampled from v${run.champion}'s training table`;
    }
  }
  const training = await datasets.add(csv(header, [...trainRows, ...referenceRows]), {
    name: `${tag}: training (recent + champion reference)`,
    source: 'feedback',
    createdBy: 'retraining',
  });
  const { dataset: holdout } = await loadCsv(Readable.from([csv(header, holdoutRows)]), {
    schema: { ...run.championModel.schema, target: 'churned' },
    target: 'churned',
    positiveLabel: '1',
  });
  return {
    trainingDatasetId: training.id,
    holdout,
    summary: {
      recent_dataset: recent.id,
      recent_rows: rows.length,
      holdout_rows: holdoutRows.length,
      holdout_churned: positives,
      training_dataset: training.id,
      training_recent_rows: trainRows.length,
      reference_dataset: referenceRows.length > 0 ? referenceId : null,
      reference_rows: referenceRows.length,
      reference: referenceNote,
    },
  };
}

async function readTable(
  datasets: DatasetStore,
  id: string,
): Promise<{ header: string[]; rows: string[][] }> {
  const text = gunzipSync(await datasets.content(id)).toString('utf8');
  const records = parseCsvText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const header = (records[0]?.fields ?? []).map((c) => c.trim());
  return { header, rows: records.slice(1).map((r) => r.fields) };
}

function csv(header: readonly string[], rows: readonly string[][]): Buffer {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** A shuffled copy (Fisher-Yates, seeded). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = new Rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
