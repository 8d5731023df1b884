import { resolve } from 'node:path';
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
  /** Bootstrap admin API key (CHURN_BOOTSTRAP_ADMIN_KEY). */
  readonly bootstrapAdminKey?: string;
  /** Simulated customer traffic for the demo (CHURN_DEMO_TRAFFIC=on|off). */
  readonly demoTraffic: boolean;
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
  const adminKey = text('CHURN_BOOTSTRAP_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 16) {
    problems.push('CHURN_BOOTSTRAP_ADMIN_KEY: must be at least 16 characters');
  }

  const config: Config = {
    port: int('PORT', 8080, 0, 65535),
    host: text('HOST') ?? '127.0.0.1',
    dataDir: resolve(text('CHURN_DATA_DIR') ?? '.churn'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    kafkaBrokers,
    bootstrapAdminKey: adminKey,
    demoTraffic: oneOf('CHURN_DEMO_TRAFFIC', ['on', 'off'], 'on') === 'on',
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
