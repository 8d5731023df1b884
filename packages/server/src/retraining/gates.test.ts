import { describe, expect, it } from 'vitest';
import {
  canaryGate,
  DEFAULT_GATES,
  type GateSettings,
  holdoutGate,
  observation,
  shadowGate,
} from './gates.js';

const s: GateSettings = { ...DEFAULT_GATES, minRequests: 100, stepSeconds: 60, stepMaxSeconds: 600 };

describe('holdout gate', () => {
  it.each([
    [0.8, 0.8, true],
    [0.8, 0.7951, true],
    [0.8, 0.7949, false],
    [0.8, 0.9, true],
  ])('champion %s, challenger %s → passed %s (margin 0.005)', (championAuc, challengerAuc, passed) => {
    const g = holdoutGate({ rows: 500, championAuc, challengerAuc }, s);
    expect(g.passed).toBe(passed);
    expect(g.observed).toEqual({ rows: 500, champion_auc: championAuc, challenger_auc: challengerAuc });
    expect(g.thresholds).toEqual({ margin: 0.005 });
  });

  it('fails without an AUC (one-class holdout)', () => {
    const g = holdoutGate({ rows: 40, championAuc: null, challengerAuc: null }, s);
    expect([g.passed, g.reason]).toEqual([false, 'no AUC on the holdout (40 rows, both outcomes needed)']);
  });
});

describe('observation of a step', () => {
  it.each([
    [10, 500, 'wait'],
    [60, 99, 'wait'],
    [60, 100, 'judge'],
    [599, 5, 'wait'],
    [600, 5, 'too-little-traffic'],
    [600, 100, 'judge'],
  ])('%s s and %s requests → %s', (elapsedSeconds, requests, verdict) => {
    expect(observation({ elapsedSeconds, requests }, s)).toBe(verdict);
  });
});

describe('shadow gate', () => {
  const ok = {
    comparisons: 150,
    agreement: 0.8,
    correlation: 0.9,
    meanAbsDifference: 0.05,
    errors: 0,
    latencyMs: 0.2,
  };
  it('passes sane, error-free, fast comparisons', () => {
    expect(shadowGate(ok, s).passed).toBe(true);
  });
  it.each([
    ['too few requests', { comparisons: 99 }, /only 99 shadowed requests/],
    ['low agreement', { agreement: 0.4 }, /agreement 0.4 < 0.5/],
    ['no correlation yet', { correlation: null }, /correlation n\/a < 0.5/],
    ['errors', { errors: 2 }, /2 shadow scorings failed/],
    ['slow scoring', { latencyMs: 51 }, /latency 51 ms > budget 50 ms/],
  ])('fails on %s', (_name, over, reason) => {
    const g = shadowGate({ ...ok, ...over }, s);
    expect(g.passed).toBe(false);
    expect(g.reason).toMatch(reason);
  });
});

describe('canary gate', () => {
  const arm = { requests: 120, errors: 0, meanLatencyMs: 3, estimatedAuc: 0.8 };
  it('passes when the challenger is as good within the margin, error-free and fast', () => {
    const g = canaryGate(10, { challenger: { ...arm, estimatedAuc: 0.785 }, champion: arm }, s);
    expect(g.passed).toBe(true);
    expect(g.observed).toMatchObject({
      percent: 10,
      challenger_estimated_auc: 0.785,
      champion_estimated_auc: 0.8,
    });
  });
  it.each([
    ['a worse estimated AUC', { estimatedAuc: 0.77 }, /estimated AUC 0.77 < champion 0.8 - 0.02/],
    ['no estimate', { estimatedAuc: null }, /could not be computed/],
    ['errors', { errors: 1 }, /1 of the challenger's requests failed/],
    ['latency over budget', { meanLatencyMs: 80 }, /latency 80 ms > budget 50 ms/],
    ['too little traffic', { requests: 3 }, /only 3 requests reached the challenger/],
  ])('fails on %s', (_name, over, reason) => {
    const g = canaryGate(50, { challenger: { ...arm, ...over }, champion: arm }, s);
    expect(g.passed).toBe(false);
    expect(g.reason).toMatch(reason);
  });
});
