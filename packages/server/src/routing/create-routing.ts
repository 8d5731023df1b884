import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Metrics } from '../plugins/metrics.js';
import type { ModelRegistry } from '../registry/index.js';
import { InProcessNotifier } from './in-process-notifier.js';
import type { ChangeNotifier } from './notifier.js';
import { PostgresNotifier } from './postgres-notifier.js';
import { RoutingService } from './routing-service.js';

/**
 * The routing service on the configured database, started: LISTEN/NOTIFY between processes on
 * PostgreSQL, in-process notifications on PGlite (one process only opens it).
 */
export async function startRouting(
  config: Config,
  db: Database,
  registry: ModelRegistry,
  metrics: Metrics,
  log: Logger,
): Promise<RoutingService> {
  let notifier: ChangeNotifier = new InProcessNotifier();
  if (db.kind === 'postgres' && config.databaseUrl) {
    const pgNotifier = new PostgresNotifier(db, config.databaseUrl, 'churn_routing', (err) =>
      log.warn({ err }, 'routing notification connection lost: reconnecting'),
    );
    await pgNotifier.start();
    notifier = pgNotifier;
  }
  const routing = new RoutingService({
    db,
    registry,
    notifier,
    metrics,
    log,
    pollMs: config.routingPollMs,
  });
  await routing.start();
  return routing;
}
