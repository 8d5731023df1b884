import type { Subscription } from '../events/bus.js';
import { EVENT_TYPES } from '../events/envelope.js';
import type { Topics } from '../events/topics.js';
import type { PerformanceSnapshotJob } from './performance-snapshots.js';

export const PERFORMANCE_TRACKER_GROUP = 'performance-tracker';

/**
 * The performance tracker's consumer: outcomes (`feedback.received`) change the realized figures,
 * so a batch of them asks the snapshot job for a run (at most one per `minGapMs` of the job,
 * however many outcomes arrive); the job also runs on its own timer, for the estimated figures of
 * predictions still waiting for outcomes. The run reads the database (predictions joined to
 * feedback), so any member of the group may take any customer's events.
 */
export function performanceTrackerConsumer(job: PerformanceSnapshotJob, topics: Topics): Subscription {
  return {
    group: PERFORMANCE_TRACKER_GROUP,
    topics: [topics.feedback],
    maxBatch: 1000,
    maxWaitMs: 1000,
    async handler(batch) {
      if (batch.some((e) => e.type === EVENT_TYPES.feedbackReceived)) job.requestRun();
    },
  };
}
