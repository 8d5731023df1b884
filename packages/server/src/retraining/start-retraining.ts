import type { Config } from '../config/index.js';
import { EVENT_TYPES, type EventEnvelope, type EventService, type HandlerResult } from '../events/index.js';
import type { PerformanceMonitoring } from '../monitoring/index.js';
import { DEFAULT_GATES } from './gates.js';
import { type RetrainingDeps, RetrainingOrchestrator, type RetrainingSettings } from './orchestrator.js';
import type { DriftAlertPayload } from './policy.js';
import { DEFAULT_TRAINING_DATA } from './training-data.js';

/** The consumer group (and CHURN_EVENT_CONSUMERS name) that feeds drift alerts to the policy. */
export const RETRAINING_CONSUMER = 'retraining';

/** The orchestrator's settings from the configuration (conservative defaults). */
export function retrainingSettings(config: Config): RetrainingSettings {
  const gates = {
    ...DEFAULT_GATES,
    stepSeconds: config.retrainStepSeconds,
    stepMaxSeconds: Math.max(config.retrainStepMaxSeconds, config.retrainStepSeconds),
    minRequests: config.retrainMinRequests,
    latencyBudgetMs: config.retrainLatencyBudgetMs,
  };
  return {
    policy: {
      enabled: config.retraining,
      minDriftImportance: config.retrainMinDriftImportance,
      aucBelow: config.retrainAucBelow,
      cooldownSeconds: config.retrainCooldownSeconds,
    },
    gates,
    data: DEFAULT_TRAINING_DATA,
    // Short steps (tests) are checked often; real ones about once a second.
    pollMs: Math.min(1000, Math.max(50, (gates.stepSeconds * 1000) / 10)),
    staleSeconds: 60,
  };
}

/**
 * The orchestrator, started: it fails runs a stopped process left, listens to `drift.alert`
 * events on the drift topic (consumer `retraining`) and to performance snapshots, and hands
 * each to the policy. With CHURN_RETRAINING=off the policy refuses automatic triggers; admins
 * can still start runs.
 */
export function startRetraining(
  deps: RetrainingDeps,
  config: Config,
  events: EventService,
  performance: PerformanceMonitoring,
): RetrainingOrchestrator {
  const orchestrator = new RetrainingOrchestrator(deps, retrainingSettings(config));
  orchestrator.start();
  events.start(RETRAINING_CONSUMER, {
    group: RETRAINING_CONSUMER,
    topics: [events.topics.drift],
    maxBatch: 100,
    async handler(batch: readonly EventEnvelope[]): Promise<HandlerResult> {
      const rejected: { event: EventEnvelope; reason: string }[] = [];
      for (const e of batch) {
        if (e.type !== EVENT_TYPES.driftAlert) continue; // alert.* events share the topic
        const problem = driftPayloadProblem(e.payload);
        if (problem) {
          rejected.push({ event: e, reason: problem });
          continue;
        }
        await orchestrator.consider({ kind: 'drift', alert: e.payload as unknown as DriftAlertPayload });
      }
      return { rejected };
    },
  });
  performance.job.onSnapshot(async (reports) => {
    if (config.retrainAucBelow === undefined) return;
    for (const r of reports) {
      const run = await orchestrator.consider({
        kind: 'performance',
        model_version: r.model_version,
        window: r.window,
        realized_auc: r.realized.roc_auc,
        estimated_auc: r.estimated.roc_auc,
      });
      if (run) return;
    }
  });
  return orchestrator;
}

/** Why a drift alert's payload cannot be judged, or null. */
export function driftPayloadProblem(p: Record<string, unknown>): string | null {
  if (!Number.isInteger(p.model_version)) return '/payload/model_version: must be an integer';
  if (!['low', 'medium', 'high'].includes(p.severity as string))
    return '/payload/severity: must be low, medium or high';
  if (!Array.isArray(p.drifted_features)) return '/payload/drifted_features: must be an array';
  for (const [i, f] of (p.drifted_features as unknown[]).entries()) {
    if (typeof f !== 'object' || f === null || typeof (f as { name?: unknown }).name !== 'string')
      return `/payload/drifted_features/${i}/name: must be a string`;
  }
  return null;
}
