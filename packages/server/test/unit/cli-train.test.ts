import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn, ok, requireBuiltCli } from '../helpers/cli.js';

// Runs the built CLI the way a user does (`node packages/server/bin/churn.js …`), from the repo root,
// which paths such as this one are relative to.
const TELCO = 'data/telco_churn.csv';

let dir: string;
let folders = 0;
/** A fresh, empty folder for one command's output. */
const freshDir = () => mkdtempSync(join(dir, `case-${folders++}-`));
/** Data lines of a CSV (header first), no trailing empty line. */
const csvLines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');
const writeCsv = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};

let [trainCsv, scoreCsv] = ['', ''];
let header: string[];
/** The training file with `edit(cells, line)` applied to every data line (line numbers from 2). */
const edited = (name: string, edit: (cells: string[], line: number) => string[] | undefined) => {
  const [head, ...rows] = csvLines(trainCsv);
  return writeCsv(name, [head, ...rows.map((r, k) => (edit(r.split(','), k + 2) ?? r.split(',')).join(','))]);
};
const col = (name: string) => header.indexOf(name);
/** The training file with the cell at (line, column) set to `value`, on one line or all of them. */
const setCell = (name: string, line: number | 'all', column: string, value: string) =>
  edited(name, (cells, l) =>
    line === 'all' || l === line ? cells.map((c, i) => (i === col(column) ? value : c)) : undefined,
  );

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'churn-cli-train-'));
  trainCsv = join(dir, 'train.csv');
  scoreCsv = join(dir, 'score.csv');
  ok('generate', '--rows', '2000', '--seed', '1', '--out', trainCsv);
  ok('generate', '--rows', '600', '--seed', '2', '--out', scoreCsv);
  header = csvLines(trainCsv)[0].split(',');
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('churn generate → train → predict → evaluate', () => {
  it.each([
    { algorithm: 'random-forest', trees: '8' },
    { algorithm: 'gradient-boosting', trees: '25' },
  ])('works end to end with $algorithm', ({ algorithm, trees }) => {
    const out = freshDir();
    const model = join(out, 'model.json');
    const args = ['--data', trainCsv, '--target', 'churned', '--algorithm', algorithm, '--trees', trees];
    const report = JSON.parse(ok('train', ...args, '--out', model, '--json'));
    expect(report).toMatchObject({ model, algorithm, rows: 2000, trees: Number(trees) });
    expect(report.features).toHaveLength(21);
    expect(report.features).not.toContain('customer_id');
    expect(report.data_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(out)).toEqual(['model.json']);

    const preds = join(out, 'preds.csv');
    ok('predict', '--model', model, '--data', scoreCsv, '--out', preds);
    const lines = csvLines(preds);
    expect(lines[0]).toBe('customer_id,churn_probability');
    const firstCells = (ls: string[]) => ls.slice(1).map((l) => l.split(',')[0]);
    expect(firstCells(lines)).toEqual(firstCells(csvLines(scoreCsv)));
    for (const l of lines.slice(1)) {
      const p = Number(l.split(',')[1]);
      expect(p >= 0 && p <= 1, l).toBe(true);
    }

    const evaluate = ['evaluate', '--model', model, '--data', scoreCsv, '--target', 'churned', '--json'];
    const evaluation = JSON.parse(ok(...evaluate));
    expect(evaluation.rows).toBe(600);
    expect(evaluation.metrics.n).toBe(600);
    expect(evaluation.metrics.rocAuc).toBeGreaterThan(0.6);
  });

  it('trains on the Telco file, dropping the customerID identifier', () => {
    const model = join(freshDir(), 'telco.json');
    const r = churn(
      'train',
      ...['--target', 'Churn', '--positive-label', 'Yes', '--trees', '5'],
      '--data',
      TELCO,
      '--out',
      model,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('dropped "customerID" (identifier)');
    expect(r.stderr).toContain('positive label "Yes"');
    expect(r.stdout).toMatch(/trained random-forest \(5 trees\) on 7043 rows × 19 features/);
    const doc = JSON.parse(readFileSync(model, 'utf8'));
    expect(doc.binning.map((b: { name: string }) => b.name)).not.toContain('customerID');
  });
});

describe('churn train refuses bad input with exit 2, naming where, writing no model', () => {
  const cases: { name: string; file: () => string; args?: string[]; stderr: RegExp }[] = [
    {
      name: 'a ragged row',
      file: () => edited('ragged.csv', (cells, line) => (line === 41 ? cells.slice(0, -1) : undefined)),
      stderr: /line 41: expected 23 fields like the header, found 22 \[CHURN_ERR_BAD_DATA\]/,
    },
    {
      name: 'a target with one class',
      file: () => edited('one-class.csv', (cells) => [...cells.slice(0, -1), '0']),
      stderr: /column "churned": the target has a single class .*\[CHURN_ERR_BAD_DATA\]/,
    },
    {
      name: 'a missing target column',
      file: () => trainCsv,
      args: ['--target', 'cancelled'],
      stderr: /column "cancelled": target column not in the header \[CHURN_ERR_BAD_DATA\]/,
    },
    {
      name: 'a missing target cell',
      file: () => setCell('no-label.csv', 7, 'churned', ''),
      stderr: /line 7, column "churned": missing target value/,
    },
    {
      name: 'text in a numeric column',
      file: () => setCell('abc.csv', 10, 'total_orders', 'abc'),
      stderr: /line 10, column "total_orders": "abc" is not a number \[CHURN_ERR_BAD_DATA\]/,
    },
    {
      name: 'every feature column entirely missing',
      file: () =>
        writeCsv('all-missing.csv', ['id,a,b,y', ...[...Array(60).keys()].map((i) => `c${i},,,${i % 2}`)]),
      args: ['--target', 'y'],
      stderr: /every feature column is entirely missing \[CHURN_ERR_BAD_DATA\]/,
    },
    {
      name: 'an unknown --algorithm',
      file: () => trainCsv,
      args: ['--algorithm', 'xgboost'],
      stderr:
        /--algorithm must be one of random-forest, gradient-boosting, got "xgboost" \[CHURN_ERR_USAGE\]/,
    },
  ];

  it.each(cases)('$name', ({ file, args = [], stderr }) => {
    const out = freshDir();
    const r = churn(
      'train',
      '--data',
      file(),
      '--target',
      'churned',
      '--trees',
      '3',
      '--out',
      join(out, 'm.json'),
      ...args,
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^churn train: /);
    expect(r.stderr).toMatch(stderr);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readdirSync(out)).toEqual([]);
  });

  it.each([
    {
      name: 'in a folder that does not exist',
      out: () => join(dir, 'no-such-folder', 'm.json'),
      early: true,
    },
    { name: 'that is a directory', out: () => freshDir(), early: true },
    // As root the early access check passes on /proc; the atomic save then fails, leaving nothing.
    { name: 'under /proc', out: () => '/proc/churn-model.json', early: process.getuid?.() !== 0 },
  ])('an --out $name', ({ out, early }) => {
    const path = out();
    const r = churn('train', '--data', trainCsv, '--target', 'churned', '--trees', '3', '--out', path);
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^churn train: .*\[CHURN_ERR_IO\]$/);
    if (early) expect(lines).toEqual([expect.stringContaining(path)]);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
    expect(readdirSync('/proc').filter((f) => f.includes('churn-model'))).toEqual([]);
    if (existsSync(path) && !path.startsWith('/proc')) expect(readdirSync(path)).toEqual([]);
  });
});

