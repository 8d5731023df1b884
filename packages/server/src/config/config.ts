import { resolve } from 'node:path';
import { API_KEY_FORMAT, API_KEY_PATTERN } from '../auth/api-key.js';
import { ChurnError } from '../errors/index.js';

/** The platform's configuration, read from the environment once and frozen. */
export interface Config {
  /** HTTP port (PORT), default 8080. */
  readonly port: number;
  /** Interface to bind (HOST), default 127.0.0.1. */
  readonly host: string;
  /** Folder for embedded state: PGlite database, artifacts (CHURN_DATA_DIR), default ./.churn. */
  readonly dataDir: string;
  /** PostgreSQL URL; absent → embedded PGlite in dataDir. */
  readonly databaseUrl?: string;
  /** Redis URL; absent → in-memory rate limits and pub/sub. */
  readonly redisUrl?: string;
  /** Kafka bootstrap brokers; absent → in-process event bus. */
  readonly kafkaBrokers?: readonly string[];
  /** Prefix of every event topic (CHURN_KAFKA_TOPIC_PREFIX), default `churn.`. */
  readonly kafkaTopicPrefix: string;
  /** Event consumers this process runs (CHURN_EVENT_CONSUMERS: all, none or a comma list), default all. */
  readonly eventConsumers: 'all' | readonly string[];
  /** Bootstrap admin API key (CHURN_BOOTSTRAP_ADMIN_KEY), of the form ck_<id>_<secret>. */
  readonly bootstrapAdminKey?: string;
  /** Tokens per second refilling each API key's bucket (CHURN_RATE_LIMIT_RPS), default 10000. */
  readonly rateLimitRps: number;
  /** Bucket size per API key (CHURN_RATE_LIMIT_BURST), default twice the rate. */
  readonly rateLimitBurst: number;
  /** Simulated customer traffic for the demo (CHURN_DEMO_TRAFFIC=on|off). */
  readonly demoTraffic: boolean;
  /** Simulated customers per second when demoTraffic is on (CHURN_DEMO_RATE), default 3. */
  readonly demoRate: number;
  /** Largest dataset upload in MB (CHURN_DATASET_MAX_MB), default 50. */
  readonly datasetMaxMb: number;
  /** Safety-net poll of the routing state, in ms (CHURN_ROUTING_POLL_MS), default 2000; 0 = off. */
  readonly routingPollMs: number;
  /** Seconds between performance snapshots (CHURN_PERFORMANCE_SNAPSHOT_SECONDS), default 300; 0 = off. */
  readonly performanceSnapshotSeconds: number;
  /** Raise a performance alert when a realized or estimated AUC is below this (CHURN_ALERT_AUC_BELOW). */
  readonly alertAucBelow?: number;
  /** Where alerts are posted (CHURN_ALERT_WEBHOOK_URL); absent → stored and published only. */
  readonly alertWebhookUrl?: string;
  /** Default alert cooldown in seconds (CHURN_ALERT_COOLDOWN_SECONDS), default 3600. */
  readonly alertCooldownSeconds: number;
  /** Cooldowns by `kind` or `kind:severity` (CHURN_ALERT_COOLDOWNS=drift=1800,performance:high=600). */
  readonly alertCooldowns: Readonly<Record<string, number>>;
  /** Rows in the drift monitor's count window per model version (CHURN_DRIFT_WINDOW_ROWS), default 5000. */
  readonly driftWindowRows: number;
  /** Span of the drift monitor's time window, and the longest gap between checks (CHURN_DRIFT_WINDOW_SECONDS), default 3600. */
  readonly driftWindowSeconds: number;
  /** New rows between two count-window drift checks (CHURN_DRIFT_CHECK_EVERY), default 1000. */
  readonly driftCheckEvery: number;
  /** Outlier share over the last outlierWindowRows predictions that raises an alert (CHURN_OUTLIER_ALERT_RATE), default 0.05. */
  readonly outlierAlertRate: number;
  /** Predictions in the outlier-rate window per model version (CHURN_OUTLIER_WINDOW_ROWS), default 1000. */
  readonly outlierWindowRows: number;
  /** Automatic retraining on drift or low AUC (CHURN_RETRAINING=on|off), default on. */
  readonly retraining: boolean;
  /** Retrain when a realized or estimated AUC is below this (CHURN_RETRAIN_AUC_BELOW, `off` = never), default 0.6. */
  readonly retrainAucBelow?: number;
  /** Seconds between two automatic retraining runs (CHURN_RETRAIN_COOLDOWN_SECONDS), default 86400. */
  readonly retrainCooldownSeconds: number;
  /** Importance the drifted features must carry to retrain (CHURN_RETRAIN_MIN_DRIFT_IMPORTANCE), default 0.25. */
  readonly retrainMinDriftImportance: number;
  /** Least seconds per shadow/canary step (CHURN_RETRAIN_STEP_SECONDS), default 300. */
  readonly retrainStepSeconds: number;
  /** A step without enough traffic fails after this (CHURN_RETRAIN_STEP_MAX_SECONDS), default 21600. */
  readonly retrainStepMaxSeconds: number;
  /** Requests a shadow/canary step needs at the challenger (CHURN_RETRAIN_MIN_REQUESTS), default 200. */
  readonly retrainMinRequests: number;
  /** The challenger's mean latency budget per request, ms (CHURN_RETRAIN_LATENCY_BUDGET_MS), default 50. */
  readonly retrainLatencyBudgetMs: number;
  /** pino log level (LOG_LEVEL). */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Read and validate the configuration. Every bad variable is reported at once, in one error,
 * so that a deployment is fixed in one go.
 *
 * @example
 * const config = loadConfig(process.env); // the only place that reads process.env
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = text(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}: "${v}" is not an integer in [${min}, ${max}]`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol))
        problems.push(`${name}: protocol must be one of ${protocols.join(', ')}`);
    } catch {
      // The value is not echoed: a malformed URL may still carry a password.
      problems.push(`${name}: is not a valid URL`);
    }
    return v;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = text(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      problems.push(`${name}: "${v}" is not one of ${allowed.join(', ')}`);
      return fallback;
    }
    return v as T;
  };

  const brokersText = text('KAFKA_BROKERS');
  const kafkaBrokers = brokersText?.split(',').map((b) => b.trim());
  for (const b of kafkaBrokers ?? []) {
    if (!/^[\w.-]+:\d{1,5}$/.test(b)) problems.push(`KAFKA_BROKERS: "${b}" is not host:port`);
  }
  const topicPrefix = text('CHURN_KAFKA_TOPIC_PREFIX') ?? 'churn.';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(topicPrefix))
    problems.push(
      `CHURN_KAFKA_TOPIC_PREFIX: "${topicPrefix}" may only hold letters, digits, ".", "_" and "-"`,
    );
  const consumersText = text('CHURN_EVENT_CONSUMERS') ?? 'all';
  const eventConsumers: Config['eventConsumers'] =
    consumersText === 'all'
      ? 'all'
      : consumersText === 'none'
        ? []
        : consumersText.split(',').map((c) => c.trim());
  const adminKey = text('CHURN_BOOTSTRAP_ADMIN_KEY');
  // The key itself is never echoed: only what its form must be.
  if (adminKey !== undefined && !API_KEY_PATTERN.test(adminKey)) {
    problems.push(`CHURN_BOOTSTRAP_ADMIN_KEY: must be of the form ${API_KEY_FORMAT}`);
  }
  const rateLimitRps = int('CHURN_RATE_LIMIT_RPS', 10_000, 1, 1_000_000_000);

  const alertCooldowns: Record<string, number> = {};
  for (const item of text('CHURN_ALERT_COOLDOWNS')?.split(',') ?? []) {
    const m = /^\s*([a-z][a-z0-9_.-]*(?::(?:low|medium|high|critical))?)\s*=\s*(\d{1,7})\s*$/.exec(item);
    if (m) alertCooldowns[m[1]] = Number(m[2]);
    else problems.push(`CHURN_ALERT_COOLDOWNS: "${item.trim()}" is not kind[:severity]=seconds`);
  }
  const aucText = text('CHURN_ALERT_AUC_BELOW');
  const alertAucBelow = aucText === undefined ? undefined : Number(aucText);
  if (alertAucBelow !== undefined && !(alertAucBelow > 0 && alertAucBelow < 1))
    problems.push(`CHURN_ALERT_AUC_BELOW: "${aucText}" is not a number between 0 and 1`);
  const outlierRateText = text('CHURN_OUTLIER_ALERT_RATE');
  const outlierAlertRate = outlierRateText === undefined ? 0.05 : Number(outlierRateText);
  if (!(outlierAlertRate > 0 && outlierAlertRate <= 1))
    problems.push(`CHURN_OUTLIER_ALERT_RATE: "${outlierRateText}" is not a number in (0, 1]`);

  const fraction = (name: string, fallback: number | undefined): number | undefined => {
    const v = text(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!(n > 0 && n < 1)) problems.push(`${name}: "${v}" is not a number between 0 and 1`);
    return n > 0 && n < 1 ? n : fallback;
  };
  const retrainAucText = text('CHURN_RETRAIN_AUC_BELOW');

  const config: Config = {
    port: int('PORT', 8080, 0, 65535),
    host: text('HOST') ?? '127.0.0.1',
    dataDir: resolve(text('CHURN_DATA_DIR') ?? '.churn'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    kafkaBrokers,
    kafkaTopicPrefix: topicPrefix,
    eventConsumers,
    bootstrapAdminKey: adminKey,
    rateLimitRps,
    rateLimitBurst: int('CHURN_RATE_LIMIT_BURST', 2 * rateLimitRps, 1, 2_000_000_000),
    demoTraffic: oneOf('CHURN_DEMO_TRAFFIC', ['on', 'off'], 'on') === 'on',
    demoRate: int('CHURN_DEMO_RATE', 3, 1, 1000),
    datasetMaxMb: int('CHURN_DATASET_MAX_MB', 50, 1, 1024),
    routingPollMs: int('CHURN_ROUTING_POLL_MS', 2_000, 0, 3_600_000),
    performanceSnapshotSeconds: int('CHURN_PERFORMANCE_SNAPSHOT_SECONDS', 300, 0, 86_400),
    alertAucBelow,
    alertWebhookUrl: url('CHURN_ALERT_WEBHOOK_URL', ['http:', 'https:']),
    alertCooldownSeconds: int('CHURN_ALERT_COOLDOWN_SECONDS', 3600, 0, 30 * 86_400),
    alertCooldowns,
    driftWindowRows: int('CHURN_DRIFT_WINDOW_ROWS', 5000, 100, 1_000_000),
    driftWindowSeconds: int('CHURN_DRIFT_WINDOW_SECONDS', 3600, 1, 30 * 86_400),
    driftCheckEvery: int('CHURN_DRIFT_CHECK_EVERY', 1000, 10, 1_000_000),
    outlierAlertRate,
    outlierWindowRows: int('CHURN_OUTLIER_WINDOW_ROWS', 1000, 50, 1_000_000),
    retraining: oneOf('CHURN_RETRAINING', ['on', 'off'], 'on') === 'on',
    retrainAucBelow: retrainAucText === 'off' ? undefined : fraction('CHURN_RETRAIN_AUC_BELOW', 0.6),
    retrainCooldownSeconds: int('CHURN_RETRAIN_COOLDOWN_SECONDS', 86_400, 0, 365 * 86_400),
    retrainMinDriftImportance: fraction('CHURN_RETRAIN_MIN_DRIFT_IMPORTANCE', 0.25) ?? 0.25,
    retrainStepSeconds: int('CHURN_RETRAIN_STEP_SECONDS', 300, 0, 7 * 86_400),
    retrainStepMaxSeconds: int('CHURN_RETRAIN_STEP_MAX_SECONDS', 21_600, 1, 30 * 86_400),
    retrainMinRequests: int('CHURN_RETRAIN_MIN_REQUESTS', 200, 1, 10_000_000),
    retrainLatencyBudgetMs: int('CHURN_RETRAIN_LATENCY_BUDGET_MS', 50, 1, 60_000),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
  if (problems.length > 0) {
    throw new ChurnError(
      'CHURN_ERR_CONFIG',
      `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems.map((p) => ({ path: p.slice(0, p.indexOf(':')), message: p.slice(p.indexOf(':') + 2) })),
    );
  }
  return Object.freeze(config);
}
