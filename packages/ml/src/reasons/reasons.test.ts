import { describe, expect, it } from 'vitest';
import { fitBinning } from '../binning/bin-mapper.js';
import { takeRows } from '../data/dataset.js';
import { encodeDataset } from '../model/predict.js';
import { profileDataset } from '../model/profile.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { topReasons } from './reasons.js';
import { recommend, riskLevel } from './recommendations.js';

const ds = generateCustomers({ rows: 2000, seed: 11 });
const binning = fitBinning(ds);
const profile = profileDataset(ds);
const ctx = { schema: CUSTOMER_SCHEMA, binning, profile };
const model = { binning } as Parameters<typeof encodeDataset>[0];
const names = binning.map((b) => b.name);
const f = (name: string) => names.indexOf(name);
const median = (name: string) => {
  const p = profile.find((q) => q.feature === name);
  return p?.kind === 'numeric' ? p.median : Number.NaN;
};

/** An encoded row of the dataset with chosen numeric overrides. */
function row(overrides: Record<string, number>): Float64Array {
  const x = encodeDataset(model, takeRows(ds, [0])).x;
  for (const [k, v] of Object.entries(overrides)) x[f(k)] = v;
  return x;
}

describe('topReasons', () => {
  it('words the strongest raising and lowering factors from the schema templates', () => {
    const x = row({ days_since_last_order: 94, failed_payment_count: 2, support_tickets_open: 0 });
    const shap = new Float64Array(names.length);
    shap[f('days_since_last_order')] = 0.2;
    shap[f('failed_payment_count')] = 0.1;
    shap[f('order_frequency')] = 0.05;
    shap[f('support_tickets_open')] = -0.03;
    shap[f('total_orders')] = -0.07;
    const { raising, lowering } = topReasons(ctx, x, 0, shap, 3);
    expect(raising.map((r) => r.feature)).toEqual([
      'days_since_last_order',
      'failed_payment_count',
      'order_frequency',
    ]);
    expect(raising[0].text).toBe(
      `No order for 94 days — typical customers last ordered ${Math.round(median('days_since_last_order'))} days ago`,
    );
    expect(raising[1].text).toBe('2 failed payments in the last 90 days');
    expect(lowering.map((r) => r.feature)).toEqual(['total_orders', 'support_tickets_open']);
    expect(lowering[1].text).toBe('No open support tickets');
    expect(raising.every((r) => r.direction === 'raises')).toBe(true);
  });

  it('names categories and missing values in words', () => {
    const x = row({});
    x[f('email_open_rate')] = Number.NaN;
    const shap = new Float64Array(names.length);
    shap[f('email_open_rate')] = 0.3;
    shap[f('payment_method')] = 0.1;
    const { raising } = topReasons(ctx, x, 0, shap);
    expect(raising[0]).toMatchObject({
      feature: 'email_open_rate',
      value: null,
      text: 'Not subscribed to marketing emails',
    });
    const pm = binning[f('payment_method')];
    expect(pm.kind).toBe('categorical');
    const category = pm.kind === 'categorical' ? pm.categories[x[f('payment_method')]] : '';
    expect(raising[1].text).toBe(`Pays with ${category.replaceAll('_', ' ')}`);
  });

  it('falls back to generic wording for schemas without templates', () => {
    const x = row({ total_orders: 3 });
    const shap = new Float64Array(names.length);
    shap[f('total_orders')] = 0.4;
    const bare = { ...ctx, schema: { ...CUSTOMER_SCHEMA, reasons: undefined } };
    const [r] = topReasons(bare, x, 0, shap).raising;
    expect(r.text).toMatch(/^Total orders is 3/);
  });
});

describe('risk levels and recommendations', () => {
  it.each([
    [0.05, 'low'],
    [0.3, 'medium'],
    [0.59, 'medium'],
    [0.6, 'high'],
    [0.99, 'high'],
  ] as const)('p = %s is %s risk', (p, level) => {
    expect(riskLevel(p)).toBe(level);
  });

  const reason = (feature: string, value: number) => ({
    feature,
    label: feature,
    value,
    typical: 0,
    contribution: 0.1,
    direction: 'raises' as const,
    text: `${feature} text`,
  });

  it('asks for immediate outreach and fixes the frictions behind a high risk', () => {
    const recs = recommend('high', [reason('failed_payment_count', 2), reason('support_tickets_open', 1)]);
    expect(recs.map((r) => r.code)).toEqual(['immediate_outreach', 'fix_payment', 'escalate_support']);
    expect(recs[1].why).toBe('failed_payment_count text');
  });

  it('does not suggest fixing payments that did not fail', () => {
    expect(recommend('medium', [reason('failed_payment_count', 0)]).map((r) => r.code)).toEqual([
      'targeted_campaign',
    ]);
  });

  it('keeps regular contact at low risk', () => {
    expect(recommend('low', [reason('days_since_last_order', 90)]).map((r) => r.code)).toEqual([
      'regular_contact',
    ]);
  });
});
