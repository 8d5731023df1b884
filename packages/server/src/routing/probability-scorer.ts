import { type ChurnModel, DEFAULT_RISK_THRESHOLDS, predictRow, type RiskLevel, riskLevel } from '@churn/ml';
import type { FeatureValues } from '../scoring/index.js';

/**
 * A model's probability and risk level only, for shadow scoring. The full `Scorer` also derives
 * recommended actions, which costs about ten times the prediction itself, and a shadow answer
 * never reaches a client. Features are encoded exactly as `Scorer` does (categories to their
 * index, unknown categories and nulls to NaN), so the probabilities are identical.
 */
export class ProbabilityScorer {
  private readonly names: string[];
  private readonly categoryIndex: (Map<string, number> | null)[];
  private readonly x: Float64Array;

  constructor(
    readonly model: ChurnModel,
    readonly version: number,
  ) {
    this.names = model.binning.map((b) => b.name);
    this.categoryIndex = model.binning.map((b) =>
      b.kind === 'categorical' ? new Map(b.categories.map((c, i) => [c, i] as const)) : null,
    );
    this.x = new Float64Array(model.binning.length);
  }

  probability(features: FeatureValues): number {
    const { x, names, categoryIndex } = this;
    for (let f = 0; f < names.length; f++) {
      const v = features[names[f]];
      const index = categoryIndex[f];
      if (v === null || v === undefined) x[f] = Number.NaN;
      else if (index) x[f] = index.get(String(v)) ?? Number.NaN;
      else x[f] = v as number;
    }
    return predictRow(this.model, x);
  }

  riskLevel(probability: number): RiskLevel {
    return riskLevel(probability, DEFAULT_RISK_THRESHOLDS);
  }
}
