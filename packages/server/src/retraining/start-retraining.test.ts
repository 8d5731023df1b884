import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { ChurnError } from '../errors/index.js';
import { DEFAULT_GATES } from './gates.js';
import { driftPayloadProblem, retrainingSettings } from './start-retraining.js';

describe('retraining configuration', () => {
  it('is on by default with conservative thresholds', () => {
    const s = retrainingSettings(loadConfig({}));
    expect(s.policy).toEqual({
      enabled: true,
      minDriftImportance: 0.25,
      aucBelow: 0.6,
      cooldownSeconds: 86_400,
    });
    expect(s.gates).toEqual({ ...DEFAULT_GATES, stepSeconds: 300, stepMaxSeconds: 21_600, minRequests: 200 });
    expect(s.pollMs).toBe(1000);
  });

  it('reads every CHURN_RETRAIN_* variable', () => {
    const s = retrainingSettings(
      loadConfig({
        CHURN_RETRAINING: 'off',
        CHURN_RETRAIN_AUC_BELOW: 'off',
        CHURN_RETRAIN_MIN_DRIFT_IMPORTANCE: '0.5',
        CHURN_RETRAIN_COOLDOWN_SECONDS: '60',
        CHURN_RETRAIN_STEP_SECONDS: '0',
        CHURN_RETRAIN_STEP_MAX_SECONDS: '30',
        CHURN_RETRAIN_MIN_REQUESTS: '25',
        CHURN_RETRAIN_LATENCY_BUDGET_MS: '5',
      }),
    );
    expect(s.policy).toEqual({
      enabled: false,
      minDriftImportance: 0.5,
      aucBelow: undefined,
      cooldownSeconds: 60,
    });
    expect(s.gates).toMatchObject({
      stepSeconds: 0,
      stepMaxSeconds: 30,
      minRequests: 25,
      latencyBudgetMs: 5,
    });
    expect(s.pollMs).toBe(50);
  });

  it('reports every bad variable at once', () => {
    const err = (() => {
      try {
        loadConfig({
          CHURN_RETRAINING: 'maybe',
          CHURN_RETRAIN_AUC_BELOW: '1.5',
          CHURN_RETRAIN_MIN_DRIFT_IMPORTANCE: '0',
          CHURN_RETRAIN_MIN_REQUESTS: '0',
        });
      } catch (e) {
        return e as ChurnError;
      }
      throw new Error('loadConfig accepted bad values');
    })();
    expect(err.code).toBe('CHURN_ERR_CONFIG');
    expect(err.details.map((d) => d.path).sort()).toEqual([
      'CHURN_RETRAINING',
      'CHURN_RETRAIN_AUC_BELOW',
      'CHURN_RETRAIN_MIN_DRIFT_IMPORTANCE',
      'CHURN_RETRAIN_MIN_REQUESTS',
    ]);
  });
});

describe('drift.alert payload check', () => {
  const ok = {
    model_version: 2,
    severity: 'high',
    drifted_features: [{ name: 'total_orders', importance: 0.3 }],
  };
  it('accepts the drift monitor payload', () => {
    expect(driftPayloadProblem(ok)).toBeNull();
  });
  it.each([
    [{ ...ok, model_version: '2' }, '/payload/model_version: must be an integer'],
    [{ ...ok, severity: 'critical' }, '/payload/severity: must be low, medium or high'],
    [{ ...ok, drifted_features: 'all' }, '/payload/drifted_features: must be an array'],
    [{ ...ok, drifted_features: [{ importance: 1 }] }, '/payload/drifted_features/0/name: must be a string'],
  ])('refuses %j', (payload, problem) => {
    expect(driftPayloadProblem(payload)).toBe(problem);
  });
});
