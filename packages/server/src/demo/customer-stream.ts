import { type Dataset, datasetRows, driftScenario, generateCustomers, Rng } from '@churn/ml';

/** A simulated customer: features to score, and the outcome the world will reveal later. */
export interface DemoCustomer {
  readonly customerId: string;
  readonly features: Record<string, number | string | null>;
  /** Drawn by the generator's churn mechanism, independently of any model. */
  readonly churned: boolean;
  /** Whether this customer came from the drifted population. */
  readonly drifted: boolean;
}

export interface CustomerStreamOptions {
  /** Drift scenario the population slowly moves to (see DRIFT_SCENARIOS); default `downturn`. */
  readonly scenario?: string;
  /** Seconds over which the drifted share grows from 0 to `maxDriftShare`; default 1800. */
  readonly rampSeconds?: number;
  /** Largest share of drifted customers; default 0.6. */
  readonly maxDriftShare?: number;
  readonly seed?: number;
}

const BATCH = 256;

/** Customers generated ahead, handed out one by one. */
interface Pool {
  readonly ds: Dataset;
  readonly rows: Record<string, number | string | null>[];
  at: number;
}

/**
 * Customers from the synthetic generator whose population drifts slowly: at `t` seconds a
 * customer comes from the drift scenario with probability maxDriftShare × min(1, t / rampSeconds),
 * else from the reference population, so monitors see features (and churn) move gradually.
 */
export class CustomerStream {
  private readonly scenario: string;
  private readonly rampSeconds: number;
  private readonly maxShare: number;
  private seed: number;
  private readonly rng: Rng;
  private readonly pools: Record<'base' | 'drift', Pool | null> = { base: null, drift: null };

  constructor(options: CustomerStreamOptions = {}) {
    this.scenario = driftScenario(options.scenario ?? 'downturn').name;
    this.rampSeconds = Math.max(0, options.rampSeconds ?? 1800);
    this.maxShare = Math.min(1, Math.max(0, options.maxDriftShare ?? 0.6));
    this.seed = options.seed ?? Date.now() % 1_000_000_000;
    this.rng = new Rng(this.seed ^ 0xd3e0);
  }

  /** Share of drifted customers `seconds` after the start. */
  driftShare(seconds: number): number {
    if (this.rampSeconds === 0) return this.maxShare;
    return this.maxShare * Math.min(1, Math.max(0, seconds / this.rampSeconds));
  }

  /** The next customer, `seconds` after the start. */
  next(seconds: number): DemoCustomer {
    const drifted = this.rng.next() < this.driftShare(seconds);
    const kind = drifted ? 'drift' : 'base';
    let pool = this.pools[kind];
    if (!pool || pool.at >= pool.ds.nRows) {
      // A fresh seed per batch: generated ids (cus_<seed>_<n>) never repeat.
      const ds = generateCustomers({
        rows: BATCH,
        seed: this.seed++,
        drift: drifted ? this.scenario : 'none',
      });
      pool = { ds, rows: datasetRows(ds), at: 0 };
      this.pools[kind] = pool;
    }
    const i = pool.at++;
    return {
      customerId: `demo_${pool.ds.ids?.[i] ?? `${this.seed}_${i}`}`,
      features: pool.rows[i],
      churned: pool.ds.target?.[i] === 1,
      drifted,
    };
  }
}
