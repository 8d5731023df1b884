import type { RiskLevel } from '@churn/ml';
import type { FeatureValues } from '../scoring/index.js';
import type { ProbabilityScorer } from './probability-scorer.js';
import type { ShadowStats } from './shadow-stats.js';

interface ShadowJob {
  readonly scorer: ProbabilityScorer;
  readonly stats: ShadowStats;
  readonly features: FeatureValues;
  readonly probability: number;
  readonly riskLevel: RiskLevel;
}

/**
 * Shadow scoring off the response path: requests are queued and scored a few at a time in
 * `setImmediate` callbacks, after the responses already on their way. A full queue drops the job
 * (counted) rather than slowing the answer down.
 */
export class ShadowQueue {
  private jobs: ShadowJob[] = [];
  private head = 0;
  private scheduled = false;
  /** Jobs dropped because the queue was full. */
  dropped = 0;
  /** Jobs whose shadow scoring threw (the served answer is never affected). */
  failed = 0;

  constructor(
    private readonly capacity = 10_000,
    private readonly perTick = 16,
    private readonly onDrop: () => void = () => {},
  ) {}

  get size(): number {
    return this.jobs.length - this.head;
  }

  /** Queue a comparison; false when it was dropped. */
  enqueue(
    scorer: ProbabilityScorer,
    stats: ShadowStats,
    features: FeatureValues,
    probability: number,
    riskLevel: RiskLevel,
  ): boolean {
    if (this.size >= this.capacity) {
      this.dropped++;
      this.onDrop();
      return false;
    }
    this.jobs.push({ scorer, stats, features, probability, riskLevel });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
    return true;
  }

  /** Score everything queued now (tests, shutdown). */
  drainAll(): void {
    while (this.size > 0) this.step(this.size);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    this.step(this.perTick);
    if (this.size > 0) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  private step(count: number): void {
    const end = Math.min(this.jobs.length, this.head + count);
    for (; this.head < end; this.head++) {
      const job = this.jobs[this.head];
      try {
        const p = job.scorer.probability(job.features);
        job.stats.add(job.probability, job.riskLevel, p, job.scorer.riskLevel(p));
      } catch {
        this.failed++;
      }
    }
    if (this.head === this.jobs.length) {
      this.jobs = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
  }
}
