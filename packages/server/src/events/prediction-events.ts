import type { LoggedPrediction, PredictionPublisher } from '../scoring/index.js';
import type { EventBus } from './bus.js';
import { createEvent, EVENT_TYPES, type EventEnvelope } from './envelope.js';

/** Payload of `prediction.scored`: the logged row plus what the monitors need. */
export interface PredictionScoredPayload {
  readonly prediction_id: string;
  readonly customer_id: string;
  readonly model_version: number;
  readonly churn_probability: number;
  readonly risk_level: string;
  readonly features: Readonly<Record<string, unknown>>;
  readonly served_at: string;
  readonly unseen_categories: readonly string[];
  readonly missing_features: readonly string[];
}

export function predictionScoredEvent(
  p: LoggedPrediction,
  source: string,
): EventEnvelope<PredictionScoredPayload> {
  const servedAt = p.servedAt ?? new Date();
  const missing = p.missingFeatures ?? Object.keys(p.features).filter((k) => p.features[k] === null);
  return createEvent<PredictionScoredPayload>(
    EVENT_TYPES.predictionScored,
    p.customerId,
    {
      prediction_id: p.predictionId,
      customer_id: p.customerId,
      model_version: p.modelVersion,
      churn_probability: p.probability,
      risk_level: p.riskLevel,
      features: p.features,
      served_at: servedAt.toISOString(),
      unseen_categories: p.unseenCategories ?? [],
      missing_features: missing,
    },
    source,
    servedAt,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The prediction inside a `prediction.scored` event, or why the payload is unusable. */
export function predictionFromEvent(e: EventEnvelope): LoggedPrediction | string {
  const p = e.payload as Partial<Record<keyof PredictionScoredPayload, unknown>>;
  if (typeof p.prediction_id !== 'string' || !UUID.test(p.prediction_id))
    return '/payload/prediction_id: must be a UUID';
  if (typeof p.customer_id !== 'string' || p.customer_id.length === 0)
    return '/payload/customer_id: is required';
  if (!Number.isInteger(p.model_version)) return '/payload/model_version: must be an integer';
  if (typeof p.churn_probability !== 'number' || !(p.churn_probability >= 0 && p.churn_probability <= 1))
    return '/payload/churn_probability: must be a number in [0, 1]';
  if (typeof p.risk_level !== 'string') return '/payload/risk_level: is required';
  if (typeof p.features !== 'object' || p.features === null || Array.isArray(p.features))
    return '/payload/features: must be an object';
  const servedAt = new Date(typeof p.served_at === 'string' ? p.served_at : e.occurred_at);
  if (Number.isNaN(servedAt.getTime())) return '/payload/served_at: must be a date-time';
  return {
    predictionId: p.prediction_id,
    customerId: p.customer_id,
    modelVersion: p.model_version as number,
    probability: p.churn_probability,
    riskLevel: p.risk_level,
    features: p.features as Record<string, unknown>,
    servedAt,
    unseenCategories: Array.isArray(p.unseen_categories) ? (p.unseen_categories as string[]) : [],
    missingFeatures: Array.isArray(p.missing_features) ? (p.missing_features as string[]) : [],
  };
}

/** The prediction log's way onto the bus: one `prediction.scored` event per served prediction. */
export function predictionPublisher(bus: EventBus, source = 'api'): PredictionPublisher {
  return {
    publish: (p) => bus.publish(bus.topics.predictions, predictionScoredEvent(p, source)),
    flush: () => bus.flush(),
  };
}
