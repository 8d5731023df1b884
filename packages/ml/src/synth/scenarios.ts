/**
 * Drift scenarios for the synthetic generator: each one shifts the population the way a real
 * business event would, while the churn mechanism itself stays the same (covariate shift), so
 * monitors see the features move and the churn rate follow.
 */
export interface DriftScenario {
  readonly name: string;
  readonly description: string;
  /** Multiplier on the mean days between orders (recency) and on its observed value. */
  readonly recencyFactor: number;
  /** Multiplier on each customer's order rate. */
  readonly frequencyFactor: number;
  /** Multiplier on website visits and product views. */
  readonly visitsFactor: number;
  /** Multiplier on email open rates. */
  readonly emailFactor: number;
  /** Payment method mix weights (order of PAYMENT_METHODS), or undefined for the base mix. */
  readonly paymentWeights?: readonly number[];
  /** Multiplier on the failed-payment rate. */
  readonly failedPaymentFactor: number;
}

const BASE: Omit<DriftScenario, 'name' | 'description'> = {
  recencyFactor: 1,
  frequencyFactor: 1,
  visitsFactor: 1,
  emailFactor: 1,
  failedPaymentFactor: 1,
};

/** The available scenarios, by name. `none` is the reference population. */
export const DRIFT_SCENARIOS: Readonly<Record<string, DriftScenario>> = Object.freeze({
  none: { ...BASE, name: 'none', description: 'The reference population, no drift.' },
  downturn: {
    ...BASE,
    name: 'downturn',
    description:
      'An economic downturn: customers order less often, wait longer between orders and visit less.',
    recencyFactor: 1.8,
    frequencyFactor: 0.6,
    visitsFactor: 0.7,
  },
  'payment-shift': {
    ...BASE,
    name: 'payment-shift',
    description: 'Buy-now-pay-later takes over the payment mix and failed payments double.',
    paymentWeights: [0.18, 0.12, 0.15, 0.05, 0.5],
    failedPaymentFactor: 2,
  },
  'email-drop': {
    ...BASE,
    name: 'email-drop',
    description: 'A mail-provider change sends campaigns to spam: email open rates halve.',
    emailFactor: 0.45,
  },
});

/** Look a scenario up by name, or throw listing the valid names. */
export function driftScenario(name: string): DriftScenario {
  // Own properties only: `toString`, `constructor` and the like are not scenarios.
  const s = Object.hasOwn(DRIFT_SCENARIOS, name) ? DRIFT_SCENARIOS[name] : undefined;
  if (!s)
    throw new Error(
      `unknown drift scenario "${name}" (expected one of: ${Object.keys(DRIFT_SCENARIOS).join(', ')})`,
    );
  return s;
}
