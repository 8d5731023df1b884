// `npm run bench:monitor`: the drift and outlier monitors against the targets.
//
//   (a) the drift check alone is bench:drift's (bench/drift/run.mjs); here, once per model version,
//       preparing the drift reference;
//   (b) throughput: 50,000 `prediction.scored` events through the bus to the drift and outlier
//       monitors (the consumers `createAppContext` starts), events/s handled by both (≥ 5,000/s);
//       in-process always, through Kafka too when KAFKA_BROKERS and DATABASE_URL are set;
//   (c) latency at a steady 1,000 events/s: publish → the monitor's handler done, p50 / p99 (≤ 1 s).
//
//   node bench/monitor/run.mjs [--events N] [--rate R] [--seconds S] [--no-kafka]
//
// Output: a table on stdout and bench/results/monitor.md, with the load average (`uptime`).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '../../packages/ml/dist/index.js';
import { closeAppContext, createAppContext } from '../../packages/server/dist/app-context.js';
import { loadConfig } from '../../packages/server/dist/config/index.js';
import { migrate, openPglite, openPostgres } from '../../packages/server/dist/db/index.js';
import { predictionScoredEvent } from '../../packages/server/dist/events/index.js';
import { monitoredModel } from '../../packages/server/dist/monitors/index.js';
import { ModelRegistry } from '../../packages/server/dist/registry/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    'no-kafka': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench/results') },
  },
});
const N = Number(args.events);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const log = (m) => process.stderr.write(`[bench:monitor] ${m}\n`);
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const f1 = (x) => x.toFixed(1);
const loadBefore = uptime();
log(loadBefore);

// The model the monitors watch: gradient boosting, 100 rounds, on 10,000 customers.
log('training the monitored model (gradient boosting, 100 rounds, 10,000 rows)…');
const model = await trainModel(generateCustomers({ rows: 10_000, seed: 1 }), CUSTOMER_SCHEMA, {
  algorithm: 'gradient-boosting',
  boosting: { nRounds: 100 },
});
let t0 = performance.now();
const prepared = monitoredModel(1, model);
const prepareMs = performance.now() - t0;
log(
  `per-version preparation (prepare the drift reference): ${f1(prepareMs)} ms (${prepared.importanceSource})`,
);
const traffic = datasetRows(generateCustomers({ rows: 20_000, seed: 77 }));

const prediction = (i) =>
  predictionScoredEvent(
    {
      predictionId: randomUUID(),
      customerId: `cus_${i % 5000}`,
      modelVersion: 1,
      probability: 0.3,
      riskLevel: 'low',
      features: traffic[i % traffic.length],
    },
    'bench',
  );

/** A context running only the two monitors, on `db`, with the given extra environment. */
async function monitorContext(db, env) {
  await migrate(db);
  const registry = new ModelRegistry(db);
  const version = await registry.register(model);
  if (version !== 1) throw new Error('expected a fresh database');
  const ctx = await createAppContext({
    db,
    config: loadConfig({
      CHURN_DEMO_TRAFFIC: 'off',
      CHURN_PERFORMANCE_SNAPSHOT_SECONDS: '0',
      CHURN_EVENT_CONSUMERS: 'drift-monitor,outlier-monitor',
      ...env,
    }),
  });
  await ctx.events.ready();
  // Record when each event's handler finished, per group, from the bus hooks.
  const hooks = ctx.metrics.events;
  const done = { 'drift-monitor': 0, 'outlier-monitor': 0 };
  const sentAt = new Map();
  const latencies = [];
  const consumed = hooks.consumed.bind(hooks);
  hooks.consumed = (group, events) => {
    consumed(group, events);
    if (!(group in done)) return;
    done[group] += events.length;
    if (group !== 'drift-monitor') return;
    const now = performance.now();
    for (const e of events) {
      const at = sentAt.get(e.id);
      if (at !== undefined) latencies.push(now - at);
    }
  };
  const both = () => Math.min(done['drift-monitor'], done['outlier-monitor']);
  return { ctx, done, both, sentAt, latencies };
}

async function until(cond, ms) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(2);
  }
}

/** Publish at a steady `rate` (rate/100 events every 10 ms) for SECONDS; latency of each event. */
async function steadyRate(m, rate) {
  const { ctx } = m;
  const perTick = Math.max(1, Math.round(rate / 100));
  const ticks = Math.round((SECONDS * rate) / perTick);
  m.latencies.length = 0;
  m.sentAt.clear();
  const base = m.both();
  const begin = performance.now();
  for (let k = 0; k < ticks; k++) {
    for (let j = 0; j < perTick; j++) {
      const e = prediction(k * perTick + j);
      m.sentAt.set(e.id, performance.now());
      ctx.events.bus.publish(ctx.events.topics.predictions, e);
    }
    const next = begin + (k + 1) * 10;
    await sleep(Math.max(0, next - performance.now()));
  }
  const publishSeconds = (performance.now() - begin) / 1000;
  await until(() => m.both() >= base + ticks * perTick, 300_000);
  const drainSeconds = (performance.now() - begin) / 1000;
  const r = {
    rate,
    sent: ticks * perTick,
    publishSeconds,
    drainSeconds,
    p50: q(m.latencies, 0.5),
    p99: q(m.latencies, 0.99),
    max: q(m.latencies, 1),
  };
  log(
    `  ${rate}/s: p50 ${f1(r.p50)} ms, p99 ${f1(r.p99)} ms, max ${f1(r.max)} ms; all handled after ${drainSeconds.toFixed(2)} s (published over ${publishSeconds.toFixed(2)} s)`,
  );
  return r;
}

