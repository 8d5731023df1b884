import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn, oneLine, requireBuiltCli } from '../helpers/cli.js';

// Runs the built CLI the way a user does, on tables written by `churn generate`.

interface DriftJson {
  severity: string;
  schema: string;
  drifted: string[];
  features: { name: string; test: string; statistic: number; p_value: number; drift: boolean }[];
}

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'churn-cli-drift-'));
  const gen = (out: string, rows: number, seed: number, drift = 'none'): void => {
    const r = churn(
      'generate',
      '--rows',
      String(rows),
      '--seed',
      String(seed),
      '--drift',
      drift,
      '--out',
      file(out),
    );
    expect(r.status, r.stderr).toBe(0);
  };
  gen('ref.csv', 6000, 1);
  gen('same.csv', 3000, 2);
  gen('pay1.csv', 3000, 3, 'payment-shift');
  gen('pay2.csv', 3000, 4, 'payment-shift');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('churn drift', () => {
  it('flags payment_method and failed_payment_count for the payment-shift scenario', () => {
    const r = churn('drift', '--reference', file('ref.csv'), '--current', file('pay1.csv'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as DriftJson;
    expect(out.schema).toBe('customer');
    expect(out.features).toHaveLength(21);
    const byName = new Map(out.features.map((f) => [f.name, f]));
    expect(byName.get('payment_method')).toMatchObject({ test: 'chi2', drift: true });
    expect(byName.get('failed_payment_count')).toMatchObject({ test: 'ks', drift: true });
    expect(byName.get('total_orders')?.drift).toBe(false);
    for (const f of out.features) {
      expect(typeof f.statistic).toBe('number');
      expect(f.p_value).toBeGreaterThanOrEqual(0);
      expect(f.p_value).toBeLessThanOrEqual(1);
    }
    expect(out.severity).toBe('high');
  });

  it('is not high for another seed of the same scenario', () => {
    for (const [ref, cur] of [
      ['pay1.csv', 'pay2.csv'],
      ['ref.csv', 'same.csv'],
    ]) {
      const r = churn('drift', '--reference', file(ref), '--current', file(cur), '--json');
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as DriftJson;
      expect(out.severity).not.toBe('high');
      expect(out.drifted).toEqual([]);
    }
  });

  it('prints a readable table without --json', () => {
    const r = churn('drift', '--reference', file('ref.csv'), '--current', file('pay1.csv'));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^feature\s+test\s+statistic\s+p-value/);
    expect(lines.find((l) => l.startsWith('payment_method'))).toMatch(/chi2.*DRIFT$/);
    expect(lines.at(-1)).toMatch(/^severity: high \(2 features drift/);
  });

  it('infers the schema of any other table', () => {
    const rows = (shift: number) =>
      [
        'id,amount,plan',
        ...Array.from({ length: 400 }, (_, i) => `u${i},${(i % 50) + shift},${i % 3 ? 'basic' : 'pro'}`),
      ].join('\n');
    writeFileSync(file('a.csv'), rows(0));
    writeFileSync(file('b.csv'), rows(25));
    const r = churn('drift', '--reference', file('a.csv'), '--current', file('b.csv'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as DriftJson;
    expect(out.schema).toBe('inferred');
    expect(out.features.map((f) => [f.name, f.test])).toEqual([
      ['amount', 'ks'],
      ['plan', 'chi2'],
    ]);
    expect(out.drifted).toEqual(['amount']);
  });

  it('a missing file: one line naming it, exit 2', () => {
    const r = churn('drift', '--reference', file('ref.csv'), '--current', file('nope.csv'));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toContain('nope.csv');
  });

  it('different columns: one line naming the file and the column, exit 2', () => {
    const text = readFileSync(file('same.csv'), 'utf8').replace('total_orders', 'orders_total');
    writeFileSync(file('renamed.csv'), text);
    const r = churn('drift', '--reference', file('ref.csv'), '--current', file('renamed.csv'));
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain('renamed.csv');
    expect(line).toContain('"total_orders"');
    expect(line).toContain('CHURN_ERR_BAD_DATA');
  });

  it('a ragged row or a bad cell: one line naming the file, the line and the column, exit 2', () => {
    const lines = readFileSync(file('same.csv'), 'utf8').split('\n');
    lines[7] = lines[7].split(',').slice(0, 5).join(',');
    writeFileSync(file('ragged.csv'), lines.join('\n'));
    const r = churn('drift', '--reference', file('ref.csv'), '--current', file('ragged.csv'));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/ragged\.csv: line 8: expected 23 fields/);

    const bad = readFileSync(file('same.csv'), 'utf8').split('\n');
    const cells = bad[3].split(',');
    cells[3] = 'lots'; // total_orders
    bad[3] = cells.join(',');
    writeFileSync(file('bad.csv'), bad.join('\n'));
    const b = churn('drift', '--reference', file('bad.csv'), '--current', file('same.csv'));
    expect(b.status).toBe(2);
    expect(oneLine(b.stderr)).toMatch(/bad\.csv: line 4, column "total_orders": "lots" is not a number/);
  });
});
