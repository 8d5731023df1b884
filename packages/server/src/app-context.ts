import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import type { Metrics } from './plugins/metrics.js';
import type { ModelRegistry } from './registry/index.js';
import type { PredictionLog, Scorer } from './scoring/index.js';

/** The services route handlers depend on, built once at start-up. */
export interface AppContext {
  readonly config: Config;
  readonly db: Database;
  readonly registry: ModelRegistry;
  readonly metrics: Metrics;
  readonly predictionLog: PredictionLog;
  /** The champion's scorer; null until a model is registered. */
  scorer: Scorer | null;
  readonly log: Logger;
}
