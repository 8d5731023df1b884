import type { TableSchema } from './feature-schema.js';

/** Categories of the three categorical customer features. */
export const FAVORITE_CATEGORIES = [
  'electronics',
  'fashion',
  'home_garden',
  'sports',
  'beauty',
  'books',
  'toys',
  'grocery',
] as const;
export const PAYMENT_METHODS = ['credit_card', 'debit_card', 'paypal', 'bank_transfer', 'buy_now_pay_later'] as const;
export const SHIPPING_METHODS = ['standard', 'express', 'next_day', 'pickup'] as const;

/**
 * The default e-commerce customer schema: `customer_id`, the label `churned` and 21 features.
 * The single source of truth for validation, training, the dashboard's form and the API docs.
 */
export const CUSTOMER_SCHEMA: TableSchema = Object.freeze({
  id: 'customer_id',
  target: 'churned',
  positiveLabel: '1',
  features: Object.freeze([
    { kind: 'numeric', name: 'customer_age_days', label: 'Customer age', unit: 'days', min: 0, max: 7300, integer: true,
      description: 'Days since the customer placed a first order.' },
    { kind: 'numeric', name: 'account_age_days', label: 'Account age', unit: 'days', min: 0, max: 7300, integer: true,
      description: 'Days since the account was created (never less than the customer age).' },
    { kind: 'numeric', name: 'total_orders', label: 'Total orders', unit: 'orders', min: 0, max: 100000, integer: true,
      description: 'Orders placed over the lifetime of the account.' },
    { kind: 'numeric', name: 'total_revenue', label: 'Total revenue', unit: 'USD', min: 0, max: 10000000,
      description: 'Lifetime revenue from the customer, net of refunds.' },
    { kind: 'numeric', name: 'days_since_last_order', label: 'Days since last order', unit: 'days', min: 0, max: 7300,
      integer: true, description: 'Days since the most recent order (recency).' },
    { kind: 'numeric', name: 'order_frequency', label: 'Order frequency', unit: 'orders/month', min: 0, max: 1000,
      description: 'Average orders per month since the first order.' },
    { kind: 'numeric', name: 'avg_order_value', label: 'Average order value', unit: 'USD', min: 0, max: 100000,
      description: 'Mean revenue per order.' },
    { kind: 'numeric', name: 'website_visits_30d', label: 'Website visits (30 days)', unit: 'visits', min: 0, max: 100000,
      integer: true, description: 'Sessions on the website or app in the last 30 days.' },
    { kind: 'numeric', name: 'email_open_rate', label: 'Email open rate', unit: 'ratio', min: 0, max: 1,
      description: 'Share of marketing emails opened; missing when the customer is not subscribed.' },
    { kind: 'numeric', name: 'cart_abandonment_rate', label: 'Cart abandonment rate', unit: 'ratio', min: 0, max: 1,
      description: 'Share of carts started but not checked out.' },
    { kind: 'numeric', name: 'product_views_30d', label: 'Product views (30 days)', unit: 'views', min: 0, max: 1000000,
      integer: true, description: 'Product pages viewed in the last 30 days.' },
    { kind: 'numeric', name: 'support_tickets_total', label: 'Support tickets', unit: 'tickets', min: 0, max: 10000,
      integer: true, description: 'Support tickets opened over the lifetime of the account.' },
    { kind: 'numeric', name: 'support_tickets_open', label: 'Open support tickets', unit: 'tickets', min: 0, max: 10000,
      integer: true, description: 'Support tickets still unresolved (never more than the total).' },
    { kind: 'numeric', name: 'returns_count', label: 'Returns', unit: 'returns', min: 0, max: 100000, integer: true,
      description: 'Orders returned over the lifetime of the account.' },
    { kind: 'numeric', name: 'refunds_count', label: 'Refunds', unit: 'refunds', min: 0, max: 100000, integer: true,
      description: 'Returns that were refunded (never more than the returns).' },
    { kind: 'categorical', name: 'favorite_category', label: 'Favourite category', categories: FAVORITE_CATEGORIES,
      description: 'Product category the customer buys most.' },
    { kind: 'numeric', name: 'discount_usage_rate', label: 'Discount usage rate', unit: 'ratio', min: 0, max: 1,
      description: 'Share of orders that used a discount code.' },
    { kind: 'numeric', name: 'premium_product_rate', label: 'Premium product rate', unit: 'ratio', min: 0, max: 1,
      description: 'Share of items bought from the premium range.' },
    { kind: 'categorical', name: 'payment_method', label: 'Payment method', categories: PAYMENT_METHODS,
      description: 'Payment method used most often.' },
    { kind: 'categorical', name: 'shipping_method', label: 'Shipping method', categories: SHIPPING_METHODS,
      description: 'Shipping option chosen most often.' },
    { kind: 'numeric', name: 'failed_payment_count', label: 'Failed payments', unit: 'payments', min: 0, max: 10000,
      integer: true, description: 'Payment attempts that failed over the last 90 days.' },
  ]),
} as TableSchema);

/** The 21 customer feature names, in schema order. */
export const CUSTOMER_FEATURES: readonly string[] = CUSTOMER_SCHEMA.features.map((f) => f.name);
