import type { ReasonTemplate } from './feature-schema.js';

/**
 * Plain-language reason templates for the customer features, kept beside the schema. `above` is
 * used when the customer's value is above the typical (median) customer's, `below` when it is
 * below, `is` for categories. Placeholders: {value}, {typical}.
 */
export const CUSTOMER_REASONS: Readonly<Record<string, ReasonTemplate>> = Object.freeze({
  customer_age_days: {
    above: 'Customer for {value} days, longer than the typical {typical} days',
    below: 'Customer for only {value} days (typical: {typical} days)',
  },
  account_age_days: {
    above: 'Account open for {value} days (typical: {typical} days)',
    below: 'Account opened only {value} days ago (typical: {typical} days)',
  },
  total_orders: {
    above: '{value} orders placed — more than the typical {typical}',
    below: 'Only {value} orders placed — typical customers have {typical}',
  },
  total_revenue: {
    above: 'Spent {value} in total, above the typical {typical}',
    below: 'Spent only {value} in total (typical: {typical})',
  },
  days_since_last_order: {
    above: 'No order for {value} days — typical customers last ordered {typical} days ago',
    below: 'Ordered {value} days ago, more recently than the typical {typical} days',
  },
  order_frequency: {
    above: 'Orders {value} times a month, more often than the typical {typical}',
    below: 'Orders only {value} times a month (typical: {typical})',
  },
  avg_order_value: {
    above: 'Average basket {value}, above the typical {typical}',
    below: 'Average basket {value}, below the typical {typical}',
  },
  website_visits_30d: {
    above: '{value} visits in the last 30 days (typical: {typical})',
    below: 'Only {value} visits in the last 30 days (typical: {typical})',
  },
  email_open_rate: {
    above: 'Opens {value} of marketing emails (typical: {typical})',
    below: 'Opens only {value} of marketing emails (typical: {typical})',
    missing: 'Not subscribed to marketing emails',
  },
  cart_abandonment_rate: {
    above: 'Abandons {value} of carts — typical customers abandon {typical}',
    below: 'Abandons only {value} of carts (typical: {typical})',
  },
  product_views_30d: {
    above: 'Viewed {value} products in the last 30 days (typical: {typical})',
    below: 'Viewed only {value} products in the last 30 days (typical: {typical})',
  },
  support_tickets_total: {
    above: '{value} support tickets so far (typical: {typical})',
    below: 'Few support tickets so far ({value})',
  },
  support_tickets_open: {
    above: '{value} support tickets still open',
    below: 'No open support tickets',
  },
  returns_count: {
    above: '{value} orders returned (typical: {typical})',
    below: 'Few returns ({value})',
  },
  refunds_count: {
    above: '{value} refunds (typical: {typical})',
    below: 'Few refunds ({value})',
  },
  favorite_category: { is: 'Buys mostly {value}' },
  discount_usage_rate: {
    above: 'Uses a discount on {value} of orders (typical: {typical})',
    below: 'Rarely uses discounts ({value} of orders)',
  },
  premium_product_rate: {
    above: 'Buys premium products often ({value} of items)',
    below: 'Rarely buys premium products ({value} of items; typical: {typical})',
  },
  payment_method: { is: 'Pays with {value}' },
  shipping_method: { is: 'Chooses {value} shipping' },
  failed_payment_count: {
    above: '{value} failed payments in the last 90 days',
    below: 'No failed payments recently',
  },
});
