import type { Database } from '../db/index.js';
import { estimateCbpe, fitIsotonic } from '../monitoring/index.js';
import type { ProbabilityScorer } from '../routing/index.js';
import type { FeatureValues } from '../scoring/index.js';

/** Labelled rows neither model trained on, with both models' probabilities. */
export interface HoldoutScores {
  readonly y: ArrayLike<number>;
  readonly champion: ArrayLike<number>;
  readonly challenger: ArrayLike<number>;
}

/** Both models' CBPE-estimated AUC on the same rows. */
export interface PairedEstimate {
  readonly rows: number;
  readonly champion: number | null;
  readonly challenger: number | null;
}

/**
 * Estimated (CBPE) ROC AUC of both models on the same customers: every prediction served in
 * [from, to) — whichever model answered it — is scored by both, and each model's probabilities
 * are calibrated by an isotonic map fitted on the run's holdout. A paired comparison: the canary
 * split's sampling noise (10 % of customers against 90 %) and unequal calibration references
 * do not decide it, only the models do. Outcomes of the window are not needed, so the gate can
 * judge a step before its labels come back.
 */
export async function pairedEstimate(
  db: Pick<Database, 'query'>,
  window: { from: Date; to: Date },
  scorers: { champion: ProbabilityScorer; challenger: ProbabilityScorer },
  holdout: HoldoutScores,
  limit = 20_000,
): Promise<PairedEstimate> {
  const rows = await db.query<{ features: FeatureValues | string }>(
    `SELECT features FROM predictions WHERE created_at >= $1 AND created_at < $2 AND model_version IN ($3, $4)
     ORDER BY created_at DESC LIMIT $5`,
    [window.from, window.to, scorers.champion.version, scorers.challenger.version, limit],
  );
  const n = rows.length;
  const champion = new Float64Array(n);
  const challenger = new Float64Array(n);
  rows.forEach((r, i) => {
    const f = typeof r.features === 'string' ? (JSON.parse(r.features) as FeatureValues) : r.features;
    champion[i] = scorers.champion.probability(f);
    challenger[i] = scorers.challenger.probability(f);
  });
  const estimate = (scores: Float64Array, p: ArrayLike<number>) =>
    n === 0 ? null : estimateCbpe(scores, fitIsotonic(holdout.y, p)).roc_auc;
  return {
    rows: n,
    champion: estimate(champion, holdout.champion),
    challenger: estimate(challenger, holdout.challenger),
  };
}
