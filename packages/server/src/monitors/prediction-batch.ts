import { EVENT_TYPES, type EventEnvelope, predictionFromEvent } from '../events/index.js';
import type { LoggedPrediction } from '../scoring/index.js';
import { encodeFeatures, type MonitoredModel } from './monitored-model.js';
import type { RecentIds } from './windows.js';

/** What both monitors keep per model version and this walk needs. */
export interface MonitorState {
  readonly model: MonitoredModel;
  /** Prediction ids seen lately: a redelivered event is counted once. */
  readonly seen: RecentIds;
}

export interface PredictionBatchOptions<S extends MonitorState> {
  readonly states: ReadonlyMap<number, S>;
  /** The state of a version not in `states` yet: a string when unknown, null when not monitored. */
  readonly load: (version: number) => Promise<S | string | null>;
  /** Where an event's features are encoded: the state's own buffers, or new ones per event. */
  readonly buffers: (state: S) => { readonly row: Float64Array; readonly unseen: (string | null)[] };
}

/**
 * The monitors' walk over a batch of events: every `prediction.scored` event parsed, its version's
 * state found (a known version synchronously: no promise per event on the hot path), its features
 * encoded into the version's layout, and handed to `visit` unless its prediction id was seen
 * already. Events that cannot be used come back as rejected, with the reason.
 */
export async function forEachPrediction<S extends MonitorState>(
  batch: readonly EventEnvelope[],
  o: PredictionBatchOptions<S>,
  visit: (
    p: LoggedPrediction,
    state: S,
    row: Float64Array,
    unseen: (string | null)[],
  ) => void | Promise<void>,
): Promise<{ event: EventEnvelope; reason: string }[]> {
  const rejected: { event: EventEnvelope; reason: string }[] = [];
  for (const e of batch) {
    if (e.type !== EVENT_TYPES.predictionScored) continue;
    const p = predictionFromEvent(e);
    if (typeof p === 'string') {
      rejected.push({ event: e, reason: p });
      continue;
    }
    const state = o.states.get(p.modelVersion) ?? (await o.load(p.modelVersion));
    if (typeof state === 'string') {
      rejected.push({ event: e, reason: state });
      continue;
    }
    if (!state) continue;
    const { row, unseen } = o.buffers(state);
    const problem = encodeFeatures(state.model.layout, p.features, row, unseen);
    if (problem) {
      rejected.push({ event: e, reason: problem });
      continue;
    }
    if (!state.seen.add(p.predictionId)) continue;
    const pending = visit(p, state, row, unseen);
    if (pending) await pending;
  }
  return rejected;
}
