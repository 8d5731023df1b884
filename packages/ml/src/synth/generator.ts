import type { CategoricalColumn, Column, Dataset, NumericColumn } from '../data/dataset.js';
import {
  CUSTOMER_SCHEMA,
  FAVORITE_CATEGORIES,
  PAYMENT_METHODS,
  SHIPPING_METHODS,
} from '../schema/customer-schema.js';
import { Rng } from '../util/rng.js';
import { type DriftScenario, driftScenario } from './scenarios.js';

export interface GenerateOptions {
  rows: number;
  seed: number;
  /** Drift scenario name (see DRIFT_SCENARIOS); default `none`. */
  drift?: string;
}

const BASE_PAYMENT_WEIGHTS = [0.38, 0.22, 0.22, 0.08, 0.1];
const SHIPPING_WEIGHTS = [0.55, 0.22, 0.1, 0.13];
const CATEGORY_WEIGHTS = [0.18, 0.2, 0.14, 0.1, 0.12, 0.08, 0.06, 0.12];
const PAYMENT_RISK = [-0.15, 0, 0, 0.25, 0.45];
const PAYMENT_FAILURE_RATE = [0.12, 0.18, 0.08, 0.1, 0.35];
const SHIPPING_RISK = [0.15, -0.1, -0.2, 0.05];
const CATEGORY_RISK = [0.15, 0.05, 0, 0, -0.05, 0.05, 0.1, -0.3];
/** Intercept chosen so that the reference population churns at about 22 %. */
const INTERCEPT = -1.62;

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Generate a synthetic customer table with the 21 customer features, `customer_id` and the label
 * `churned`, deterministic for a seed. See docs/synthetic-data.md for
 * the mechanism: churn rises with recency, falls with frequency and engagement, and rises with
 * service and payment friction, with a few interactions between them.
 */
