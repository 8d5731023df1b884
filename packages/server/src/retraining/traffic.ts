import type { Metrics } from '../plugins/metrics.js';
import type { FeatureValues, Scorer } from '../scoring/index.js';
import type { ArmObservation } from './gates.js';

/** Requests, 5xx answers and summed latency of one model version, as counted so far. */
export interface VersionTraffic {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
}

/**
 * The HTTP traffic each model version answered, read from the request-duration histogram (its
 * `model_version` label is the `x-model-version` header the prediction routes set). Counters only
 * grow, so a step's traffic is the difference of two readings.
 */
export async function trafficByVersion(metrics: Metrics): Promise<Map<number, VersionTraffic>> {
  const out = new Map<number, { requests: number; errors: number; seconds: number }>();
  const { values } = await metrics.httpDuration.get();
  for (const v of values) {
    const version = Number(v.labels.model_version);
    if (!Number.isInteger(version) || version <= 0) continue;
    const name = (v as { metricName?: string }).metricName ?? '';
    const t = out.get(version) ?? { requests: 0, errors: 0, seconds: 0 };
    if (name.endsWith('_count')) {
      t.requests += v.value;
      if (Number(v.labels.status) >= 500) t.errors += v.value;
    } else if (name.endsWith('_sum')) t.seconds += v.value;
    out.set(version, t);
  }
  return out;
}

/** One version's traffic between two readings, with the estimated AUC added by the caller. */
export function armBetween(
  before: Map<number, VersionTraffic>,
  after: Map<number, VersionTraffic>,
  version: number,
  estimatedAuc: number | null,
): ArmObservation {
  const a = before.get(version) ?? { requests: 0, errors: 0, seconds: 0 };
  const b = after.get(version) ?? { requests: 0, errors: 0, seconds: 0 };
  const requests = b.requests - a.requests;
  return {
    requests,
    errors: b.errors - a.errors,
    meanLatencyMs: requests > 0 ? ((b.seconds - a.seconds) / requests) * 1000 : null,
    estimatedAuc,
  };
}

/**
 * A scorer's mean time per request in ms, on the given rows, as a request would run it (full
 * scoring with recommended actions). The shadow step measures the challenger this way, since
 * shadow scoring never answers a client.
 */
export function meanScoringMs(scorer: Scorer, rows: readonly FeatureValues[], rounds = 3): number {
  if (rows.length === 0) return 0;
  for (const r of rows) scorer.score(r); // warm
  const t0 = performance.now();
  for (let k = 0; k < rounds; k++) for (const r of rows) scorer.score(r);
  return (performance.now() - t0) / (rounds * rows.length);
}
