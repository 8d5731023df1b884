import {
  type ChurnModel,
  DEFAULT_RISK_THRESHOLDS,
  FRICTION_FEATURES,
  predictRow,
  type Recommendation,
  type RiskLevel,
  recommend,
  riskLevel,
  topReasons,
  warmUp,
} from '@churn/ml';

export type FeatureValues = Readonly<Record<string, number | string | null>>;

/** A scored customer, before logging and routing decorate it. */
export interface Score {
  readonly probability: number;
  readonly riskLevel: RiskLevel;
  readonly recommendations: Recommendation[];
  /** Features whose category the model never saw (scored as missing). */
  readonly unseenCategories: string[];
  /** Features given as null (scored on the missing-value path). */
  readonly missing: string[];
}

/**
 * Scores validated feature records with one model: encodes a record into the model's layout
 * (categories to their index, unknown categories and nulls to NaN), predicts, and derives the
 * risk level and recommended actions.
 */
export class Scorer {
  private readonly categoryIndex: (Map<string, number> | null)[];
  private readonly x: Float64Array;
  /** Model positions of the friction features (failed payments, open tickets). */
  private readonly frictions: number[];

  constructor(
    readonly model: ChurnModel,
    readonly version: number,
  ) {
    this.categoryIndex = model.binning.map((b) =>
      b.kind === 'categorical' ? new Map(b.categories.map((c, i) => [c, i] as const)) : null,
    );
    this.x = new Float64Array(model.binning.length);
    this.frictions = model.binning.flatMap((b, f) => (FRICTION_FEATURES.includes(b.name) ? [f] : []));
    warmUp(model);
  }

  score(features: FeatureValues): Score {
    const { model, x } = this;
    const unseen: string[] = [];
    const missing: string[] = [];
    const binning = model.binning;
    for (let f = 0; f < binning.length; f++) {
      const name = binning[f].name;
      const v = features[name];
      if (v === null || v === undefined) {
        x[f] = Number.NaN;
        missing.push(name);
        continue;
      }
      const index = this.categoryIndex[f];
      if (index) {
        const code = index.get(String(v));
        if (code === undefined) unseen.push(name);
        x[f] = code ?? Number.NaN;
      } else x[f] = v as number;
    }
    const probability = predictRow(model, x);
    const level = riskLevel(probability, DEFAULT_RISK_THRESHOLDS);
    // Without an explanation, frictions that are present (value > 0) count as raising the risk.
    const weights = new Float64Array(binning.length);
    for (const f of this.frictions) if (x[f] > 0) weights[f] = x[f];
    const context = { schema: model.schema, binning, profile: model.training.profile ?? [] };
    const { raising } = topReasons(context, x, 0, weights, this.frictions.length);
    return {
      probability,
      riskLevel: level,
      recommendations: recommend(level, raising),
      unseenCategories: unseen,
      missing,
    };
  }
}
