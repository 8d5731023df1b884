// Event stream benchmark: how many events/s the consumer path sustains (in-process and Kafka, with
// a no-op handler and with the prediction-log writer into PostgreSQL), and the delivery latency
// (publish → handler) at a steady 1,000 events/s.
//
//   eval "$(bash scripts/services.sh env)" && npm run bench:events -- --events 50000
//
// Needs DATABASE_URL and KAFKA_BROKERS (scripts/services.sh). Uses a database and topics of its
// own, removed at the end.
import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import { migrate, openPostgres } from '../../packages/server/dist/db/index.js';
import {
  EVENT_TYPES,
  eventTopics,
  InProcessBus,
  KafkaBus,
  predictionLogWriter,
  predictionScoredEvent,
} from '../../packages/server/dist/events/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('events', 50_000);
const RATE = arg('rate', 1000);
const SECONDS = arg('seconds', 10);
const { DATABASE_URL, KAFKA_BROKERS } = process.env;
if (!DATABASE_URL || !KAFKA_BROKERS) throw new Error('DATABASE_URL and KAFKA_BROKERS must be set');
const brokers = KAFKA_BROKERS.split(',');
const runId = randomUUID().slice(0, 8);
const features = {
  customer_age_days: 900,
  account_age_days: 800,
  total_orders: 12,
  total_revenue: 640.5,
  days_since_last_order: 21,
  order_frequency: 1.2,
  avg_order_value: 53.4,
  website_visits_30d: 9,
  email_open_rate: 0.3,
  cart_abandonment_rate: 0.2,
  product_views_30d: 40,
  support_tickets_total: 2,
  support_tickets_open: 0,
  returns_count: 1,
  refunds_count: 0,
  favorite_category: 'books',
  discount_usage_rate: 0.1,
  premium_product_rate: 0.2,
  payment_method: 'card',
  shipping_method: 'standard',
  failed_payment_count: 0,
};
const prediction = (i) =>
  predictionScoredEvent(
    {
      predictionId: randomUUID(),
      customerId: `cus_${i % 5000}`,
      modelVersion: 1,
      probability: (i % 100) / 100,
      riskLevel: 'low',
      features,
    },
    'bench',
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// A database of our own.
const dbName = `churn_bench_events_${runId}`;
const admin = new pg.Client({ connectionString: DATABASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(DATABASE_URL);
url.pathname = `/${dbName}`;
const db = await openPostgres(url.toString());
await migrate(db);

let prefixN = 0;
const makeBus = (kind) => {
  const topics = eventTopics(`bench-${runId}-${prefixN++}.`);
  return kind === 'kafka'
    ? new KafkaBus({ topics, brokers, clientId: 'bench', db })
    : new InProcessBus({ topics });
};

/** Publish N events as fast as possible; events/s from first publish until all are handled. */
async function throughput(kind, handlerKind) {
  const bus = makeBus(kind);
  let handled = 0;
  const sub =
    handlerKind === 'writer'
      ? predictionLogWriter(db, bus.topics)
      : { group: 'noop', topics: [bus.topics.predictions], handler: async () => {} };
  const inner = sub.handler;
  const h = bus.subscribe({
    ...sub,
    group: `${sub.group}-${runId}`,
    handler: async (batch) => {
      const r = await inner(batch);
      handled += batch.length;
      return r;
    },
  });
  await h.ready;
  const events = Array.from({ length: N }, (_, i) => prediction(i));
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    bus.publish(bus.topics.predictions, events[i]);
    // Yield now and then, as a server between requests would.
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  const published = performance.now() - t0;
  await until(() => handled >= N, 300_000);
  const total = performance.now() - t0;
  await h.close();
  await bus.close();
  return {
    kind,
    handler: handlerKind,
    events: N,
    publishMs: Math.round(published),
    totalMs: Math.round(total),
    eventsPerSecond: Math.round(N / (total / 1000)),
  };
}

/** Publish at a steady rate; latency from occurred_at to the handler. */
async function latency(kind) {
  const bus = makeBus(kind);
  const lat = [];
  const h = bus.subscribe({
    group: `lat-${runId}`,
    topics: [bus.topics.predictions],
    handler: async (batch) => {
      const now = Date.now();
      for (const e of batch)
        if (e.type === EVENT_TYPES.predictionScored) lat.push(now - Date.parse(e.occurred_at));
    },
  });
  await h.ready;
  const total = RATE * SECONDS;
  const t0 = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * RATE));
    while (sent < due) bus.publish(bus.topics.predictions, prediction(sent++));
    await sleep(2);
  }
  await until(() => lat.length >= total, 60_000);
  await h.close();
  await bus.close();
  lat.sort((a, b) => a - b);
  return {
    kind,
    ratePerSecond: RATE,
    events: total,
    p50Ms: pct(lat, 50),
    p95Ms: pct(lat, 95),
    p99Ms: pct(lat, 99),
    maxMs: lat[lat.length - 1],
  };
}

const results = { throughput: [], latency: [] };
try {
  for (const kind of ['in-process', 'kafka']) {
    for (const handler of ['noop', 'writer']) {
      const r = await throughput(kind, handler);
      console.log(JSON.stringify(r));
      results.throughput.push(r);
    }
    const l = await latency(kind);
    console.log(JSON.stringify(l));
    results.latency.push(l);
  }
} finally {
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  const kafkaAdmin = new Admin({ clientId: 'bench-cleanup', bootstrapBrokers: brokers });
  const topics = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(`bench-${runId}`));
  if (topics.length) await kafkaAdmin.deleteTopics({ topics });
  await kafkaAdmin.close();
}
