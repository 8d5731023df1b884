import { describe, expect, it, vi } from 'vitest';
import type { ProbabilityScorer } from './probability-scorer.js';
import { ShadowQueue } from './shadow-queue.js';
import { ShadowStats } from './shadow-stats.js';

/** A stand-in scorer that counts its calls and answers the feature `p`. */
function fakeScorer(fail = false) {
  const calls: number[] = [];
  const scorer = {
    probability(features: Record<string, number>) {
      calls.push(features.p);
      if (fail) throw new Error('broken shadow model');
      return features.p;
    },
    riskLevel: () => 'low',
  } as unknown as ProbabilityScorer;
  return { scorer, calls };
}

describe('ShadowQueue', () => {
  it('never scores on the caller’s path, then drains in small batches on later ticks', async () => {
    const { scorer, calls } = fakeScorer();
    const stats = new ShadowStats(1, 2);
    const queue = new ShadowQueue(100, 4);
    for (let i = 0; i < 10; i++)
      expect(queue.enqueue(scorer, stats, { p: i / 10 }, i / 10, 'low')).toBe(true);
    expect(calls).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(4);
    await vi.waitFor(() => expect(queue.size).toBe(0));
    expect(calls).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(stats.summary()).toMatchObject({ count: 10, agreement_rate: 1, mean_abs_difference: 0 });
  });

  it('drops (and counts) what does not fit instead of waiting', () => {
    const { scorer } = fakeScorer();
    const stats = new ShadowStats(1, 2);
    const onDrop = vi.fn();
    const queue = new ShadowQueue(3, 16, onDrop);
    const accepted = [0, 1, 2, 3, 4].map((i) => queue.enqueue(scorer, stats, { p: i }, i, 'low'));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect([queue.dropped, onDrop.mock.calls.length, queue.size]).toEqual([2, 2, 3]);
    queue.drainAll();
    expect([queue.size, stats.count]).toEqual([0, 3]);
  });

  it('counts a failing shadow model and keeps going', () => {
    const broken = fakeScorer(true);
    const fine = fakeScorer();
    const stats = new ShadowStats(1, 2);
    const queue = new ShadowQueue();
    queue.enqueue(broken.scorer, stats, { p: 0.5 }, 0.5, 'low');
    queue.enqueue(fine.scorer, stats, { p: 0.5 }, 0.5, 'low');
    queue.drainAll();
    expect([queue.failed, stats.count]).toEqual([1, 1]);
  });
});
