import { CUSTOMER_SCHEMA, datasetRows, generateCustomers } from '@churn/ml';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { FeatureValues, Scorer } from '../scoring/index.js';

/** What a promotion's health check saw. */
export interface HealthCheckResult {
  readonly version: number;
  /** Probe rows scored (recent traffic, else generated customers, plus an all-missing row). */
  readonly rows: number;
  /** Against the current champion on the same rows (null without one). */
  readonly agreement_rate: number | null;
  readonly mean_abs_difference: number | null;
}

/**
 * Probe rows: the most recent served customers' features, so the candidate is tried on real
 * traffic; generated customers when there is too little; and a row with every feature missing.
 */
export async function probeRows(
  db: Database,
  schemaNames: readonly string[],
  limit = 200,
): Promise<FeatureValues[]> {
  const rows = await db.query<{ features: unknown }>(
    'SELECT features FROM predictions ORDER BY created_at DESC LIMIT $1',
    [limit],
  );
  const probe: FeatureValues[] = rows.map((r) =>
    typeof r.features === 'string' ? JSON.parse(r.features) : (r.features as FeatureValues),
  );
  const known = new Set(CUSTOMER_SCHEMA.features.map((f) => f.name));
  if (probe.length < 20 && schemaNames.every((n) => known.has(n)))
    probe.push(...datasetRows(generateCustomers({ rows: 100, seed: 4242 })));
  probe.push(Object.fromEntries(schemaNames.map((n) => [n, null])));
  return probe;
}

/**
 * Check that a candidate can serve: the same feature schema as the champion, and a finite
 * probability in [0, 1] for every probe row. Compares with the champion on the way.
 */
export function healthCheck(
  candidate: Scorer,
  champion: Scorer | null,
  probe: readonly FeatureValues[],
): HealthCheckResult {
  const names = (s: Scorer) => s.model.schema.features.map((f) => f.name).join(',');
  if (champion && names(candidate) !== names(champion)) {
    throw new ChurnError(
      'CHURN_ERR_MODEL_MISMATCH',
      `model version ${candidate.version} has other features than the champion (v${champion.version})`,
      [{ path: '/version', message: 'was trained on another schema' }],
    );
  }
  let agree = 0;
  let absDiff = 0;
  for (let i = 0; i < probe.length; i++) {
    const s = candidate.score(probe[i]);
    if (!Number.isFinite(s.probability) || s.probability < 0 || s.probability > 1) {
      throw new ChurnError(
        'CHURN_ERR_CONFLICT',
        `health check failed: model version ${candidate.version} gave ${s.probability} on probe row ${i}`,
        [{ path: '/version', message: 'failed the health check' }],
      );
    }
    if (champion) {
      const c = champion.score(probe[i]);
      if (c.riskLevel === s.riskLevel) agree++;
      absDiff += Math.abs(c.probability - s.probability);
    }
  }
  return {
    version: candidate.version,
    rows: probe.length,
    agreement_rate: champion ? agree / probe.length : null,
    mean_abs_difference: champion ? absDiff / probe.length : null,
  };
}
