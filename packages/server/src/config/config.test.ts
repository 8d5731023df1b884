import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChurnError } from '../errors/index.js';
import { loadConfig } from './config.js';

/** Run loadConfig and return the ChurnError it throws (fails the test if it does not throw one). */
function configError(env: Record<string, string>): ChurnError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ChurnError);
    return err as ChurnError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('runs embedded on port 8080 when the environment is empty', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(resolve('.churn'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.kafkaBrokers).toBeUndefined();
    expect(config.bootstrapAdminKey).toBeUndefined();
    expect(config.demoTraffic).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('treats empty and blank variables as unset', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '   ',
      DATABASE_URL: '',
      REDIS_URL: ' ',
      KAFKA_BROKERS: '',
      CHURN_BOOTSTRAP_ADMIN_KEY: '',
      CHURN_DEMO_TRAFFIC: '',
      LOG_LEVEL: '',
    });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.kafkaBrokers).toBeUndefined();
    expect(config.bootstrapAdminKey).toBeUndefined();
    expect(config.demoTraffic).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ SOMETHING_ELSE: 'x', PATH: '/usr/bin' })).toEqual(loadConfig({}));
  });
});

describe('loadConfig parsing', () => {
  it('reads PORT, including the bounds 0 and 65535', () => {
    expect(loadConfig({ PORT: '3000' }).port).toBe(3000);
    expect(loadConfig({ PORT: ' 9090 ' }).port).toBe(9090);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('reads HOST, trimmed', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: ' ::1 ' }).host).toBe('::1');
  });

  it('resolves CHURN_DATA_DIR to an absolute path', () => {
    expect(loadConfig({ CHURN_DATA_DIR: '/var/lib/churn' }).dataDir).toBe('/var/lib/churn');
    expect(loadConfig({ CHURN_DATA_DIR: 'state' }).dataDir).toBe(resolve('state'));
  });

  it('reads DATABASE_URL with the postgres: or postgresql: protocol', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/churn' }).databaseUrl).toBe(
      'postgres://u:p@db:5432/churn',
    );
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/churn' }).databaseUrl).toBe(
      'postgresql://localhost/churn',
    );
  });

  it('reads REDIS_URL with the redis: or rediss: protocol', () => {
    expect(loadConfig({ REDIS_URL: 'redis://localhost:6379' }).redisUrl).toBe('redis://localhost:6379');
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380/0' }).redisUrl).toBe('rediss://cache:6380/0');
  });

  it('splits KAFKA_BROKERS on commas and trims each broker', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'localhost:9092' }).kafkaBrokers).toEqual(['localhost:9092']);
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092, k2.internal:9093 ,10.0.0.3:19092' }).kafkaBrokers).toEqual([
      'k1:9092',
      'k2.internal:9093',
      '10.0.0.3:19092',
    ]);
  });

  it('reads CHURN_BOOTSTRAP_ADMIN_KEY of the form ck_<id>_<secret>', () => {
    const key = `ck_admin001_${'k'.repeat(16)}`;
    expect(loadConfig({ CHURN_BOOTSTRAP_ADMIN_KEY: key }).bootstrapAdminKey).toBe(key);
  });

  it('reads the rate limit, the burst defaulting to twice the rate', () => {
    expect(loadConfig({})).toMatchObject({ rateLimitRps: 10_000, rateLimitBurst: 20_000 });
    expect(loadConfig({ CHURN_RATE_LIMIT_RPS: '5' })).toMatchObject({ rateLimitRps: 5, rateLimitBurst: 10 });
    expect(loadConfig({ CHURN_RATE_LIMIT_RPS: '5', CHURN_RATE_LIMIT_BURST: '1' })).toMatchObject({
      rateLimitRps: 5,
      rateLimitBurst: 1,
    });
  });

  it('reads CHURN_DEMO_TRAFFIC on/off', () => {
    expect(loadConfig({ CHURN_DEMO_TRAFFIC: 'on' }).demoTraffic).toBe(true);
    expect(loadConfig({ CHURN_DEMO_TRAFFIC: 'off' }).demoTraffic).toBe(false);
  });

  it('reads the demo rate and the dataset upload limit, refusing bad values', () => {
    expect([loadConfig({}).demoRate, loadConfig({}).datasetMaxMb]).toEqual([3, 50]);
    const c = loadConfig({ CHURN_DEMO_RATE: '20', CHURN_DATASET_MAX_MB: '5' });
    expect([c.demoRate, c.datasetMaxMb]).toEqual([20, 5]);
    const err = configError({ CHURN_DEMO_RATE: '0', CHURN_DATASET_MAX_MB: 'lots' });
    expect(err.details.map((d) => d.path)).toEqual(['CHURN_DEMO_RATE', 'CHURN_DATASET_MAX_MB']);
  });

  it('reads every LOG_LEVEL', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'k1:9092' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(8080);
  });
});

