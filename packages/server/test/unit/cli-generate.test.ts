import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn, churnWith, oneLine, requireBuiltCli } from '../helpers/cli.js';

const FEATURES = [
  'customer_age_days',
  'account_age_days',
  'total_orders',
  'total_revenue',
  'days_since_last_order',
  'order_frequency',
  'avg_order_value',
  'website_visits_30d',
  'email_open_rate',
  'cart_abandonment_rate',
  'product_views_30d',
  'support_tickets_total',
  'support_tickets_open',
  'returns_count',
  'refunds_count',
  'favorite_category',
  'discount_usage_rate',
  'premium_product_rate',
  'payment_method',
  'shipping_method',
  'failed_payment_count',
];
const HEADER = ['customer_id', ...FEATURES, 'churned'].join(',');

let dir: string;

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'churn-cli-generate-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('churn generate', () => {
  it('writes the requested rows with the exact header', () => {
    const out = join(dir, 'x.csv');
    const r = churn('generate', '--rows', '2000', '--seed', '7', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote 2000 customers to .*x\.csv \(churn rate \d+\.\d %, drift none\)/);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(2001);
    expect(lines[0]).toBe(HEADER);
    expect(lines[1].startsWith('cus_7_1,')).toBe(true);
    expect(lines[2000].startsWith('cus_7_2000,')).toBe(true);
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      if (cells.length !== FEATURES.length + 2 || !/^[01]$/.test(cells[cells.length - 1])) {
        throw new Error(`malformed row: ${line}`);
      }
    }
    // Only the output is left in the folder: no temporary file.
    expect(readdirSync(dir)).toEqual(['x.csv']);
  });

  it('writes identical bytes for the same command, and other bytes for another seed', () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const c = join(dir, 'c.csv');
    expect(churn('generate', '--rows', '2000', '--seed', '7', '--out', a).status).toBe(0);
    expect(churn('generate', '--rows', '2000', '--seed', '7', '--out', b).status).toBe(0);
    expect(churn('generate', '--rows', '2000', '--seed', '8', '--out', c).status).toBe(0);
    const bytesA = readFileSync(a);
    expect(bytesA.length).toBeGreaterThan(0);
    expect(readFileSync(b).equals(bytesA)).toBe(true);
    expect(readFileSync(c).equals(bytesA)).toBe(false);
  });

  it('overwrites an existing output file', () => {
    const out = join(dir, 'again.csv');
    expect(churn('generate', '--rows', '50', '--seed', '1', '--out', out).status).toBe(0);
    expect(churn('generate', '--rows', '20', '--seed', '1', '--out', out).status).toBe(0);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(21);
  });

  it('prints a JSON summary with --json', () => {
    const out = join(dir, 'json.csv');
    const r = churn('generate', '--rows', '2000', '--seed', '7', '--out', out, '--json');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary.rows).toBe(2000);
    expect(summary.seed).toBe(7);
    expect(summary.drift).toBe('none');
    expect(summary.out).toBe(out);
    expect(typeof summary.seconds).toBe('number');
    const rate = summary.churn_rate as number;
    expect(typeof rate).toBe('number');
    expect(rate).toBeGreaterThan(0.1);
    expect(rate).toBeLessThan(0.35);
    // The reported churn rate is the share of 1s in the written file.
    const labels = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.slice(l.lastIndexOf(',') + 1));
    expect(labels.filter((l) => l === '1').length / 2000).toBe(rate);
  });

  it('applies a drift scenario', () => {
    const none = join(dir, 'none.csv');
    const drifted = join(dir, 'downturn.csv');
    const a = churn('generate', '--rows', '3000', '--seed', '7', '--out', none, '--json');
    const b = churn(
      'generate',
      '--rows',
      '3000',
      '--seed',
      '7',
      '--out',
      drifted,
      '--drift',
      'downturn',
      '--json',
    );
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(JSON.parse(b.stdout).drift).toBe('downturn');
    expect(JSON.parse(b.stdout).churn_rate).toBeGreaterThan(JSON.parse(a.stdout).churn_rate);
    expect(readFileSync(drifted, 'utf8').split('\n')[0]).toBe(HEADER);
  });

  it('prints its help with --help and exits 0', () => {
    const r = churn('generate', '--help');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    for (const option of ['--rows', '--seed', '--out', '--drift', '--json', '--help']) {
      expect(r.stdout).toContain(option);
    }
    for (const scenario of ['none', 'downturn', 'payment-shift', 'email-drop'])
      expect(r.stdout).toContain(scenario);
  });

  it('lists the commands with a top-level --help', () => {
    const r = churn('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('generate');
  });
});

