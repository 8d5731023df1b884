import type { Scorer } from '../scoring/index.js';
import { canaryBucket } from './hash.js';
import type { RoutingStrategy } from './strategy.js';

/**
 * `percent` of customers, chosen by a hash of their id, are answered by the challenger; the rest
 * by the champion. Sticky (a customer keeps their model) and nested: raising the percentage only
 * adds customers to the canary, it never moves one back.
 */
export class CanaryStrategy implements RoutingStrategy {
  readonly kind = 'canary';
  readonly shadow = null;
  private readonly threshold: number;

  constructor(
    readonly primary: Scorer,
    readonly candidate: Scorer,
    readonly percent: number,
  ) {
    this.threshold = Math.round(percent * 100);
  }

  route(customerId: string): Scorer {
    return canaryBucket(customerId) < this.threshold ? this.candidate : this.primary;
  }
}
