import type { Scorer } from '../scoring/index.js';
import type { RoutingStrategy } from './strategy.js';

/**
 * Two versions loaded and warm; the active color answers every request. Switching builds a new
 * instance around the same two scorers, so the switch costs nothing but a reference swap.
 */
export class BlueGreenStrategy implements RoutingStrategy {
  readonly kind = 'blue_green';
  readonly shadow = null;
  readonly primary: Scorer;
  readonly candidate: Scorer;

  constructor(
    readonly blue: Scorer,
    readonly green: Scorer,
    readonly active: 'blue' | 'green',
  ) {
    this.primary = active === 'blue' ? blue : green;
    this.candidate = active === 'blue' ? green : blue;
  }

  route(_customerId: string): Scorer {
    return this.primary;
  }
}
