import { type Logger, pino } from 'pino';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import { Metrics } from './plugins/metrics.js';
import { ModelRegistry } from './registry/index.js';
import { PredictionLog, Scorer } from './scoring/index.js';

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

export interface ContextOptions {
  readonly config: Config;
  /** An open, migrated database. */
  readonly db: Database;
  readonly log?: Logger;
}

/**
 * Build the application context on an open database: the one place that wires the platform's
 * services together, used by `npm start` and by the tests alike.
 */
export async function createAppContext(options: ContextOptions): Promise<AppContext> {
  const { config, db } = options;
  const log = options.log ?? pino({ level: 'silent' });
  const registry = new ModelRegistry(db);
  const champion = (await registry.aliases()).champion;
  return {
    config,
    db,
    registry,
    metrics: new Metrics(),
    predictionLog: new PredictionLog(db, (err) => log.error({ err }, 'prediction log write failed')),
    scorer: champion ? new Scorer(await registry.load(champion), champion) : null,
    log,
  };
}

/** Release what the context holds (pending writes first), then the database. */
export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.predictionLog.flush();
  await ctx.db.close();
}
