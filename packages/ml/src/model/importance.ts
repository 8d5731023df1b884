import type { Tree } from '../tree/tree.js';
import type { FeatureImportance } from './model.js';

/** Importance of each feature by total split gain (normalised to sum to 1) and by split count. */
export function featureImportance(trees: readonly Tree[], names: readonly string[]): FeatureImportance[] {
  const gain = new Float64Array(names.length);
  const splits = new Float64Array(names.length);
  for (const t of trees) {
    for (let i = 0; i < t.nNodes; i++) {
      const f = t.feature[i];
      if (f < 0) continue;
      gain[f] += t.gain[i];
      splits[f]++;
    }
  }
  let total = 0;
  for (const g of gain) total += g;
  return names
    .map((feature, f) => ({ feature, gain: total > 0 ? gain[f] / total : 0, splits: splits[f] }))
    .sort((a, b) => b.gain - a.gain);
}
