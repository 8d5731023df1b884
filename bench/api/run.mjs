// `npm run bench:api`: the HTTP API under load, measured by Debian's `hey` (fixed rate, latency)
// and `wrk` (saturation) from separate processes on loopback, against one server process
// (`scripts/start.sh`, as `npm start` runs it: the embedded default, PGlite, in-process bus,
// in-memory rate limits; demo traffic off).
//
//   node bench/api/run.mjs [--duration S] [--rate N] [--explain-rate N] [--quick] [--out DIR]
//
//   --duration S      seconds per measured phase (default 20; --quick 5)
//   --rate N          fixed request rate of the prediction phase (default 1000)
//   --explain-rate N  fixed request rate of the explain=true phase (default 200)
//   --out DIR         where api.md / api.json go (default bench/results; --quick bench/.work/quick)
//   --postgres URL    serve from this PostgreSQL database (emptied first) instead of embedded PGlite;
//                     results go to api-postgres.md / api-postgres.json
//
// Phases: start the server on a fresh data dir (first start trains v1/v2 and sets shadow routing),
// warm up, then (1) POST /v1/predictions at a fixed rate with hey, (2) saturation with wrk
// (distinct customer ids per request), (3) POST /v1/predictions?explain=true at a fixed rate with
// hey, (4) the server's resident memory (VmRSS now, VmHWM peak since start) read from /proc;
// then (5) the ceiling: the same wrk load on bench/api/ceiling.mjs, a server that only parses the
// body and answers a reply of the same size, on plain node:http and on Fastify.
// Targets (issue #5): p99 <= 3 ms at 1,000 req/s with zero errors; >= 8,000 req/s at saturation;
// explain=true p99 <= 10 ms at 200 req/s; resident memory <= 300 MB.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { datasetRows, generateCustomers, writeFileAtomic } from '../../packages/ml/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const work = join(root, 'bench/.work/api');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    'explain-rate': { type: 'string', default: '200' },
    quick: { type: 'boolean', default: false },
    postgres: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n\n')[0]
      .replace(/^\/\/ ?/gm, '')}\n`,
  );
  process.exit(0);
}
const int = (name, text, min) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got ${text}\n`);
    process.exit(2);
  }
  return n;
};
const duration = int('duration', args.duration ?? (args.quick ? '5' : '20'), 1);
const rate = int('rate', args.rate, 10);
const explainRate = int('explain-rate', args['explain-rate'], 10);
const outDir = resolve(root, args.out ?? (args.quick ? 'bench/.work/quick' : 'bench/results'));

// --- tools --------------------------------------------------------------------------------------
function ensureTool(name) {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`[bench:api] installing ${name} (Debian package)\n`);
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    execFileSync(
      sudo.length ? 'sudo' : 'apt-get',
      [...(sudo.length ? ['apt-get'] : []), 'install', '-y', name],
      {
        stdio: 'inherit',
      },
    );
  }
}
ensureTool('hey');
ensureTool('wrk');

// --- server -------------------------------------------------------------------------------------
const ADMIN_KEY = `ck_benchapi1_${'a'.repeat(32)}`;
const port = 18000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
if (args.postgres) {
  // A fresh start on that database: first start trains v1/v2 there, as on PGlite.
  const url = new URL(args.postgres);
  const db = url.pathname.slice(1);
  url.pathname = '/postgres';
  execFileSync(
    'psql',
    [url.href, '-qc', `DROP DATABASE IF EXISTS "${db}"`, '-c', `CREATE DATABASE "${db}"`],
    {
      stdio: 'ignore',
    },
  );
}
const storeName = args.postgres ? 'PostgreSQL' : 'embedded PGlite';
const outName = args.postgres ? 'api-postgres' : 'api';

// As `npm start` runs it (scripts/start.sh execs node, so server.pid is the server's).
const server = spawn('bash', [join(root, 'scripts/start.sh')], {
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    CHURN_DATA_DIR: join(work, 'data'),
    ...(args.postgres ? { DATABASE_URL: args.postgres } : {}),
    CHURN_DEMO_TRAFFIC: 'off',
    CHURN_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stdout.on('data', (d) => {
  serverLog += d;
});
server.stderr.on('data', (d) => {
  serverLog += d;
});
const stopServer = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stopServer);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitReady(timeoutMs) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}):\n${serverLog}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return (performance.now() - t0) / 1000;
    } catch {}
    await sleep(200);
  }
  throw new Error(`server not ready in ${timeoutMs / 1000} s:\n${serverLog}`);
}

