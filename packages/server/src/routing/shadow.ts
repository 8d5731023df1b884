import type { Scorer } from '../scoring/index.js';
import type { RoutingStrategy } from './strategy.js';

/**
 * The champion answers every request; the challenger scores the same request later, off the
 * response path, and only the comparison is kept.
 */
export class ShadowStrategy implements RoutingStrategy {
  readonly kind = 'shadow';

  constructor(
    readonly primary: Scorer,
    readonly shadow: Scorer,
  ) {}

  get candidate(): Scorer {
    return this.shadow;
  }

  route(_customerId: string): Scorer {
    return this.primary;
  }
}