describe('loadConfig errors', () => {
  it('rejects each bad variable with CHURN_ERR_CONFIG naming it', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'abc' }, 'PORT'],
      [{ PORT: '80.5' }, 'PORT'],
      [{ PORT: '-1' }, 'PORT'],
      [{ PORT: '65536' }, 'PORT'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      [{ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL'],
      [{ KAFKA_BROKERS: 'nohost' }, 'KAFKA_BROKERS'],
      [{ KAFKA_BROKERS: 'k1:9092,k2' }, 'KAFKA_BROKERS'],
      [{ CHURN_BOOTSTRAP_ADMIN_KEY: 'short' }, 'CHURN_BOOTSTRAP_ADMIN_KEY'],
      [{ CHURN_BOOTSTRAP_ADMIN_KEY: 'k'.repeat(40) }, 'CHURN_BOOTSTRAP_ADMIN_KEY'],
      [{ CHURN_BOOTSTRAP_ADMIN_KEY: 'ck_UPPER123_0123456789abcdef' }, 'CHURN_BOOTSTRAP_ADMIN_KEY'],
      [{ CHURN_RATE_LIMIT_RPS: '0' }, 'CHURN_RATE_LIMIT_RPS'],
      [{ CHURN_RATE_LIMIT_BURST: 'lots' }, 'CHURN_RATE_LIMIT_BURST'],
      [{ CHURN_DEMO_TRAFFIC: 'yes' }, 'CHURN_DEMO_TRAFFIC'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ];
    for (const [env, name] of cases) {
      const err = configError(env);
      expect(err.code).toBe('CHURN_ERR_CONFIG');
      expect(err.status).toBe(500);
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain(name);
      expect(err.details.map((d) => d.path)).toEqual([name]);
    }
  });

  it('lists every bad variable at once, in the message and in details', () => {
    const err = configError({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      KAFKA_BROKERS: 'nohost',
      LOG_LEVEL: 'loud',
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://localhost:6379',
    });
    expect(err.code).toBe('CHURN_ERR_CONFIG');
    const bad = ['PORT', 'DATABASE_URL', 'KAFKA_BROKERS', 'LOG_LEVEL'];
    for (const name of bad) expect(err.message).toContain(name);
    expect(err.message).toContain('"abc"');
    expect(err.message).toContain('"nohost"');
    expect(err.message).toContain('"loud"');
    // The valid variables are not blamed.
    expect(err.message).not.toContain('HOST:');
    expect(err.message).not.toContain('REDIS_URL');
    expect([...err.details.map((d) => d.path)].sort()).toEqual([...bad].sort());
    for (const d of err.details) expect(d.message.length).toBeGreaterThan(0);
    expect(err.details.find((d) => d.path === 'DATABASE_URL')?.message).toMatch(/postgres/);
    expect(err.details.find((d) => d.path === 'LOG_LEVEL')?.message).toMatch(/not one of/);
  });

  it('names every bad broker of KAFKA_BROKERS', () => {
    const err = configError({ KAFKA_BROKERS: 'a,k1:9092,b:port' });
    expect(err.details).toHaveLength(2);
    expect(err.message).toContain('"a"');
    expect(err.message).toContain('"b:port"');
    expect(err.message).not.toContain('"k1:9092"');
  });
});
