export { BatchPublisher, type BatchPublisherOptions } from './batch-publisher.js';
export type {
  BusHooks,
  BusOptions,
  EventBus,
  EventHandler,
  HandlerResult,
  Subscription,
  SubscriptionHandle,
  WireMessage,
} from './bus.js';
export { PREDICTION_LOG_WRITER_GROUP, predictionLogWriter } from './consumers/prediction-log-writer.js';
export {
  createEvent,
  DEFAULT_MAX_EVENT_BYTES,
  type Decoded,
  decodeEvent,
  ENVELOPE_JSON_SCHEMA,
  ENVELOPE_VERSION,
  EVENT_TYPES,
  type EventEnvelope,
  encodeEvent,
  envelopeProblem,
} from './envelope.js';
export { InProcessBus } from './in-process-bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { EventMetrics } from './metrics.js';
export { Outbox } from './outbox.js';
export {
  type PredictionScoredPayload,
  predictionFromEvent,
  predictionPublisher,
  predictionScoredEvent,
} from './prediction-events.js';
export { claimEvents } from './processed-events.js';
export { EventService, type EventServiceOptions } from './service.js';
export { eventTopics, TOPIC_NAMES, TOPIC_PARTITIONS, type TopicKey, type Topics } from './topics.js';
