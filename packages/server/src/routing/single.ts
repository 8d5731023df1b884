import type { Scorer } from '../scoring/index.js';
import type { RoutingStrategy } from './strategy.js';

/** Every request is answered by the champion. */
export class SingleStrategy implements RoutingStrategy {
  readonly kind = 'single';
  readonly shadow = null;
  readonly candidate = null;

  constructor(readonly primary: Scorer) {}

  route(_customerId: string): Scorer {
    return this.primary;
  }
}
