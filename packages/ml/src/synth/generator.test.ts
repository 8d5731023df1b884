import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, Dataset } from '../data/dataset.js';
import { CUSTOMER_FEATURES, CUSTOMER_SCHEMA, PAYMENT_METHODS } from '../schema/customer-schema.js';
import { datasetRows, generateCustomers } from './generator.js';
import { DRIFT_SCENARIOS, driftScenario } from './scenarios.js';

const N = 20_000;
const SEED = 7;

function numeric(ds: Dataset, name: string): Float64Array {
  const c = ds.columns.find((col) => col.name === name);
  if (c?.kind !== 'numeric') throw new Error(`no numeric column ${name}`);
  return c.values;
}

function categorical(ds: Dataset, name: string): CategoricalColumn {
  const c = ds.columns.find((col) => col.name === name);
  if (c?.kind !== 'categorical') throw new Error(`no categorical column ${name}`);
  return c;
}

/** Mean over the non-missing values. */
function mean(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    s += values[i];
    n++;
  }
  return s / n;
}

function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

function skewness(values: ArrayLike<number>): number {
  const m = mean(values);
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= values.length;
  m3 /= values.length;
  return m3 / m2 ** 1.5;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const churnRate = (ds: Dataset): number => mean(ds.target!);

/** Share of rows whose categorical value is `category`. */
function share(ds: Dataset, name: string, category: string): number {
  const c = categorical(ds, name);
  const code = c.categories.indexOf(category);
  let k = 0;
  for (let i = 0; i < ds.nRows; i++) if (c.codes[i] === code) k++;
  return k / ds.nRows;
}

const reference = generateCustomers({ rows: N, seed: SEED });

describe('generateCustomers determinism', () => {
  it('gives an identical dataset for the same seed', () => {
    const a = generateCustomers({ rows: 3000, seed: 11 });
    const b = generateCustomers({ rows: 3000, seed: 11 });
    expect(b).toEqual(a);
    expect(datasetRows(b)).toEqual(datasetRows(a));
  });

  it('gives a different dataset for a different seed', () => {
    const a = generateCustomers({ rows: 3000, seed: 11 });
    const b = generateCustomers({ rows: 3000, seed: 12 });
    expect(b.ids).not.toEqual(a.ids);
    expect(b.target).not.toEqual(a.target);
    for (const name of ['total_orders', 'total_revenue', 'days_since_last_order', 'email_open_rate']) {
      expect(numeric(b, name), name).not.toEqual(numeric(a, name));
    }
  });

  it('defaults to the `none` scenario', () => {
    expect(generateCustomers({ rows: 500, seed: 3, drift: 'none' })).toEqual(
      generateCustomers({ rows: 500, seed: 3 }),
    );
  });

  it('makes the first rows independent of the row count', () => {
    const small = generateCustomers({ rows: 200, seed: SEED });
    expect(datasetRows(small)).toEqual(datasetRows(reference, 0, 200));
    expect(small.target).toEqual(reference.target!.subarray(0, 200));
  });
});

describe('generateCustomers layout', () => {
  it('has exactly the schema features, in schema order, plus customer_id and churned', () => {
    expect(reference.nRows).toBe(N);
    expect(reference.columns.map((c) => c.name)).toEqual(CUSTOMER_SCHEMA.features.map((f) => f.name));
    expect(reference.columns.map((c) => c.name)).toEqual(CUSTOMER_FEATURES);
    expect(reference.columns).toHaveLength(21);
    expect(reference.columns.map((c) => c.kind)).toEqual(CUSTOMER_SCHEMA.features.map((f) => f.kind));
    expect(reference.idName).toBe('customer_id');
    expect(reference.targetName).toBe('churned');
    expect(reference.target).toHaveLength(N);
    expect(reference.ids).toHaveLength(N);
    for (const c of reference.columns) {
      expect(c.kind === 'numeric' ? c.values.length : c.codes.length, c.name).toBe(N);
    }
  });

  it('gives unique ids that embed the seed', () => {
    const ids = reference.ids!;
    expect(new Set(ids).size).toBe(N);
    expect(ids[0]).toBe(`cus_${SEED}_1`);
    expect(ids[N - 1]).toBe(`cus_${SEED}_${N}`);
  });

  it('labels rows 0 or 1', () => {
    expect(reference.target!.every((t) => t === 0 || t === 1)).toBe(true);
  });

  it('refuses a row count that is not a positive integer', () => {
    expect(() => generateCustomers({ rows: 0, seed: 1 })).toThrow(/rows must be a positive integer/);
    expect(() => generateCustomers({ rows: -5, seed: 1 })).toThrow(/rows/);
    expect(() => generateCustomers({ rows: 2.5, seed: 1 })).toThrow(/rows/);
  });
});

describe('generateCustomers invariants (20,000 rows)', () => {
  const col = (name: string) => numeric(reference, name);

  it('never has more open tickets than tickets, refunds than returns, or a customer older than the account', () => {
    const pairs: [string, string][] = [
      ['support_tickets_open', 'support_tickets_total'],
      ['refunds_count', 'returns_count'],
      ['customer_age_days', 'account_age_days'],
      ['returns_count', 'total_orders'],
      ['days_since_last_order', 'customer_age_days'],
    ];
    for (const [small, large] of pairs) {
      const a = col(small);
      const b = col(large);
      let bad = 0;
      for (let i = 0; i < N; i++) if (!(a[i] <= b[i])) bad++;
      expect(bad, `${small} <= ${large}`).toBe(0);
    }
  });

  it('keeps every numeric within the schema min/max, and integer features whole', () => {
    for (const f of CUSTOMER_SCHEMA.features) {
      if (f.kind !== 'numeric') continue;
      const v = col(f.name);
      let below = 0;
      let above = 0;
      let fractional = 0;
      for (let i = 0; i < N; i++) {
        if (Number.isNaN(v[i])) continue;
        if (f.min !== undefined && v[i] < f.min) below++;
        if (f.max !== undefined && v[i] > f.max) above++;
        if (f.integer && !Number.isInteger(v[i])) fractional++;
      }
      expect({ name: f.name, below, above, fractional }).toEqual({
        name: f.name,
        below: 0,
        above: 0,
        fractional: 0,
      });
    }
  });

  it('keeps every categorical within the schema categories, with no missing values', () => {
    for (const f of CUSTOMER_SCHEMA.features) {
      if (f.kind !== 'categorical') continue;
      const c = categorical(reference, f.name);
      expect(c.categories).toEqual(f.categories);
      const counts = new Array<number>(f.categories.length).fill(0);
      let outside = 0;
      for (let i = 0; i < N; i++) {
        const code = c.codes[i];
        if (code >= 0 && code < f.categories.length) counts[code]++;
        else outside++;
      }
      expect(outside, `${f.name} codes outside the categories`).toBe(0);
      // Every category occurs.
      expect(
        counts.every((k) => k > 0),
        `${f.name} counts ${counts}`,
      ).toBe(true);
    }
  });

  it('has missing values in email_open_rate only (unsubscribed customers, about 4 %)', () => {
    for (const c of reference.columns) {
      if (c.kind !== 'numeric') continue;
      let missing = 0;
      for (const v of c.values) if (Number.isNaN(v)) missing++;
      if (c.name === 'email_open_rate') {
        expect(missing / N).toBeGreaterThan(0.02);
        expect(missing / N).toBeLessThan(0.06);
      } else {
        expect(missing, c.name).toBe(0);
      }
    }
    expect(datasetRows(reference).some((r) => r.email_open_rate === null)).toBe(true);
  });

  it('churns between 15 % and 30 % in the reference population', () => {
    const rate = churnRate(reference);
    expect(rate).toBeGreaterThanOrEqual(0.15);
    expect(rate).toBeLessThanOrEqual(0.3);
  });

  it('has heavy-tailed revenue that grows with the number of orders', () => {
    const revenue = col('total_revenue');
    expect(mean(revenue)).toBeGreaterThan(1.3 * median(revenue));
    expect(skewness(revenue)).toBeGreaterThan(2);
    expect(pearson(col('total_orders'), revenue)).toBeGreaterThan(0.5);
  });

  it('keeps avg_order_value consistent with revenue / orders', () => {
    const revenue = col('total_revenue');
    const orders = col('total_orders');
    const aov = col('avg_order_value');
    let bad = 0;
    for (let i = 0; i < N; i++) {
      // Both are rounded to cents, so the ratio may differ by the rounding of revenue.
      if (!(orders[i] >= 1 && Math.abs(aov[i] - revenue[i] / orders[i]) <= 0.005 / orders[i] + 0.005 + 1e-9))
        bad++;
    }
    expect(bad).toBe(0);
  });

  it('makes churn rise with recency and fall with frequency', () => {
    const recency = col('days_since_last_order');
    const y = reference.target!;
    const rateWhere = (keep: (i: number) => boolean): number => {
      let n = 0;
      let k = 0;
      for (let i = 0; i < N; i++) {
        if (!keep(i)) continue;
        n++;
        k += y[i];
      }
      return k / n;
    };
    const recencyMedian = median(recency);
    expect(rateWhere((i) => recency[i] > recencyMedian)).toBeGreaterThan(
      rateWhere((i) => recency[i] <= recencyMedian),
    );
    const frequency = col('order_frequency');
    const frequencyMedian = median(frequency);
    expect(rateWhere((i) => frequency[i] > frequencyMedian)).toBeLessThan(
      rateWhere((i) => frequency[i] <= frequencyMedian),
    );
  });
});

describe('drift scenarios', () => {
  const none = reference;
  const drifted = (drift: string) => generateCustomers({ rows: N, seed: SEED, drift });

  it('downturn: customers wait longer between orders and order less often', () => {
    const ds = drifted('downturn');
    expect(mean(numeric(ds, 'days_since_last_order'))).toBeGreaterThan(
      1.3 * mean(numeric(none, 'days_since_last_order')),
    );
    expect(mean(numeric(ds, 'order_frequency'))).toBeLessThan(0.8 * mean(numeric(none, 'order_frequency')));
    expect(mean(numeric(ds, 'website_visits_30d'))).toBeLessThan(mean(numeric(none, 'website_visits_30d')));
    expect(churnRate(ds)).toBeGreaterThan(churnRate(none));
  });

  it('payment-shift: buy-now-pay-later takes a much larger share and failed payments rise', () => {
    const ds = drifted('payment-shift');
    const before = share(none, 'payment_method', 'buy_now_pay_later');
    const after = share(ds, 'payment_method', 'buy_now_pay_later');
    expect(after).toBeGreaterThan(before + 0.25);
    expect(share(ds, 'payment_method', 'credit_card')).toBeLessThan(
      share(none, 'payment_method', 'credit_card'),
    );
    expect(mean(numeric(ds, 'failed_payment_count'))).toBeGreaterThan(
      mean(numeric(none, 'failed_payment_count')),
    );
    expect(churnRate(ds)).toBeGreaterThan(churnRate(none));
  });

  it('email-drop: email open rates fall and nothing but email and churn changes', () => {
    const ds = drifted('email-drop');
    expect(mean(numeric(ds, 'email_open_rate'))).toBeLessThan(0.6 * mean(numeric(none, 'email_open_rate')));
    expect(churnRate(ds)).toBeGreaterThan(churnRate(none));
    // The scenario only scales the email draw: the same customers, with the same subscriptions.
    const rows = datasetRows(ds);
    const baseRows = datasetRows(none);
    let changed = 0;
    for (let i = 0; i < N; i++) {
      const { email_open_rate: email, ...rest } = rows[i];
      const { email_open_rate: baseEmail, ...baseRest } = baseRows[i];
      if ((email === null) !== (baseEmail === null)) changed++;
      for (const k of Object.keys(rest)) if (rest[k] !== baseRest[k]) changed++;
    }
    expect(changed).toBe(0);
  });

  it('keeps every scenario within the schema ranges and the row invariants', () => {
    for (const name of Object.keys(DRIFT_SCENARIOS)) {
      const ds = generateCustomers({ rows: 5000, seed: 99, drift: name });
      for (const f of CUSTOMER_SCHEMA.features) {
        if (f.kind !== 'numeric') continue;
        for (const v of numeric(ds, f.name)) {
          if (Number.isNaN(v)) continue;
          if ((f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max)) {
            throw new Error(`${name}: ${f.name} = ${v} is outside [${f.min}, ${f.max}]`);
          }
        }
      }
      const open = numeric(ds, 'support_tickets_open');
      const total = numeric(ds, 'support_tickets_total');
      const refunds = numeric(ds, 'refunds_count');
      const returns = numeric(ds, 'returns_count');
      const customerAge = numeric(ds, 'customer_age_days');
      const accountAge = numeric(ds, 'account_age_days');
      let bad = 0;
      for (let i = 0; i < ds.nRows; i++) {
        if (open[i] > total[i] || refunds[i] > returns[i] || customerAge[i] > accountAge[i]) bad++;
      }
      expect(bad, name).toBe(0);
    }
  });

  it('names the scenarios none, downturn, payment-shift and email-drop, each with a description', () => {
    expect(Object.keys(DRIFT_SCENARIOS)).toEqual(['none', 'downturn', 'payment-shift', 'email-drop']);
    for (const [name, s] of Object.entries(DRIFT_SCENARIOS)) {
      expect(s.name).toBe(name);
      expect(s.description.length).toBeGreaterThan(10);
      if (s.paymentWeights) expect(s.paymentWeights).toHaveLength(PAYMENT_METHODS.length);
    }
    expect(driftScenario('downturn')).toBe(DRIFT_SCENARIOS.downturn);
  });

  it('throws on an unknown scenario, naming the valid ones', () => {
    for (const call of [
      () => generateCustomers({ rows: 10, seed: 1, drift: 'bogus' }),
      () => driftScenario('bogus'),
    ]) {
      expect(call).toThrow(/unknown drift scenario "bogus"/);
      expect(call).toThrow(/none, downturn, payment-shift, email-drop/);
    }
  });

  it('does not take inherited object properties for scenarios', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(() => driftScenario(name), name).toThrow(/unknown drift scenario/);
      expect(() => generateCustomers({ rows: 10, seed: 1, drift: name }), name).toThrow(
        /unknown drift scenario/,
      );
    }
  });
});
