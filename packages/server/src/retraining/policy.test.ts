import { describe, expect, it } from 'vitest';
import { type DriftAlertPayload, decide, type PolicySettings, type PolicyState } from './policy.js';

const settings: PolicySettings = {
  enabled: true,
  minDriftImportance: 0.25,
  aucBelow: 0.7,
  cooldownSeconds: 3600,
};
const now = new Date('2026-11-26T12:00:00Z');
const idle: PolicyState = { running: false, lastAutomaticStart: null, champion: 3 };
const alert = (over: Partial<DriftAlertPayload> = {}): DriftAlertPayload => ({
  model_version: 3,
  severity: 'high',
  drifted_features: [
    { name: 'days_since_last_order', p_adjusted: 1e-9, effect: 0.4, importance: 0.2 },
    { name: 'order_frequency', p_adjusted: 1e-6, effect: 0.3, importance: 0.15 },
  ],
  ...over,
});
const drift = (over: Partial<DriftAlertPayload> = {}) => ({ kind: 'drift' as const, alert: alert(over) });
const perf = (realized: number | null, estimated: number | null, version = 3) => ({
  kind: 'performance' as const,
  model_version: version,
  window: '24h',
  realized_auc: realized,
  estimated_auc: estimated,
});
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('retraining policy', () => {
  it('starts on a high drift whose features carry enough importance, naming them', () => {
    const d = decide(drift(), idle, settings, now);
    expect(d.start).toBe(true);
    expect(d.reason).toBe('high drift on days_since_last_order, order_frequency (importance 0.35)');
  });

  it.each([
    ['medium severity', drift({ severity: 'medium' }), /severity medium is below high/],
    ['low severity', drift({ severity: 'low' }), /severity low is below high/],
    [
      'unimportant drifted features',
      drift({ drifted_features: [{ name: 'email_open_rate', importance: 0.1 }] }),
      /importance 0.1 < 0.25/,
    ],
    ['features without importance', drift({ drifted_features: [{ name: 'x' }] }), /importance 0 < 0.25/],
    ['another version than the champion', drift({ model_version: 2 }), /v2 is not the serving champion/],
  ])('does not start on %s', (_name, trigger, reason) => {
    const d = decide(trigger, idle, settings, now);
    expect(d.start).toBe(false);
    expect(d.reason).toMatch(reason);
  });

  it.each([
    [0.65, null, true, /realized AUC 0.65 of v3 \(24h\) < 0.7/],
    [null, 0.69, true, /estimated AUC 0.69/],
    [0.8, 0.66, true, /estimated AUC 0.66/],
    [0.7, 0.75, false, /not below 0.7/],
    [null, null, false, /not below 0.7/],
  ])('AUC realized %s / estimated %s → start %s', (realized, estimated, start, reason) => {
    const d = decide(perf(realized, estimated), idle, settings, now);
    expect(d.start).toBe(start);
    expect(d.reason).toMatch(reason);
  });

  it('never starts on AUC without a threshold', () => {
    const d = decide(perf(0.5, 0.5), idle, { ...settings, aucBelow: undefined }, now);
    expect(d).toEqual({ start: false, reason: 'no AUC threshold set (CHURN_RETRAIN_AUC_BELOW)' });
  });

  it('waits out the cooldown after an automatic run, then starts again', () => {
    const inCooldown = decide(drift(), { ...idle, lastAutomaticStart: ago(3000) }, settings, now);
    expect(inCooldown).toEqual({ start: false, reason: 'in cooldown for 600 more seconds' });
    expect(decide(perf(0.5, 0.5), { ...idle, lastAutomaticStart: ago(3599) }, settings, now).start).toBe(
      false,
    );
    expect(decide(drift(), { ...idle, lastAutomaticStart: ago(3600) }, settings, now).start).toBe(true);
  });

  it('runs one at a time, whatever the trigger, manual included', () => {
    const running = { ...idle, running: true };
    for (const t of [drift(), perf(0.1, 0.1), { kind: 'manual' as const, actor: 'ops', reason: 'now' }]) {
      expect(decide(t, running, settings, now)).toEqual({
        start: false,
        reason: 'a retraining run is already in progress',
      });
    }
  });

  it('lets an admin start a run in the cooldown and with retraining off', () => {
    const manual = { kind: 'manual' as const, actor: 'key:abc (ops)', reason: 'new season' };
    const state = { ...idle, lastAutomaticStart: ago(10) };
    expect(decide(manual, state, { ...settings, enabled: false }, now)).toEqual({
      start: true,
      reason: 'started by key:abc (ops): new season',
    });
  });

  it('ignores automatic triggers when retraining is off', () => {
    const off = { ...settings, enabled: false };
    expect(decide(drift(), idle, off, now).reason).toMatch(/CHURN_RETRAINING=off/);
    expect(decide(perf(0.1, 0.1), idle, off, now).start).toBe(false);
  });
});
