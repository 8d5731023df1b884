/**
 * Closed-loop retraining: a policy decides when (drift on important features, low AUC, an
 * admin), an orchestrator trains a challenger, gates it on a holdout and rolls it out shadow →
 * canary 10 % → canary 50 % → promote, rolling back by itself when a gate fails.
 */
export {
  type ArmObservation,
  canaryGate,
  DEFAULT_GATES,
  type GateResult,
  type GateSettings,
  holdoutGate,
  observation,
  type ShadowObservation,
  shadowGate,
} from './gates.js';
export {
  type RetrainingDeps,
  RetrainingOrchestrator,
  type RetrainingSettings,
  stepNumber,
} from './orchestrator.js';
export {
  type DriftAlertPayload,
  decide,
  type PolicyDecision,
  type PolicySettings,
  type PolicyState,
  type RetrainingTrigger,
} from './policy.js';
export {
  RETRAINING_ACTOR,
  type RetrainingRun,
  RetrainingRunStore,
  RUN_STATUSES,
  RUN_STEPS,
  type RunStatus,
  type RunStep,
} from './run-store.js';
export {
  driftPayloadProblem,
  RETRAINING_CONSUMER,
  retrainingSettings,
  startRetraining,
} from './start-retraining.js';
export { DEFAULT_TRAINING_DATA, prepareTrainingData, type TrainingDataSettings } from './training-data.js';