async function api(method, path, body, key = ADMIN_KEY) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function memory() {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const kb = (field) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

// --- load generators ----------------------------------------------------------------------------
/**
 * hey at a fixed total rate: `-c` workers each limited to `-q` requests per second. hey's workers
 * tick in step, so every tick sends a burst of `-c` requests at once; a few workers at a higher
 * rate each (250/s) keep those bursts small, closer to many independent clients.
 */
function hey(url, bodyFile, key, totalRate, seconds) {
  const workers = Math.max(1, Math.min(50, Math.ceil(totalRate / 250)));
  const perWorker = Math.ceil(totalRate / workers);
  const out = execFileSync(
    'hey',
    [
      '-z',
      `${seconds}s`,
      '-c',
      String(workers),
      '-q',
      String(perWorker),
      '-m',
      'POST',
      '-T',
      'application/json',
      '-D',
      bodyFile,
      '-H',
      `Authorization: Bearer ${key}`,
      url,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const num = (re) => Number(out.match(re)?.[1] ?? Number.NaN);
  const pct = (p) => num(new RegExp(`\\s${p}% in ([\\d.]+) secs`)) * 1000;
  const statuses = {};
  for (const m of out.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)) statuses[m[1]] = Number(m[2]);
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const errorSection = out.split('Error distribution:')[1] ?? '';
  const transportErrors = [...errorSection.matchAll(/\[(\d+)\]/g)].reduce((a, m) => a + Number(m[1]), 0);
  const errors = total - (statuses['200'] ?? 0) + transportErrors;
  return {
    tool: `hey -c ${workers} -q ${perWorker}`,
    requestsPerSecond: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    slowestMs: num(/Slowest:\s+([\d.]+) secs/) * 1000,
    total,
    errors,
    statuses,
  };
}

function wrk(url, scriptFile, seconds, connections = 64, threads = 2) {
  const out = execFileSync(
    'wrk',
    [
      '-t',
      String(threads),
      '-c',
      String(connections),
      '-d',
      `${seconds}s`,
      '--latency',
      '-s',
      scriptFile,
      url,
    ],
    { encoding: 'utf8' },
  );
  const ms = (text) => {
    const m = text?.match(/([\d.]+)(us|ms|s)/);
    if (!m) return Number.NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const non2xx = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const sockErr = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    tool: `wrk -t${threads} -c${connections}`,
    requestsPerSecond: Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN),
    p50Ms: ms(out.match(/\s50%\s+(\S+)/)?.[1]),
    p99Ms: ms(out.match(/\s99%\s+(\S+)/)?.[1]),
    total: Number(out.match(/(\d+) requests in/)?.[1] ?? Number.NaN),
    errors: non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** Start bench/api/ceiling.mjs in `mode`, run `load` against it, stop it. */
async function withCeilingServer(mode, replyFile, load) {
  const ceilingPort = port + 1;
  const child = spawn(process.execPath, [join(here, 'ceiling.mjs'), mode, String(ceilingPort), replyFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((ok, fail) => {
      child.stdout.once('data', ok);
      child.once('exit', (code) => fail(new Error(`ceiling server (${mode}) exited with ${code}`)));
    });
    return load(`http://127.0.0.1:${ceilingPort}/v1/predictions`);
  } finally {
    child.kill('SIGTERM');
  }
}

// --- run ----------------------------------------------------------------------------------------
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  loadAvgStart: os.loadavg().map((v) => +v.toFixed(2)),
  durationSeconds: duration,
};
try {
  result.firstStartReadySeconds = +(await waitReady(120_000)).toFixed(1);
  const keyRes = await api('POST', '/v1/keys', { name: 'bench', role: 'predict' });
  const predictKey = keyRes.status === 201 ? keyRes.body.key : ADMIN_KEY;
  result.routing = (await api('GET', '/v1/routing', undefined, predictKey)).body;

  const [features] = datasetRows(generateCustomers({ rows: 50, seed: 99 }), 7, 8);
  const body = { customer_id: 'bench-customer-1', features };
  const bodyFile = join(work, 'body.json');
  writeFileSync(bodyFile, JSON.stringify(body));
  const check = await api('POST', '/v1/predictions', body, predictKey);
  if (check.status !== 200)
    throw new Error(`prediction check: ${check.status} ${JSON.stringify(check.body)}`);
  result.sample = check.body;

  const luaFile = join(work, 'post.lua');
  writeFileSync(
    luaFile,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      `wrk.headers["Authorization"] = "Bearer ${predictKey}"`,
      `local features = ${JSON.stringify(JSON.stringify(features))}`,
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      '  return wrk.format(nil, nil, nil, \'{"customer_id":"w\' .. n .. \'","features":\' .. features .. \'}\')',
      'end',
    ].join('\n'),
  );

  const url = `${base}/v1/predictions`;
  process.stderr.write('[bench:api] warm-up\n');
  hey(url, bodyFile, predictKey, Math.min(rate, 500), Math.min(5, duration));
  hey(`${url}?explain=true`, bodyFile, predictKey, Math.min(explainRate, 50), 3);

  process.stderr.write(`[bench:api] predictions at ${rate} req/s for ${duration} s (hey)\n`);
  result.fixedRate = { rate, ...hey(url, bodyFile, predictKey, rate, duration) };
  process.stderr.write(`[bench:api] saturation for ${duration} s (wrk)\n`);
  result.saturation = wrk(url, luaFile, duration);
  process.stderr.write(`[bench:api] explain=true at ${explainRate} req/s for ${duration} s (hey)\n`);
  result.explain = {
    rate: explainRate,
    ...hey(`${url}?explain=true`, bodyFile, predictKey, explainRate, duration),
  };
  await sleep(1000);
  result.memory = memory();
  stopServer();

  // The ceiling: the same wrk load on a server that only parses the body and answers a reply of
  // the same size (bench/api/ceiling.mjs), on node:http and on Fastify.
  const replyFile = join(work, 'reply.json');
  writeFileSync(replyFile, JSON.stringify(result.sample));
  result.ceiling = {};
  for (const mode of ['http', 'fastify']) {
    process.stderr.write(`[bench:api] ceiling: ${mode} for ${duration} s (wrk)\n`);
    result.ceiling[mode] = await withCeilingServer(mode, replyFile, (ceilingUrl) => ({
      fixedRate: { rate, ...hey(ceilingUrl, bodyFile, predictKey, rate, duration) },
      saturation: wrk(ceilingUrl, luaFile, duration),
    }));
  }
  result.loadAvgEnd = os.loadavg().map((v) => +v.toFixed(2));
} finally {
  stopServer();
}

// --- report -------------------------------------------------------------------------------------
const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
const fr = result.fixedRate;
const sat = result.saturation;
const ex = result.explain;
const rows = [
  [
    'Predictions (shadow routing), fixed rate',
    `${fr.rate} req/s (${fr.tool})`,
    `p50 ${f(fr.p50Ms)} ms, p99 ${f(fr.p99Ms)} ms, ${fr.errors} errors / ${fr.total}`,
    'p99 <= 3 ms, 0 errors',
    verdict(fr.p99Ms <= 3 && fr.errors === 0),
  ],
  [
    'Predictions, saturation',
    sat.tool,
    `${f(sat.requestsPerSecond, 0)} req/s (p99 ${f(sat.p99Ms)} ms, ${sat.errors} errors)`,
    '>= 8,000 req/s',
    verdict(sat.requestsPerSecond >= 8000),
  ],
  [
    'Predictions with explain=true, fixed rate',
    `${ex.rate} req/s (${ex.tool})`,
    `p50 ${f(ex.p50Ms)} ms, p99 ${f(ex.p99Ms)} ms, ${ex.errors} errors / ${ex.total}`,
    'p99 <= 10 ms',
    verdict(ex.p99Ms <= 10 && ex.errors === 0),
  ],
  [
    'Resident memory of the platform',
    'after the load',
    `${f(result.memory.rssMb, 0)} MB now, ${f(result.memory.peakMb, 0)} MB peak (incl. first-start training)`,
    '<= 300 MB',
    verdict(result.memory.rssMb <= 300),
  ],
  ...['http', 'fastify'].flatMap((mode) => {
    const c = result.ceiling?.[mode];
    const what = `Ceiling: ${mode === 'http' ? 'plain node:http' : 'a bare Fastify route'} answering the same reply, nothing else`;
    if (!c) return [[what, '', 'not run', 'context', '']];
    const r = c.fixedRate;
    const w = c.saturation;
    return [
      [
        `${what}, fixed rate`,
        `${r.rate} req/s (${r.tool})`,
        `p50 ${f(r.p50Ms)} ms, p99 ${f(r.p99Ms)} ms, ${r.errors} errors / ${r.total}`,
        'context',
        `the platform's p99 is ${f(fr.p99Ms / r.p99Ms, 1)}× it`,
      ],
      [
        `${what}, saturation`,
        w.tool,
        `${f(w.requestsPerSecond, 0)} req/s (p99 ${f(w.p99Ms)} ms, ${w.errors} errors)`,
        'context',
        `the platform reaches ${f((100 * sat.requestsPerSecond) / w.requestsPerSecond, 0)}% of it`,
      ],
    ];
  }),
];
const md = [
  '# bench:api — the HTTP API under load',
  '',
  `Run ${result.date} on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}; load average at start ${result.loadAvgStart.join(' / ')}, at end ${result.loadAvgEnd.join(' / ')}.`,
  `One server process (database: ${storeName}; in-process event bus with its consumers — prediction-log writer, drift and outlier monitors, retraining — in the same process; in-memory rate limits; demo traffic off), first start ready in ${result.firstStartReadySeconds} s (includes training v1 and v2). Load from \`hey\`/\`wrk\` on loopback, ${duration} s per phase. Routing: ${result.routing?.strategy ?? 'n/a'}; served by v${result.sample?.model_version}.`,
  '',
  '| Measure | Load | Result | Target | Verdict |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  'Reproduce: `npm run bench:api` (`--quick` for a 5 s self-check written to bench/.work/quick).',
  '',
].join('\n');
mkdirSync(outDir, { recursive: true });
await writeFileAtomic(join(outDir, `${outName}.md`), md);
await writeFileAtomic(join(outDir, `${outName}.json`), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${md}\nwritten to ${outDir}/${outName}.md\n`);
process.exit(0);