describe('churn generate usage errors', () => {
  const cases: { name: string; args: string[]; mentions: RegExp }[] = [
    { name: 'an unknown option', args: ['--rows', '10', '--bogus'], mentions: /--bogus/ },
    { name: 'a non-integer --rows', args: ['--rows', 'abc'], mentions: /--rows.*integer.*"abc"/ },
    { name: 'a fractional --rows', args: ['--rows', '2.5'], mentions: /--rows.*integer/ },
    { name: '--rows 0', args: ['--rows', '0'], mentions: /--rows must be >= 1/ },
    { name: 'a negative --seed', args: ['--rows', '10', '--seed', '-1'], mentions: /--seed/ },
    {
      name: 'an unknown --drift',
      args: ['--rows', '10', '--drift', 'bogus'],
      mentions: /--drift.*none.*"bogus"/,
    },
    {
      name: 'an inherited name as --drift',
      args: ['--rows', '10', '--drift', 'toString'],
      mentions: /--drift/,
    },
    { name: 'a positional argument', args: ['--rows', '10', 'extra'], mentions: /extra/ },
  ];

  for (const { name, args, mentions } of cases) {
    it(`exits 2 on ${name}, naming the problem, and writes nothing`, () => {
      const sub = mkdtempSync(join(dir, 'usage-'));
      const out = join(sub, 'out.csv');
      const r = churn('generate', ...args, '--out', out);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const line = oneLine(r.stderr);
      expect(line).toMatch(/^churn generate: /);
      expect(line).toMatch(mentions);
      expect(line).toMatch(/\[CHURN_ERR_USAGE\]$/);
      expect(readdirSync(sub)).toEqual([]);
    });
  }

  it('exits 2 when --out is missing, naming --out, and writes nothing', () => {
    const cwd = mkdtempSync(join(dir, 'no-out-'));
    const r = churnWith({ cwd }, 'generate', '--rows', '10');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const line = oneLine(r.stderr);
    expect(line).toMatch(/missing required option --out/);
    expect(line).toMatch(/\[CHURN_ERR_USAGE\]$/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('exits 2 on an unknown command', () => {
    const r = churn('frobnicate', '--rows', '10');
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain('unknown command "frobnicate"');
    expect(line).toContain('generate');
  });

  it('exits 2 and prints the usage when no command is given', () => {
    const r = churn();
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('Usage: churn <command>');
  });
});

describe('churn generate output errors', () => {
  it('exits 2 for a path under a folder that does not exist, creating nothing', () => {
    const missing = join(dir, 'no-such-dir');
    const r = churn('generate', '--rows', '100', '--out', join(missing, 'x.csv'));
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain('no-such-dir');
    expect(line).toMatch(/\[CHURN_ERR_IO\]$/);
    expect(existsSync(missing)).toBe(false);
  });

  it('exits 2 for an unwritable location (/proc), leaving no file or temp file', () => {
    const r = churn('generate', '--rows', '100', '--out', '/proc/x.csv');
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^churn generate: /);
    expect(line).toMatch(/\[CHURN_ERR_IO\]$/);
    expect(readdirSync('/proc').filter((f) => f.includes('x.csv'))).toEqual([]);
  });

  it('exits 2 when --out is a directory, leaving no temp file beside it', () => {
    const sub = mkdtempSync(join(dir, 'isdir-'));
    const r = churn('generate', '--rows', '100', '--out', sub);
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain('is a directory');
    expect(line).toMatch(/\[CHURN_ERR_IO\]$/);
    expect(readdirSync(sub)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
