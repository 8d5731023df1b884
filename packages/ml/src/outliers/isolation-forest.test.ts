import { describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { detectOutliers } from './detect-outliers.js';
import { averagePathLength, fitIsolationForest, isolationScores } from './isolation-forest.js';
import { isolationForestFromJson, isolationForestToJson } from './serialize.js';

const training = generateCustomers({ rows: 5000, seed: 11 });

/** A copy of the first rows of a dataset with some cells replaced. */
function withRows(
  ds: Dataset,
  n: number,
  edit: (name: string, row: number) => number | string | undefined,
): Dataset {
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'numeric') {
      const values = c.values.slice(0, n);
      for (let i = 0; i < n; i++) {
        const v = edit(c.name, i);
        if (typeof v === 'number') values[i] = v;
      }
      return { ...c, values };
    }
    const categories = [...c.categories];
    const codes = c.codes.slice(0, n);
    for (let i = 0; i < n; i++) {
      const v = edit(c.name, i);
      if (typeof v === 'string') {
        if (!categories.includes(v)) categories.push(v);
        codes[i] = categories.indexOf(v);
      }
    }
    return { ...c, codes, categories };
  });
  return { nRows: n, columns };
}

describe('Isolation Forest', () => {
  const forest = fitIsolationForest(training, { schema: CUSTOMER_SCHEMA });

  it('uses the paper defaults: 100 trees of 256 rows, height limit 8', () => {
    expect(forest.treeStart.length).toBe(101);
    expect(forest.psi).toBe(256);
    // c(256) = 2 (ln 255 + γ) - 2·255/256, the paper's harmonic-number approximation
    expect(averagePathLength(256)).toBeCloseTo(10.244770920119917, 12);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(1)).toBe(0);
  });

  it('flags about the contamination share of the training data', () => {
    const scores = isolationScores(forest, training);
    let above = 0;
    for (const s of scores) if (s > forest.threshold) above++;
    expect(above / training.nRows).toBeGreaterThan(0.002);
    expect(above / training.nRows).toBeLessThan(0.03);
  });

  it('finds planted outliers and leaves normal rows mostly alone', () => {
    const fresh = generateCustomers({ rows: 2000, seed: 12 });
    const planted = new Set([3, 50, 777, 1500]);
    const ds = withRows(fresh, 2000, (name, row) => {
      if (!planted.has(row)) return undefined;
      if (name === 'total_orders') return 4000;
      if (name === 'total_revenue') return 900_000;
      if (name === 'support_tickets_total') return 300;
      if (name === 'website_visits_30d') return 2500;
      if (name === 'product_views_30d') return 9000;
      if (name === 'returns_count') return 250;
      if (name === 'refunds_count') return 200;
      if (name === 'days_since_last_order') return 3000;
      return undefined;
    });
    const report = detectOutliers(forest, ds);
    const flagged = new Set(report.outliers.map((o) => o.row));
    for (const r of planted) {
      expect(flagged.has(r)).toBe(true);
      expect(report.scores[r]).toBeGreaterThan(forest.threshold);
    }
    expect(report.outliers.filter((o) => !planted.has(o.row)).length / 2000).toBeLessThan(0.03);
    const reasons = report.outliers.find((o) => o.row === 3)?.reasons ?? [];
    expect(reasons[0]).toMatch(/^isolation score 0\.\d\d above threshold 0\.\d\d$/);
  });

  it('explains range violations and unseen categories', () => {
    const ds = withRows(training, 5, (name, row) => {
      if (row === 1 && name === 'total_orders') return -3;
      if (row === 2 && name === 'payment_method') return 'bitcoin';
      if (row === 3 && name === 'avg_order_value') return 50_000; // valid, but far beyond training
      return undefined;
    });
    const { outliers } = detectOutliers(forest, ds);
    const byRow = new Map(outliers.map((o) => [o.row, o.reasons]));
    expect(byRow.get(1)).toContain('total_orders = -3 outside [0, 100000]');
    expect(byRow.get(2)).toContain("payment_method 'bitcoin' never seen");
    expect(
      byRow.get(3)?.some((r) => r.startsWith('avg_order_value = 50000 far outside the training range')),
    ).toBe(true);
  });

  it('scores missing values as the training median (missingness alone is not an outlier)', () => {
    const base = withRows(training, 200, () => undefined);
    const missing = withRows(training, 200, (name) => (name === 'total_orders' ? Number.NaN : undefined));
    const med = forest.encodings.find((e) => e.name === 'total_orders');
    const imputed = withRows(training, 200, (name) =>
      name === 'total_orders' && med?.kind === 'numeric' ? med.median : undefined,
    );
    expect(Array.from(isolationScores(forest, missing))).toEqual(
      Array.from(isolationScores(forest, imputed)),
    );
    expect(isolationScores(forest, base).length).toBe(200);
  });

  it('is deterministic for a seed and changes with it', () => {
    const again = fitIsolationForest(training, { schema: CUSTOMER_SCHEMA });
    expect(Array.from(again.value)).toEqual(Array.from(forest.value));
    expect(again.threshold).toBe(forest.threshold);
    const other = fitIsolationForest(training, { schema: CUSTOMER_SCHEMA, seed: 43 });
    expect(Array.from(other.value)).not.toEqual(Array.from(forest.value));
  });

  it('round-trips through JSON exactly', () => {
    const text = JSON.stringify(isolationForestToJson(forest));
    const back = isolationForestFromJson(JSON.parse(text));
    const probe = generateCustomers({ rows: 300, seed: 13 });
    expect(Array.from(isolationScores(back, probe))).toEqual(Array.from(isolationScores(forest, probe)));
    expect(back.threshold).toBe(forest.threshold);
    expect(text.length).toBeLessThan(400_000);
    expect(() => isolationForestFromJson({ ...JSON.parse(text), feature: 'AAA=' })).toThrow(/do not match/);
  });
});
