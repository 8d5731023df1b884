import type { Database } from '../../db/index.js';
import { type LoggedPrediction, writePredictions } from '../../scoring/index.js';
import type { HandlerResult, Subscription } from '../bus.js';
import { EVENT_TYPES, type EventEnvelope } from '../envelope.js';
import { predictionFromEvent } from '../prediction-events.js';
import type { Topics } from '../topics.js';

export const PREDICTION_LOG_WRITER_GROUP = 'prediction-log-writer';

/**
 * The prediction-log writer: stores `prediction.scored` events in the `predictions` table, one
 * INSERT per batch. Idempotent by the natural key, the prediction id (ON CONFLICT DO NOTHING), so
 * a redelivered event is stored once; the event id is not needed for that.
 */
export function predictionLogWriter(db: Database, topics: Topics): Subscription {
  return {
    group: PREDICTION_LOG_WRITER_GROUP,
    topics: [topics.predictions],
    maxBatch: 1000,
    // One INSERT per batch: at 1,000 predictions/s, a few hundred rows per statement.
    maxWaitMs: 200,
    async handler(batch: readonly EventEnvelope[]): Promise<HandlerResult> {
      const rows = new Map<string, LoggedPrediction>();
      const rejected: { event: EventEnvelope; reason: string }[] = [];
      for (const e of batch) {
        if (e.type !== EVENT_TYPES.predictionScored) continue; // other types on the topic are not ours
        const p = predictionFromEvent(e);
        if (typeof p === 'string') rejected.push({ event: e, reason: p });
        else rows.set(p.predictionId, p);
      }
      await writePredictions(db, [...rows.values()]);
      return { rejected };
    },
  };
}