describe('churn train on entirely missing columns', () => {
  it('keeps an all-missing feature of the customer schema, with a warning, and trains', () => {
    const file = setCell('no-email.csv', 'all', 'email_open_rate', '');
    const model = join(freshDir(), 'model.json');
    const r = churn('train', '--data', file, '--target', 'churned', '--trees', '3', '--out', model);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: column "email_open_rate" is entirely missing');
    const doc = JSON.parse(readFileSync(model, 'utf8'));
    expect(doc.binning.map((b: { name: string }) => b.name)).toContain('email_open_rate');
    // The model scores files whose column is filled again.
    ok('predict', '--model', model, '--data', scoreCsv, '--out', join(dir, 'scored-no-email.csv'));
  });

  it('drops an all-missing column of an inferred schema and says so', () => {
    const rows = [...Array(80).keys()].map((i) => `${i % 7},${(i * 13) % 5},,${i % 3 === 0 ? 'Yes' : 'No'}`);
    const file = writeCsv('inferred.csv', ['a,b,empty,left', ...rows]);
    const out = join(freshDir(), 'model.json');
    const r = churn('train', '--data', file, '--target', 'left', '--trees', '3', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.features).toEqual(['a', 'b']);
    expect(report.dropped_columns).toContainEqual({ name: 'empty', reason: 'all-missing' });
  });
});

describe('churn predict', () => {
  it('exits 2 naming a model column the file lacks, and writes no output', () => {
    const model = join(freshDir(), 'model.json');
    ok('train', '--data', trainCsv, '--target', 'churned', '--trees', '3', '--out', model);
    const at = col('returns_count');
    const lines = csvLines(scoreCsv).map((l) => l.split(',').toSpliced(at, 1).join(','));
    const file = writeCsv('no-returns.csv', lines);
    const out = freshDir();
    const r = churn('predict', '--model', model, '--data', file, '--out', join(out, 'p.csv'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^churn predict: column "returns_count": .*\[CHURN_ERR_BAD_DATA\]\n$/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('writes an id holding a comma or a quote as one CSV field (it used to split the row)', () => {
    const model = join(freshDir(), 'model.json');
    ok('train', '--data', trainCsv, '--target', 'churned', '--trees', '3', '--out', model);
    const [header, first, ...rest] = csvLines(scoreCsv);
    // The id `cus, "quoted"` written as CSV: quoted, its quotes doubled.
    const field = '"cus, ""quoted"""';
    const file = writeCsv('odd-id.csv', [header, `${field},${first.split(',').slice(1).join(',')}`, ...rest]);
    const preds = join(freshDir(), 'p.csv');
    ok('predict', '--model', model, '--data', file, '--out', preds);
    const lines = csvLines(preds);
    expect(lines).toHaveLength(rest.length + 2);
    expect(lines[1].startsWith(`${field},`)).toBe(true);
    expect(Number(lines[1].slice(field.length + 1))).toBeGreaterThan(0);
  });
});
