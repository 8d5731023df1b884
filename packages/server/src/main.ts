import { pino } from 'pino';
import { buildApp } from './app.js';
import { closeAppContext, createAppContext } from './app-context.js';
import { bootstrapAdminKey } from './auth/index.js';
import { bootstrapModels, bootstrapRouting } from './bootstrap.js';
import { loadConfig } from './config/index.js';
import { openDatabase } from './db/index.js';
import { startDemoTraffic } from './demo/index.js';
import { ChurnError } from './errors/index.js';
import { ModelRegistry } from './registry/index.js';

/**
 * `npm start`: the platform on the configured stores (embedded PGlite by default). On first start
 * it trains and registers v1 and v2, then serves the API.
 */
async function start(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel });
  const t0 = performance.now();
  const db = await openDatabase(config);
  await bootstrapModels(new ModelRegistry(db), log);
  await bootstrapRouting(db, log);
  const ctx = await createAppContext({ config, db, log });
  // The configured admin key, or a generated one printed once when no admin key exists.
  await bootstrapAdminKey(ctx.apiKeys, config.bootstrapAdminKey, log);
  const app = await buildApp(ctx);
  await app.listen({ port: config.port, host: config.host });
  log.info(
    {
      url: `http://${config.host}:${config.port}`,
      docs: '/docs',
      database: db.kind,
      events: ctx.events.bus.kind,
      consumers: ctx.events.consumers,
      seconds: (performance.now() - t0) / 1000,
    },
    'churn platform ready',
  );
  // Loading (and on first start, training and registering) the models leaves about 100 MB of
  // garbage on this heap, and V8 sizes the heap's next growth from it. One full collection now,
  // when node runs with --expose-gc (scripts/start.sh, i.e. `npm start`, does), keeps the serving
  // heap near what is live (measured in bench:api).
  (globalThis as { gc?: () => void }).gc?.();
  // Simulated customers and outcomes, unless CHURN_DEMO_TRAFFIC=off.
  const demo = startDemoTraffic({ app, ctx });
  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await demo?.stop();
    await app.close();
    await closeAppContext(ctx);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

start().catch((err: unknown) => {
  if (err instanceof ChurnError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