async function runBus(kind, db, env) {
  const m = await monitorContext(db, env);
  const { ctx } = m;
  const publish = (i) => ctx.events.bus.publish(ctx.events.topics.predictions, prediction(i));
  // Warm-up: the first event of a version loads and prepares the model.
  for (let i = 0; i < 2000; i++) publish(i);
  await until(() => m.both() >= 2000, 120_000);
  const start = m.both();
  log(`${kind}: ${N} events…`);
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    publish(i);
    if (i % 1000 === 999) await sleep(0); // let the consumers run, as between requests
  }
  await until(() => m.both() >= start + N, 600_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process per event: publishing, the bus, both monitors (and the Kafka client).
  const cpuUsPerEvent = (cpu.user + cpu.system) / N;
  const throughput = N / seconds;
  log(`${kind}: ${Math.round(throughput)} events/s, ${cpuUsPerEvent.toFixed(0)} µs CPU per event`);
  const steady = [];
  for (const rate of [RATE, 5000]) steady.push(await steadyRate(m, rate));
  const [{ n: reports }] = await ctx.db.query('SELECT count(*)::int AS n FROM drift_reports');
  const [{ n: outliers }] = await ctx.db.query('SELECT count(*)::int AS n FROM outliers');
  const result = { kind, throughput, seconds, cpuUsPerEvent, steady, reports, outliers };
  log(`${kind}: ${reports} reports, ${outliers} outliers`);
  await closeAppContext(ctx);
  return result;
}

const buses = [await runBus('in-process (PGlite)', await openPglite(), {})];

const { DATABASE_URL, KAFKA_BROKERS } = process.env;
if (KAFKA_BROKERS && DATABASE_URL && !args['no-kafka']) {
  const pg = (await import('pg')).default;
  const { Admin } = await import('@platformatic/kafka');
  const id = randomUUID().slice(0, 8);
  const name = `churn_bench_monitor_${id}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const prefix = `bench-monitor-${id}.`;
  try {
    buses.push(
      await runBus('Kafka (PostgreSQL)', await openPostgres(url.toString()), {
        KAFKA_BROKERS,
        CHURN_KAFKA_TOPIC_PREFIX: prefix,
        DATABASE_URL: url.toString(),
      }),
    );
  } finally {
    await admin
      .query(`DROP DATABASE IF EXISTS ${name}`)
      .catch((e) => log(`could not drop ${name}: ${e.message}`));
    await admin.end();
    const k = new Admin({ clientId: 'bench-monitor-cleanup', bootstrapBrokers: KAFKA_BROKERS.split(',') });
    const topics = (await k.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await k.deleteTopics({ topics });
    await k.close();
  }
}

const loadAfter = uptime();
const lines = [
  '# Monitor benchmark',
  '',
  `\`npm run bench:monitor\` on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString()}.`,
  '',
  `- Load before: \`${loadBefore}\``,
  `- Load after: \`${loadAfter}\``,
  '',
  '## (a) Per model version',
  '',
  'The drift check itself (21 features, 10,000 reference and 5,000 current rows; target ≤ 10 ms) is measured by `npm run bench:drift` (bench/results/drift.md).',
  '',
  `Per model version, once: preparing the drift reference (\`monitoredModel\`, 5,000 rows) took ${f1(prepareMs)} ms; drift severity weighs features by the model's stored gain importance.`,
  '',
  `## (b) Throughput: ${N.toLocaleString('en')} prediction events to the drift and outlier monitors (target ≥ 5,000/s)`,
  '',
  'Both consumers of one process (`CHURN_EVENT_CONSUMERS=drift-monitor,outlier-monitor`), default windows (5,000 rows, a check every 1,000), after a 2,000-event warm-up. Events/s = events handled by both groups / wall time from the first publish.',
  '',
  'CPU per event is the process CPU time (user + system, all threads) over the events: publishing, the bus, both monitors and, for Kafka, the client; 1e6 / it is the rate one free core would sustain.',
  '',
  '| Bus (database) | Events/s | Wall time | CPU per event | Drift reports stored (whole run) | Outliers stored (whole run) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...buses.map(
    (b) =>
      `| ${b.kind} | ${Math.round(b.throughput).toLocaleString('en')} | ${b.seconds.toFixed(2)} s | ${b.cpuUsPerEvent.toFixed(0)} µs | ${b.reports} | ${b.outliers} |`,
  ),
  '',
  `## (c) Latency at a steady ${RATE.toLocaleString('en')} events/s (target ≤ 1 s), and keeping up with 5,000/s`,
  '',
  `Events published in ticks of rate/100 every 10 ms for ${SECONDS} s; latency from \`publish()\` to the drift monitor’s handler finishing with the event (bus hook), every event measured. "All handled" is when both monitors had handled the last event, from the first publish: close to the publishing time means the monitors kept up.`,
  '',
  '| Bus | Rate | Events | p50 | p99 | max | Published over | All handled after |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...buses.flatMap((b) =>
    b.steady.map(
      (r) =>
        `| ${b.kind} | ${r.rate.toLocaleString('en')}/s | ${r.sent} | ${f1(r.p50)} ms | ${f1(r.p99)} ms | ${f1(r.max)} ms | ${r.publishSeconds.toFixed(2)} s | ${r.drainSeconds.toFixed(2)} s |`,
    ),
  ),
  '',
  ...buses.flatMap((b) =>
    b.steady
      .filter((r) => r.publishSeconds > 1.1 * SECONDS)
      .map(
        (r) =>
          `${b.kind} at ${r.rate.toLocaleString('en')}/s: the publishing loop itself fell behind (${r.publishSeconds.toFixed(2)} s for a ${SECONDS} s schedule, ${Math.round(r.sent / r.publishSeconds).toLocaleString('en')} events/s): this one process publishes, runs the broker client and both consumers; the monitors handled each event within the latencies above of its publishing.\n`,
      ),
  ),
];
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'monitor.md'), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
