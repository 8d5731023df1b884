import type { Scorer } from '../scoring/index.js';
import { BlueGreenStrategy } from './blue-green.js';
import { CanaryStrategy } from './canary.js';
import { ShadowStrategy } from './shadow.js';
import { SingleStrategy } from './single.js';
import type { RoutingSpec } from './spec.js';
import type { RoutingStrategy } from './strategy.js';

/** The strategy a spec describes, on scorers already loaded (`scorer(v)` must not load). */
export function buildStrategy(spec: RoutingSpec, scorer: (version: number) => Scorer): RoutingStrategy {
  switch (spec.strategy) {
    case 'single':
      return new SingleStrategy(scorer(spec.champion));
    case 'shadow':
      return new ShadowStrategy(scorer(spec.champion), scorer(spec.challenger));
    case 'canary':
      return new CanaryStrategy(scorer(spec.champion), scorer(spec.challenger), spec.percent);
    case 'blue_green':
      return new BlueGreenStrategy(scorer(spec.blue), scorer(spec.green), spec.active);
  }
}
