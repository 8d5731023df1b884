import { riskLevel } from '@churn/ml';
import { describe, expect, it } from 'vitest';
import { fnv1a } from './hash.js';
import { ShadowStats } from './shadow-stats.js';

/** Two-pass Pearson correlation, the textbook way. */
function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('ShadowStats', () => {
  it('streams the same agreement, correlation and mean absolute difference as a two-pass computation', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const x: number[] = [];
    const y: number[] = [];
    const stats = new ShadowStats(1, 2);
    for (let i = 0; i < 5000; i++) {
      const a = rand();
      const b = Math.min(1, Math.max(0, a + (rand() - 0.5) * 0.3));
      x.push(a);
      y.push(b);
      stats.add(a, riskLevel(a), b, riskLevel(b));
    }
    const s = stats.summary();
    expect(s.count).toBe(5000);
    expect(s.correlation).toBeCloseTo(pearson(x, y), 10);
    expect(s.mean_abs_difference).toBeCloseTo(
      x.reduce((acc, v, i) => acc + Math.abs(v - y[i]), 0) / 5000,
      12,
    );
    const agree = x.filter((v, i) => riskLevel(v) === riskLevel(y[i])).length / 5000;
    expect(s.agreement_rate).toBe(agree);
    expect(agree).toBeGreaterThan(0.5);
    expect(agree).toBeLessThan(1);
  });

  it('reports nothing it cannot know yet', () => {
    const stats = new ShadowStats(3, 4);
    expect(stats.summary()).toEqual({
      champion: 3,
      challenger: 4,
      count: 0,
      agreement_rate: null,
      correlation: null,
      mean_abs_difference: null,
    });
    stats.add(0.2, 'low', 0.9, 'high');
    expect(stats.summary()).toMatchObject({
      count: 1,
      agreement_rate: 0,
      correlation: null,
      mean_abs_difference: 0.7,
    });
  });
});

describe('fnv1a', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j like the reference FNV-1a 32', (text, expected) => {
    expect(fnv1a(text)).toBe(expected);
  });
});
