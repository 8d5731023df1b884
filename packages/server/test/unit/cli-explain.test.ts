import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn, type Learner, ok, oneLine, requireBuiltCli, trainEachLearner } from '../helpers/cli.js';

// Runs the built CLI end to end (`node packages/server/bin/churn.js …`): generate, train both
// learners, explain, and check the explanation against `churn predict`.

/** A CSV file as header + rows of cells (the generated files have no quoted cells). */
function readCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

function writeCsvFile(path: string, header: string[], rows: string[][]): void {
  writeFileSync(path, `${[header, ...rows].map((r) => r.join(',')).join('\n')}\n`);
}

let dir: string;
let models: Record<Learner, string>;
let score: string;
let features: string[];

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'churn-cli-explain-'));
  const train = join(dir, 'train.csv');
  score = join(dir, 'score.csv');
  ok('generate', '--rows', '1500', '--seed', '5', '--out', train);
  ok('generate', '--rows', '160', '--seed', '6', '--out', score);
  // Missing values in the rows to explain: blank some cells of two numeric columns.
  const s = readCsv(score);
  const orders = s.header.indexOf('total_orders');
  const rate = s.header.indexOf('email_open_rate');
  s.rows.forEach((r, i) => {
    if (i % 7 === 0) r[orders] = '';
    if (i % 5 === 0) r[rate] = '';
  });
  writeCsvFile(score, s.header, s.rows);
  features = s.header.filter((h) => h !== 'customer_id' && h !== 'churned');
  models = trainEachLearner(dir, train, {
    'random-forest': ['--trees', '5', '--max-depth', '12'],
    'gradient-boosting': ['--trees', '25', '--max-depth', '5'],
  });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('churn explain', () => {
  for (const algorithm of ['random-forest', 'gradient-boosting'] as const) {
    it(`${algorithm}: one row per input row in order, a column per feature, adding up to predict`, () => {
      const sub = mkdtempSync(join(dir, `${algorithm}-`));
      const out = join(sub, 'shap.csv');
      const r = churn('explain', '--model', models[algorithm], '--data', score, '--out', out, '--json');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const stdout = r.stdout;
      const summary = JSON.parse(stdout) as Record<string, unknown>;
      expect(summary.rows).toBe(160);
      expect(summary.output_space).toBe(algorithm === 'random-forest' ? 'probability' : 'log-odds');
      expect(summary.rows_with_missing_values).toBeGreaterThan(0);
      expect(readdirSync(sub)).toEqual(['shap.csv']);

      const shap = readCsv(out);
      expect(shap.header).toEqual(['customer_id', ...features, 'base_value']);
      const input = readCsv(score);
      expect(shap.rows.map((r) => r[0])).toEqual(input.rows.map((r) => r[0]));
      const base = Number(shap.rows[0][shap.header.length - 1]);
      expect(base).toBe(summary.base_value);

      const predOut = join(sub, 'p.csv');
      ok('predict', '--model', models[algorithm], '--data', score, '--out', predOut);
      const pred = readCsv(predOut);
      expect(pred.rows.map((r) => r[0])).toEqual(shap.rows.map((r) => r[0]));
      let worst = 0;
      let nonZero = 0;
      shap.rows.forEach((r, i) => {
        const values = r.slice(1, -1).map(Number);
        expect(values).toHaveLength(features.length);
        expect(Number(r[r.length - 1])).toBe(base);
        nonZero += values.filter((v) => v !== 0).length;
        const total = base + values.reduce((s, v) => s + v, 0);
        const p = Number(pred.rows[i][1]);
        const want = algorithm === 'random-forest' ? p : Math.log(p / (1 - p));
        worst = Math.max(worst, Math.abs(total - want));
      });
      expect(nonZero).toBeGreaterThan(160 * 3);
      expect(worst).toBeLessThan(algorithm === 'random-forest' ? 1e-9 : 1e-6);
    });
  }

  it('prints a one-line summary without --json and lists itself in the help', () => {
    const out = join(dir, 'human.csv');
    const stdout = ok('explain', '--model', models['random-forest'], '--data', score, '--out', out);
    expect(stdout).toMatch(
      /^explained 160 rows \(probability, base 0\.\d+\) → .*human\.csv; top features: \w+/,
    );
    expect(ok('--help')).toContain('explain');
    expect(ok('explain', '--help')).toContain('--model FILE');
  });
});

describe('churn explain bad input', () => {
  /** Runs explain into a fresh folder; expects exit 2, one line naming the problem, no file. */
  function refused(
    args: { model?: string; data?: string; extra?: string[] },
    mentions: RegExp,
    code: string,
  ): void {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const argv = ['explain'];
    if (args.model !== undefined) argv.push('--model', args.model);
    if (args.data !== undefined) argv.push('--data', args.data);
    argv.push('--out', join(sub, 'shap.csv'), ...(args.extra ?? []));
    const r = churn(...argv);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^churn explain: /);
    expect(line).toMatch(mentions);
    expect(line.endsWith(`[${code}]`), line).toBe(true);
    expect(readdirSync(sub)).toEqual([]);
  }

  it('refuses a missing --model option or an unknown option', () => {
    refused({ data: score }, /missing required option --model/, 'CHURN_ERR_USAGE');
    refused(
      { model: models['random-forest'], data: score, extra: ['--bogus'] },
      /--bogus/,
      'CHURN_ERR_USAGE',
    );
  });

  it('refuses a model file that does not exist or is not a model', () => {
    refused({ model: join(dir, 'nope.json'), data: score }, /--model .*nope\.json/, 'CHURN_ERR_IO');
    refused(
      { model: score, data: score },
      /--model .*score\.csv: model file: not valid JSON/,
      'CHURN_ERR_VALIDATION',
    );
  });

  it("refuses a model file whose binning disagrees with its schema's features", () => {
    const doc = JSON.parse(readFileSync(models['gradient-boosting'], 'utf8'));
    const k = doc.binning.findIndex((b: { name: string }) => b.name === 'total_orders');
    doc.binning[k].name = 'orders';
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(doc));
    refused(
      { model: tampered, data: score },
      /binning disagrees with its schema: feature "orders" is binned but not in the schema; feature "total_orders" is in the schema but not binned/,
      'CHURN_ERR_MODEL_MISMATCH',
    );
  });

  it('refuses data without a feature column, or with text in a numeric one, naming the column', () => {
    const s = readCsv(score);
    const drop = s.header.indexOf('support_tickets_open');
    const without = join(dir, 'without.csv');
    writeCsvFile(
      without,
      s.header.filter((_, j) => j !== drop),
      s.rows.map((r) => r.filter((_, j) => j !== drop)),
    );
    refused({ model: models['random-forest'], data: without }, /support_tickets_open/, 'CHURN_ERR_BAD_DATA');
    const text = join(dir, 'text.csv');
    const col = s.header.indexOf('avg_order_value');
    writeCsvFile(
      text,
      s.header,
      s.rows.map((r, i) => (i === 3 ? r.map((c, j) => (j === col ? 'lots' : c)) : r)),
    );
    refused({ model: models['random-forest'], data: text }, /avg_order_value/, 'CHURN_ERR_BAD_DATA');
    refused({ model: models['random-forest'], data: join(dir, 'absent.csv') }, /absent\.csv/, 'CHURN_ERR_IO');
  });
});
