import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import { beforeAll, describe, expect, it } from 'vitest';
import { Scorer } from '../../src/scoring/index.js';

const customers = generateCustomers({ rows: 3000, seed: 5 });
let scorer: Scorer;
beforeAll(async () => {
  const model = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 30, threads: 1 },
  });
  scorer = new Scorer(model, 1);
});

const lapsing = {
  ...datasetRows(customers, 0, 1)[0],
  days_since_last_order: 400,
  order_frequency: 0.05,
  email_open_rate: null,
  website_visits_30d: 0,
  cart_abandonment_rate: 0.9,
};

describe('Scorer recommendations without an explanation', () => {
  it('acts on the frictions that are present', () => {
    const s = scorer.score({ ...lapsing, failed_payment_count: 3, support_tickets_open: 2 });
    expect(s.riskLevel).not.toBe('low');
    const codes = s.recommendations.map((r) => r.code);
    expect(codes).toContain('fix_payment');
    expect(codes).toContain('escalate_support');
    expect(s.recommendations.find((r) => r.code === 'fix_payment')?.why).toBe(
      '3 failed payments in the last 90 days',
    );
  });

  it('does not invent frictions that are absent', () => {
    const s = scorer.score({ ...lapsing, failed_payment_count: 0, support_tickets_open: 0 });
    const codes = s.recommendations.map((r) => r.code);
    expect(codes).not.toContain('fix_payment');
    expect(codes).not.toContain('escalate_support');
    expect(codes.length).toBeGreaterThan(0);
  });
});
