export { BlueGreenStrategy } from './blue-green.js';
export { CanaryStrategy } from './canary.js';
export { startRouting } from './create-routing.js';
export { canaryBucket, fnv1a } from './hash.js';
export { type HealthCheckResult, healthCheck, probeRows } from './health-check.js';
export { InProcessNotifier } from './in-process-notifier.js';
export type { ChangeNotifier } from './notifier.js';
export { PostgresNotifier } from './postgres-notifier.js';
export { ProbabilityScorer } from './probability-scorer.js';
export {
  type ChangeContext,
  RoutingService,
  type RoutingServiceOptions,
  type RoutingSnapshot,
} from './routing-service.js';
export { type RoutingHistoryEntry, RoutingStore } from './routing-store.js';
export { ShadowStrategy } from './shadow.js';
export { ShadowQueue } from './shadow-queue.js';
export { ShadowStats, type ShadowSummary } from './shadow-stats.js';
export { SingleStrategy } from './single.js';
export {
  candidateVersion,
  type RoutingRequest,
  type RoutingSpec,
  type RoutingState,
  resolveSpec,
  STRATEGY_KINDS,
  type StrategyKind,
  servingVersion,
  specVersions,
} from './spec.js';
export { buildStrategy } from './strategies.js';
export type { RoutingStrategy } from './strategy.js';
