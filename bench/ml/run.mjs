// `npm run bench:ml`: the TypeScript engine's Random Forest and gradient boosting against
// scikit-learn and XGBoost, on the same files, in the same run, each model in its own process.
//
//   node bench/ml/run.mjs [--rows N] [--quick] [--skip-1m] [--big-rows N] [--no-python]
//
//   --rows N       generated customers (default 100000; split 80/20, first/last rows)
//   --quick        rows 20000 and no 1M memory check: a fast self-check
//   --skip-1m      leave out the 1,000,000-row training memory check
//   --big-rows N   rows of the memory check (default 1000000)
//   --no-python    TypeScript models only (anchors reported as not run)
//   --train-reps N timed fits per model, best reported (default 3; the machine is shared and noisy)
//   --out DIR      where ml.md / ml.json go (default bench/results; with --quick bench/.work/quick,
//                  so a self-check never overwrites the published results)
//
// Datasets: (a) generateCustomers(rows, seed 42) → bench/.work/gen-{train,test}.csv;
// (b) Telco (data/telco_churn.csv in the repository, else $CHURN_TELCO_CSV), shuffled
// with a fixed seed and split 80/20 → bench/.work/telco-{train,test}.csv.
// Children: bench/ml/ts-model.mjs (one TS model), bench/python/ml_anchor.py (one anchor model),
// bench/ml/ts-memcheck.mjs (1M-row training memory check). Each writes one JSON line.
// Output: a table on stdout, bench/results/ml.md and bench/results/ml.json (written atomically).
// Each child records the engine build it ran on (sha256 of packages/ml/dist/**/*.js): other people
// rebuild the engine on this machine, and a run that spans a rebuild says so.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CUSTOMER_SCHEMA,
  datasetCsvColumns,
  generateCustomers,
  loadCsv,
  Rng,
  writeCsv,
  writeFileAtomic,
} from '../../packages/ml/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const work = join(root, 'bench/.work');
let resultsDir = join(root, 'bench/results');
const rel = (p) => relative(root, p) || '.';

// --- options ------------------------------------------------------------------------------------
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'skip-1m': { type: 'boolean', default: false },
    'big-rows': { type: 'string', default: '1000000' },
    'no-python': { type: 'boolean', default: false },
    'train-reps': { type: 'string', default: '3' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n\n')[0]
      .replace(/^\/\/ ?/gm, ''),
  );
  process.stdout.write('\n');
  process.exit(0);
}
const positiveInt = (name, text) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 100) {
    process.stderr.write(`--${name} must be an integer >= 100, got ${text}\n`);
    process.exit(2);
  }
  return n;
};
const rows = positiveInt('rows', args.rows ?? (args.quick ? '20000' : '100000'));
const bigRows = positiveInt('big-rows', args['big-rows']);
const skipBig = args.quick || args['skip-1m'];
const trainReps = String(Math.max(1, Number(args['train-reps']) || 1));
if (args.out) resultsDir = resolve(args.out);
else if (args.quick) resultsDir = join(work, 'quick');
const SEED = 42;

/** Targets of the ML engine issue, measured by this bench. */
const TARGETS = {
  aucDeltaMin: -0.003,
  gbtTrainRatioMax: 0.8,
  rfTrainRatioMax: 0.2,
  gbtBatchRatioMin: 1.5,
  singleRowUsMax: 50,
  bigPeakRssMbMax: 2048,
};

const log = (msg) => process.stderr.write(`[bench:ml] ${msg}\n`);
mkdirSync(work, { recursive: true });
mkdirSync(join(work, 'logs'), { recursive: true });
mkdirSync(resultsDir, { recursive: true });

