import type { Scorer } from '../scoring/index.js';
import type { StrategyKind } from './spec.js';

/**
 * How one routing strategy picks the model for a request. An instance is immutable and holds
 * loaded, warm scorers only, so picking never waits and a router swap is one reference change.
 * `single`, `shadow`, `canary` and `blue_green` implement it beside this file.
 */
export interface RoutingStrategy {
  readonly kind: StrategyKind;
  /** The scorer that answers this customer; the same id always gets the same one. */
  route(customerId: string): Scorer;
  /** A scorer that also scores every request off the response path, to compare; or null. */
  readonly shadow: Scorer | null;
  /** The version most customers get (the champion alias). */
  readonly primary: Scorer;
  /** The other loaded version (challenger, standby), or null. */
  readonly candidate: Scorer | null;
}