export function generateCustomers(options: GenerateOptions): Dataset {
  const { rows, seed } = options;
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows must be a positive integer, got ${rows}`);
  const scenario = driftScenario(options.drift ?? 'none');
  const rng = new Rng(seed);
  const num = (): Float64Array => new Float64Array(rows);
  const cols = {
    customer_age_days: num(),
    account_age_days: num(),
    total_orders: num(),
    total_revenue: num(),
    days_since_last_order: num(),
    order_frequency: num(),
    avg_order_value: num(),
    website_visits_30d: num(),
    email_open_rate: num(),
    cart_abandonment_rate: num(),
    product_views_30d: num(),
    support_tickets_total: num(),
    support_tickets_open: num(),
    returns_count: num(),
    refunds_count: num(),
    discount_usage_rate: num(),
    premium_product_rate: num(),
    failed_payment_count: num(),
  };
  const favorite = new Int32Array(rows);
  const payment = new Int32Array(rows);
  const shipping = new Int32Array(rows);
  const target = new Uint8Array(rows);
  const ids: string[] = new Array(rows);
  const paymentWeights = scenario.paymentWeights ?? BASE_PAYMENT_WEIGHTS;

  for (let i = 0; i < rows; i++) {
    ids[i] = `cus_${seed}_${i + 1}`;
    sampleCustomer(rng, scenario, paymentWeights, i, cols, favorite, payment, shipping, target);
  }

  const columns: Column[] = CUSTOMER_SCHEMA.features.map((f): Column => {
    if (f.kind === 'categorical') {
      const codes =
        f.name === 'favorite_category' ? favorite : f.name === 'payment_method' ? payment : shipping;
      return {
        kind: 'categorical',
        name: f.name,
        codes,
        categories: f.categories,
      } satisfies CategoricalColumn;
    }
    return {
      kind: 'numeric',
      name: f.name,
      values: cols[f.name as keyof typeof cols],
    } satisfies NumericColumn;
  });
  return { nRows: rows, columns, target, targetName: 'churned', ids, idName: 'customer_id' };
}

type Cols = Record<string, Float64Array>;

function sampleCustomer(
  rng: Rng,
  sc: DriftScenario,
  paymentWeights: readonly number[],
  i: number,
  c: Cols,
  favorite: Int32Array,
  payment: Int32Array,
  shipping: Int32Array,
  target: Uint8Array,
): void {
  // Latent traits: purchasing activity and engagement are correlated, as in real shops.
  const activityZ = rng.normal();
  const engagementZ = 0.55 * activityZ + 0.835 * rng.normal();
  const frictionZ = rng.normal();

  const accountAge = Math.min(3650, Math.round(14 + rng.exponential(620)));
  const customerAge = Math.max(1, accountAge - Math.round(rng.exponential(25)));
  const monthlyRate = 1.1 * Math.exp(0.75 * activityZ) * sc.frequencyFactor;
  const totalOrders = Math.max(1, rng.poisson((monthlyRate * customerAge) / 30));
  const frequency = totalOrders / Math.max(1, customerAge / 30);

  const cat = rng.choice(CATEGORY_WEIGHTS);
  const premium = rng.unitInterval(cat === 0 || cat === 4 ? 0.35 : 0.2, 0.9);
  const aov = Math.exp(Math.log(48) + 0.9 * premium + 0.5 * rng.normal());
  const revenue = totalOrders * aov * Math.exp(0.08 * rng.normal());

  // Recency: the expected gap between orders, plus a lapsing tail for customers drifting away.
  const gap = 30 / Math.max(0.05, monthlyRate);
  let recency = rng.exponential(gap) * sc.recencyFactor;
  if (rng.next() < 0.18 + 0.08 * Math.tanh(frictionZ)) recency += rng.exponential(75) * sc.recencyFactor;
  recency = Math.min(customerAge, Math.round(recency));

  const visits = rng.poisson(Math.exp(1.6 + 0.6 * engagementZ) * sc.visitsFactor);
  const views = rng.poisson((visits * 3.5 + 1) * Math.exp(0.3 * rng.normal()));
  const subscribed = rng.next() >= 0.04;
  const emailRate = subscribed
    ? Math.min(1, rng.unitInterval(0.28 + 0.1 * engagementZ, 0.7) * sc.emailFactor)
    : Number.NaN;
  const abandonment = rng.unitInterval(0.3 + 0.08 * frictionZ, 0.8);
  const ticketsTotal = rng.poisson(0.3 + 0.02 * totalOrders + 0.35 * Math.max(0, frictionZ));
  const ticketsOpen = rng.binomial(ticketsTotal, 0.12 + 0.1 * Math.max(0, frictionZ));
  const returns = rng.binomial(totalOrders, 0.04 + (cat === 1 ? 0.05 : 0));
  const refunds = rng.binomial(returns, 0.65);
  const discount = rng.unitInterval(0.22 - 0.05 * activityZ, 0.9);
  const pay = rng.choice(paymentWeights);
  const ship = rng.choice(SHIPPING_WEIGHTS);
  const failed = rng.poisson(PAYMENT_FAILURE_RATE[pay] * sc.failedPaymentFactor * Math.exp(0.4 * frictionZ));

  // The churn mechanism, on observed values: recency, frequency, engagement, friction, interactions.
  const lowEmail = Number.isNaN(emailRate) || emailRate < 0.12;
  let z =
    INTERCEPT +
    1.05 * Math.log1p(recency / 30) -
    0.6 * Math.log1p(frequency * 3) -
    1.8 * ((Number.isNaN(emailRate) ? 0.1 : emailRate) - 0.28) -
    0.3 * Math.log1p(visits) +
    1.1 * abandonment +
    0.5 * ticketsOpen +
    0.06 * ticketsTotal +
    0.5 * failed +
    0.2 * refunds +
    0.7 * discount -
    0.6 * premium -
    0.22 * Math.log1p(revenue / 500) +
    PAYMENT_RISK[pay] +
    SHIPPING_RISK[ship] +
    CATEGORY_RISK[cat];
  if (ticketsOpen > 0 && failed > 0) z += 0.6;
  if (recency > 60 && lowEmail) z += 0.7;
  if (accountAge < 120 && totalOrders <= 2) z += 0.5;
  const p = 1 / (1 + Math.exp(-z));

  c.customer_age_days[i] = customerAge;
  c.account_age_days[i] = accountAge;
  c.total_orders[i] = totalOrders;
  c.total_revenue[i] = round2(revenue);
  c.days_since_last_order[i] = recency;
  c.order_frequency[i] = round3(frequency);
  c.avg_order_value[i] = round2(revenue / totalOrders);
  c.website_visits_30d[i] = visits;
  c.email_open_rate[i] = Number.isNaN(emailRate) ? Number.NaN : round3(emailRate);
  c.cart_abandonment_rate[i] = round3(abandonment);
  c.product_views_30d[i] = views;
  c.support_tickets_total[i] = ticketsTotal;
  c.support_tickets_open[i] = ticketsOpen;
  c.returns_count[i] = returns;
  c.refunds_count[i] = refunds;
  c.discount_usage_rate[i] = round3(discount);
  c.premium_product_rate[i] = round3(premium);
  c.failed_payment_count[i] = failed;
  favorite[i] = cat;
  payment[i] = pay;
  shipping[i] = ship;
  target[i] = rng.next() < p ? 1 : 0;
}

/** Customers as plain records (feature name → value), e.g. for demo traffic against the API. */
export function datasetRows(
  ds: Dataset,
  start = 0,
  end = ds.nRows,
): Record<string, number | string | null>[] {
  const out: Record<string, number | string | null>[] = [];
  for (let i = start; i < end; i++) {
    const row: Record<string, number | string | null> = {};
    for (const col of ds.columns) {
      if (col.kind === 'numeric') row[col.name] = Number.isNaN(col.values[i]) ? null : col.values[i];
      else row[col.name] = col.codes[i] < 0 ? null : col.categories[col.codes[i]];
    }
    out.push(row);
  }
  return out;
}

export { FAVORITE_CATEGORIES, PAYMENT_METHODS, SHIPPING_METHODS };