// --- machine ------------------------------------------------------------------------------------
function sh(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
// SHA-256 over the compiled engine (packages/ml/dist/**/*.js), to detect a rebuild during the run.
function engineHash() {
  const dist = join(root, 'packages/ml/dist');
  const h = createHash('sha256');
  const files = readdirSync(dist, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'))
    .sort();
  for (const f of files) h.update(`${f}\0`).update(readFileSync(join(dist, f)));
  return h.digest('hex').slice(0, 16);
}
const engineAtStart = engineHash();

const machine = {
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  nproc: Number(sh('nproc', [])) || os.availableParallelism(),
  memTotalGb: +(os.totalmem() / 2 ** 30).toFixed(1),
  date: new Date().toISOString(),
  loadAvgStart: os.loadavg().map((v) => +v.toFixed(2)),
  gitHead: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  gitDirty: (sh('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
};
log(
  `node ${machine.node}, ${machine.cpuModel}, nproc ${machine.nproc}, load ${machine.loadAvgStart.join(' ')}`,
);

// --- datasets -----------------------------------------------------------------------------------
/** CSV columns of rows [start, end) of a dataset. */
function sliceColumns(columns, start) {
  return columns.map((c) => ({ name: c.name, cell: (i) => c.cell(i + start) }));
}

async function prepareGenerated() {
  const t = performance.now();
  const ds = generateCustomers({ rows, seed: SEED });
  const cols = datasetCsvColumns(ds);
  const nTrain = Math.round(rows * 0.8);
  const train = join(work, 'gen-train.csv');
  const test = join(work, 'gen-test.csv');
  await writeCsv(train, cols, nTrain);
  await writeCsv(test, sliceColumns(cols, nTrain), rows - nTrain);
  let pos = 0;
  for (const v of ds.target) pos += v;
  log(
    `generated ${rows} customers (seed ${SEED}) → ${rel(train)} / ${rel(test)} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return {
    key: 'generated',
    title: `Generated customers (${rows.toLocaleString('en-US')} rows, seed ${SEED}, first ${nTrain.toLocaleString('en-US')} train / last ${(rows - nTrain).toLocaleString('en-US')} test)`,
    source: `generateCustomers({ rows: ${rows}, seed: ${SEED} })`,
    train,
    test,
    trainRows: nTrain,
    testRows: rows - nTrain,
    positiveRate: pos / rows,
    target: 'churned',
    positiveLabel: '1',
    drop: [],
    customerSchema: true,
  };
}

function findTelco() {
  const candidates = [join(root, 'data/telco_churn.csv'), process.env.CHURN_TELCO_CSV].filter(Boolean);
  return candidates.find((p) => existsSync(p));
}

async function prepareTelco() {
  const src = findTelco();
  if (!src) {
    log('Telco CSV not found (data/telco_churn.csv or $CHURN_TELCO_CSV): skipped');
    return null;
  }
  const text = readFileSync(src, 'utf8').replace(/^\uFEFF/, '');
  if (text.includes('"')) throw new Error(`${src}: quoted fields are not expected in the Telco table`);
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines.shift();
  const rng = new Rng(SEED);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  const nTrain = Math.round(lines.length * 0.8);
  const train = join(work, 'telco-train.csv');
  const test = join(work, 'telco-test.csv');
  await writeFileAtomic(train, `${header}\n${lines.slice(0, nTrain).join('\n')}\n`);
  await writeFileAtomic(test, `${header}\n${lines.slice(nTrain).join('\n')}\n`);
  const churnAt = header.split(',').indexOf('Churn');
  const pos = lines.filter((l) => l.split(',')[churnAt] === 'Yes').length;
  log(`Telco ${lines.length} rows from ${src} → ${rel(train)} / ${rel(test)} (seeded shuffle, seed ${SEED})`);
  return {
    key: 'telco',
    title: `Telco customer churn (${lines.length.toLocaleString('en-US')} rows, seeded shuffle, ${nTrain.toLocaleString('en-US')} train / ${(lines.length - nTrain).toLocaleString('en-US')} test)`,
    source: src,
    train,
    test,
    trainRows: nTrain,
    testRows: lines.length - nTrain,
    positiveRate: pos / lines.length,
    target: 'Churn',
    positiveLabel: 'Yes',
    drop: ['customerID'],
    customerSchema: false,
  };
}

/** Load the training file as the TS children will, and write the spec both sides read. */
async function writeSpec(d) {
  const opts = { target: d.target, positiveLabel: d.positiveLabel, drop: d.drop, requireTarget: true };
  if (d.customerSchema) opts.schema = { ...CUSTOMER_SCHEMA, target: d.target };
  const { schema, report } = await loadCsv(d.train, opts);
  const spec = {
    dataset: d.key,
    train: d.train,
    test: d.test,
    target: d.target,
    positiveLabel: d.positiveLabel,
    drop: d.drop,
    customerSchema: d.customerSchema,
    features: schema.features.map((f) =>
      f.kind === 'numeric'
        ? { name: f.name, kind: 'numeric' }
        : { name: f.name, kind: 'categorical', categories: f.categories },
    ),
  };
  const path = join(work, `${d.key}-spec.json`);
  await writeFileAtomic(path, `${JSON.stringify(spec, null, 2)}\n`);
  d.spec = path;
  d.features = spec.features.length;
  d.categorical = spec.features.filter((f) => f.kind === 'categorical').map((f) => f.name);
  d.missingCells = Object.fromEntries(Object.entries(report.missing).filter(([, n]) => n > 0));
  d.droppedColumns = report.droppedColumns;
}

// --- children -----------------------------------------------------------------------------------
/** Run one child; resolve with its last stdout JSON line (or an error record). */
function runChild(name, cmd, argv, { timeoutMs = 60 * 60 * 1000 } = {}) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const load = os.loadavg()[0];
    const engine = engineHash();
    log(`${name}: ${cmd} ${argv.map((a) => (a.startsWith(root) ? rel(a) : a)).join(' ')}`);
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.stderr.on('data', (b) => {
      err += b;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - started) / 1000;
      writeFileSync(join(work, 'logs', `${name}.log`), `${out}\n--- stderr ---\n${err}`);
      const line = out.trim().split('\n').pop() ?? '';
      let parsed = null;
      try {
        parsed = JSON.parse(line);
      } catch {}
      if (code === 0 && parsed) {
        log(`${name}: done in ${wallSeconds.toFixed(1)} s`);
        resolvePromise({ ...parsed, ok: true, wallSeconds, loadAvg1mAtStart: +load.toFixed(2), engine });
      } else {
        const tail = err.trim().split('\n').slice(-15).join('\n');
        log(`${name}: FAILED (exit ${code}${signal ? `, ${signal}` : ''})\n${tail}`);
        resolvePromise({ ok: false, exitCode: code, signal, error: tail, wallSeconds, engine });
      }
    });
  });
}

function pythonPath() {
  if (args['no-python']) return null;
  try {
    return execFileSync('bash', [join(root, 'scripts/pyenv.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch (e) {
    log(`python venv unavailable (${e.message.split('\n')[0]}); anchors skipped`);
    return null;
  }
}

// --- run ----------------------------------------------------------------------------------------
const datasets = [await prepareGenerated(), await prepareTelco()].filter(Boolean);
for (const d of datasets) await writeSpec(d);
const py = pythonPath();
const pyVersions = py
  ? sh('env', [
      '-u',
      'OPENBLAS_CORETYPE',
      '-u',
      'OPENBLAS_L2_SIZE',
      py,
      '-c',
      'import sklearn, xgboost, numpy, pandas; print(f"scikit-learn {sklearn.__version__}, xgboost {xgboost.__version__}, numpy {numpy.__version__}, pandas {pandas.__version__}")',
    ])
  : null;
machine.python = pyVersions;

const results = {
  machine,
  options: {
    argv: process.argv.slice(2),
    rows,
    bigRows,
    skipBig,
    quick: args.quick,
    seed: SEED,
    trainReps: Number(trainReps),
  },
  targets: TARGETS,
  datasets: {},
};
let failures = 0;
for (const d of datasets) {
  const models = {};
  for (const [key, algorithm] of [
    ['tsRf', 'random-forest'],
    ['tsGbt', 'gradient-boosting'],
  ]) {
    models[key] = await runChild(`${d.key}-${key}`, process.execPath, [
      join(here, 'ts-model.mjs'),
      '--spec',
      d.spec,
      '--algorithm',
      algorithm,
      '--train-reps',
      trainReps,
    ]);
  }
  for (const [key, model] of [
    ['skRf', 'rf'],
    ['xgb', 'xgb'],
  ]) {
    models[key] = py
      ? await runChild(`${d.key}-${key}`, 'env', [
          '-u',
          'OPENBLAS_CORETYPE',
          '-u',
          'OPENBLAS_L2_SIZE',
          py,
          join(root, 'bench/python/ml_anchor.py'),
          '--spec',
          d.spec,
          '--model',
          model,
          '--train-reps',
          trainReps,
        ])
      : { ok: false, error: 'not run (no Python)' };
  }
  for (const m of Object.values(models)) if (!m.ok && m.error !== 'not run (no Python)') failures++;
  const { spec, ...info } = d;
  results.datasets[d.key] = { ...info, spec: rel(spec), train: rel(d.train), test: rel(d.test), models };
}

if (!skipBig) {
  const big = join(work, `gen-${bigRows === 1_000_000 ? '1m' : bigRows}.csv`);
  const t = performance.now();
  {
    const ds = generateCustomers({ rows: bigRows, seed: SEED });
    await writeCsv(big, datasetCsvColumns(ds), ds.nRows);
  }
  const genSeconds = (performance.now() - t) / 1000;
  log(`memory check: ${bigRows} rows → ${rel(big)} in ${genSeconds.toFixed(1)} s`);
  const memcheck = { rows: bigRows, csv: rel(big), generateSeconds: genSeconds, models: {} };
  for (const [key, algorithm] of [
    ['tsRf', 'random-forest'],
    ['tsGbt', 'gradient-boosting'],
  ]) {
    const r = await runChild(`big-${key}`, process.execPath, [
      join(here, 'ts-memcheck.mjs'),
      '--data',
      big,
      '--algorithm',
      algorithm,
    ]);
    if (!r.ok) failures++;
    memcheck.models[key] = r;
  }
  results.memcheck = memcheck;
}
machine.loadAvgEnd = os.loadavg().map((v) => +v.toFixed(2));
machine.engineHashStart = engineAtStart;
machine.engineHashEnd = engineHash();
if (machine.engineHashEnd !== engineAtStart)
  log('WARNING: packages/ml/dist changed during the run (someone rebuilt): results mix engine versions');
results.finishedAt = new Date().toISOString();

// --- report -------------------------------------------------------------------------------------
const fix = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
const int = (v) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—';
const signed = (v, d) =>
  typeof v === 'number' && Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}` : '—';
const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');
const ratio = (a, b) => (a?.ok && b?.ok && b.value !== 0 ? a.value / b.value : null);

const MODEL_ORDER = [
  ['tsRf', 'TS Random Forest (100 trees, depth 15)'],
  ['skRf', 'scikit-learn RandomForestClassifier'],
  ['tsGbt', 'TS gradient boosting (200 rounds, lr 0.1, depth 6)'],
  ['xgb', 'XGBoost XGBClassifier (hist)'],
];

const md = [];
md.push('# ML benchmark: TypeScript engine vs scikit-learn and XGBoost', '');
md.push(
  `Generated by \`npm run bench:ml\` (bench/ml/run.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}) on ${machine.date}.`,
  '',
);
md.push('## Machine', '');
md.push(`- Node ${machine.node}; ${machine.python ?? 'Python anchors not run'}`);
md.push(
  `- CPU: ${machine.cpuModel}; nproc ${machine.nproc}; memory ${machine.memTotalGb} GiB; ${machine.platform}`,
);
md.push(
  `- Load average at start: ${machine.loadAvgStart.join(', ')}; at end: ${machine.loadAvgEnd.join(', ')} (shared, noisy machine: treat timings as ±20 %)`,
);
md.push(
  `- Commit ${machine.gitHead ?? '?'}${machine.gitDirty ? ' with uncommitted changes' : ''}; engine build (sha256 of packages/ml/dist/**/*.js) ${machine.engineHashStart}${machine.engineHashEnd === machine.engineHashStart ? ', unchanged during the run' : ` at start, **${machine.engineHashEnd} at end: the engine was rebuilt during the run, results mix versions**`}`,
);
if (machine.engineHashEnd !== machine.engineHashStart) {
  const runs = [
    ...Object.entries(results.datasets).flatMap(([k, d]) =>
      Object.entries(d.models).map(([mk, m]) => `${k}/${mk} ${m.engine ?? '?'}`),
    ),
    ...Object.entries(results.memcheck?.models ?? {}).map(([mk, m]) => `memcheck/${mk} ${m.engine ?? '?'}`),
  ];
  md.push(`- Engine build per model: ${runs.join('; ')}`);
}
md.push('');
md.push(
  "Each model runs in its own process (peak RSS = that process's maxRSS, including the runtime and the loaded data).",
);
md.push(
  `Training uses 2 threads on every side (TS worker threads = one per core; scikit-learn/XGBoost n_jobs=2); "Train s" is the best of ${trainReps} fits`,
);
md.push(
  "(CSV loading excluded; every fit is in ml.json). XGBoost's OpenMP threads spin-wait, so its fit time suffers most when another process",
);
md.push('holds a core: compare with the load averages recorded per model in ml.json.');
md.push(
  'Batch scoring: TS `predictEncoded` on pre-encoded rows (it shares batches of 4,096 rows or more with a worker thread: 2 threads on the generated',
);
md.push(
  "table's test rows, 1 on Telco's; CPU time / wall time of the passes is in ml.json as batchCpuPerWall); scikit-learn `predict_proba` on a prepared float32 array, n_jobs=2;",
);
md.push(
  'XGBoost `inplace_predict` on the prepared DataFrame, 2 threads; best of 15 after warm-up (TS: the first, cold pass is listed below each table).',
);
md.push('Single-row latency: TS `predictRow` on one pre-encoded');
md.push(
  'row (10,000 calls after warm-up); Python anchors: one-row calls including Python per-call overhead (scikit-learn with n_jobs=1,',
);
md.push('XGBoost `inplace_predict` on a one-row DataFrame), up to 2,000 calls.');
md.push('');

const checks = [];
for (const [key, r] of Object.entries(results.datasets)) {
  md.push(`## ${r.title}`, '');
  md.push(
    `Source: \`${r.source}\`; train \`${r.train}\`, test \`${r.test}\`; target \`${r.target}\` = \`${r.positiveLabel}\` (positive rate ${(r.positiveRate * 100).toFixed(1)} %); ${r.features} features (${r.categorical.length} categorical)${r.drop.length ? `; dropped ${r.drop.join(', ')}` : ''}${
      Object.keys(r.missingCells).length
        ? `; missing cells in train: ${Object.entries(r.missingCells)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`
        : ''
    }.`,
    '',
  );
  md.push(
    '| Model | AUC | Log-loss | Train s | Batch rows/s | Single-row p50 µs | Single-row p99 µs | Peak RSS MB |',
  );
  md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [mk, label] of MODEL_ORDER) {
    const m = r.models[mk];
    if (!m?.ok) {
      md.push(
        `| ${label} | ${m?.error ? `not run / failed: ${String(m.error).split('\n').pop().slice(0, 80)}` : '—'} | | | | | | |`,
      );
      continue;
    }
    md.push(
      `| ${label} | ${fix(m.auc, 4)} | ${fix(m.logLoss, 4)} | ${fix(m.trainSeconds, 2)} | ${int(m.batchRowsPerSec)} | ${fix(m.singleRowP50Us, 1)} | ${fix(m.singleRowP99Us, 1)} | ${int(m.peakRssMb)} |`,
    );
  }
  const cold = ['tsRf', 'tsGbt']
    .filter((k) => r.models[k]?.ok)
    .map(
      (k) =>
        `${k === 'tsRf' ? 'RF' : 'GBT'} ${int(r.models[k].coldBatchRowsPerSec)} rows/s (${fix(r.models[k].coldBatchSeconds, 3)} s)`,
    );
  if (cold.length) md.push('', `TS first (cold) batch pass over the test rows: ${cold.join('; ')}.`);
  md.push('');
  const M = r.models;
  const v = (m, f) => ({ ok: Boolean(m?.ok), value: m?.[f] });
  const lines = [];
  const add = (id, text, value, ok) => {
    lines.push(`- ${text}: **${verdict(ok)}**`);
    checks.push({ dataset: key, id, value, pass: ok });
  };
  for (const [ts, an, name] of [
    ['tsRf', 'skRf', 'RF AUC − scikit-learn AUC'],
    ['tsGbt', 'xgb', 'GBT AUC − XGBoost AUC'],
  ]) {
    const d = M[ts]?.ok && M[an]?.ok ? M[ts].auc - M[an].auc : null;
    add(
      `${ts}.aucDelta`,
      `${name} = ${signed(d, 5)} (target ≥ ${TARGETS.aucDeltaMin})`,
      d,
      d === null ? null : d >= TARGETS.aucDeltaMin,
    );
  }
  const gbtT = ratio(v(M.tsGbt, 'trainSeconds'), v(M.xgb, 'trainSeconds'));
  const one =
    M.xgb?.ok && M.tsGbt?.ok && M.xgb.trainSecondsOneThread
      ? M.tsGbt.trainSeconds / M.xgb.trainSecondsOneThread
      : null;
  add(
    'tsGbt.trainRatio',
    `GBT train time / XGBoost's = ${fix(gbtT, 2)} (${fix(M.tsGbt?.trainSeconds, 2)} s / ${fix(M.xgb?.trainSeconds, 2)} s; target ≤ ${TARGETS.gbtTrainRatioMax}; for reference, XGBoost with n_jobs=1 took ${fix(M.xgb?.trainSecondsOneThread, 2)} s → ratio ${fix(one, 2)})`,
    gbtT,
    gbtT === null ? null : gbtT <= TARGETS.gbtTrainRatioMax,
  );
  const rfT = ratio(v(M.tsRf, 'trainSeconds'), v(M.skRf, 'trainSeconds'));
  add(
    'tsRf.trainRatio',
    `RF train time / scikit-learn's = ${fix(rfT, 3)} (${fix(M.tsRf?.trainSeconds, 2)} s / ${fix(M.skRf?.trainSeconds, 2)} s; target ≤ ${TARGETS.rfTrainRatioMax})`,
    rfT,
    rfT === null ? null : rfT <= TARGETS.rfTrainRatioMax,
  );
  const gbtB = ratio(v(M.tsGbt, 'batchRowsPerSec'), v(M.xgb, 'batchRowsPerSec'));
  add(
    'tsGbt.batchRatio',
    `TS GBT batch rows/s / XGBoost's = ${fix(gbtB, 2)} (${int(M.tsGbt?.batchRowsPerSec)} / ${int(M.xgb?.batchRowsPerSec)}; target ≥ ${TARGETS.gbtBatchRatioMin})`,
    gbtB,
    gbtB === null ? null : gbtB >= TARGETS.gbtBatchRatioMin,
  );
  for (const [ts, name] of [
    ['tsRf', 'TS RF'],
    ['tsGbt', 'TS GBT'],
  ]) {
    const m = M[ts];
    for (const [q, f] of [
      ['p50', 'singleRowP50Us'],
      ['p99', 'singleRowP99Us'],
    ]) {
      const us = m?.ok ? m[f] : null;
      add(
        `${ts}.singleRow${q}`,
        `${name} single-row latency ${q} = ${fix(us, 1)} µs (target ≤ ${TARGETS.singleRowUsMax} µs)`,
        us,
        us === null ? null : us <= TARGETS.singleRowUsMax,
      );
    }
  }
  md.push('Targets:', '', ...lines, '');
}

if (results.memcheck) {
  const mc = results.memcheck;
  md.push(
    `## Training memory check: ${mc.rows.toLocaleString('en-US')} × 21 generated customers (default parameters)`,
    '',
  );
  md.push(
    `CSV \`${mc.csv}\` (generated in ${fix(mc.generateSeconds, 1)} s), loaded with \`loadCsv\` and the customer schema as \`churn train\` does, then \`trainModel\` with defaults, each model in its own process.`,
    '',
  );
  md.push('| Model | Load s | Train s | Peak RSS after load MB | Peak RSS MB | Target | |');
  md.push('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  for (const [mk, label] of [
    ['tsRf', 'TS Random Forest (defaults: 100 trees, depth 15)'],
    ['tsGbt', 'TS gradient boosting (defaults: 200 rounds, lr 0.1, depth 6)'],
  ]) {
    const m = mc.models[mk];
    const ok = m?.ok ? m.peakRssMb <= TARGETS.bigPeakRssMbMax : false;
    checks.push({ dataset: 'memcheck', id: `${mk}.peakRss`, value: m?.peakRssMb ?? null, pass: ok });
    md.push(
      m?.ok
        ? `| ${label} | ${fix(m.loadSeconds, 1)} | ${fix(m.trainSeconds, 1)} | ${int(m.rssAfterLoadMb)} | ${int(m.peakRssMb)} | ≤ ${TARGETS.bigPeakRssMbMax} MB | **${verdict(ok)}** |`
        : `| ${label} | failed: ${String(m?.error ?? '')
            .split('\n')
            .pop()
            .slice(0, 80)} | | | | ≤ ${TARGETS.bigPeakRssMbMax} MB | **FAIL** |`,
    );
  }
  md.push('');
} else {
  md.push(
    `Training memory check (${bigRows.toLocaleString('en-US')} rows): skipped (${args.quick ? '--quick' : '--skip-1m'}).`,
    '',
  );
}
const passed = checks.filter((c) => c.pass === true).length;
const failed = checks.filter((c) => c.pass === false).length;
md.push(
  `Summary: ${passed} targets passed, ${failed} failed, ${checks.length - passed - failed} not measured. Raw numbers: \`${rel(join(resultsDir, 'ml.json'))}\`.`,
  '',
);
results.checks = checks;

const text = md.join('\n');
await writeFileAtomic(join(resultsDir, 'ml.md'), text);
await writeFileAtomic(join(resultsDir, 'ml.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${text}\n`);
log(`wrote ${rel(join(resultsDir, 'ml.md'))} and ${rel(join(resultsDir, 'ml.json'))}`);
process.exit(failures > 0 ? 1 : 0);
