/**
 * The platform's topics, one table. Every name is prefixed (CHURN_KAFKA_TOPIC_PREFIX, default
 * `churn.`) so that several deployments or test runs can share one broker.
 */
export const TOPIC_NAMES = {
  predictions: 'predictions',
  feedback: 'feedback',
  drift: 'drift-alerts',
  outliers: 'outliers',
  models: 'model-lifecycle',
  deadLetter: 'dead-letter',
} as const;

export type TopicKey = keyof typeof TOPIC_NAMES;

/** Full topic names by role. */
export type Topics = Readonly<Record<TopicKey, string>>;

/** Partitions per topic when the bus creates a topic: consumers in a group scale up to this many. */
export const TOPIC_PARTITIONS = 6;

/**
 * @example
 * eventTopics('churn.').predictions // 'churn.predictions'
 */
export function eventTopics(prefix = 'churn.'): Topics {
  const out = {} as Record<TopicKey, string>;
  for (const [k, name] of Object.entries(TOPIC_NAMES)) out[k as TopicKey] = `${prefix}${name}`;
  return Object.freeze(out);
}
