import {
  BatchTreeExplainer,
  type ChurnModel,
  DEFAULT_RISK_THRESHOLDS,
  FRICTION_FEATURES,
  logOddsToProbability,
  predictRow,
  type Reason,
  ReasonWriter,
  type Recommendation,
  type RiskLevel,
  recommend,
  riskLevel,
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

/** SHAP values and reasons for one scored customer. */
export interface Explanation {
  /** Space of `values` and `base_value`: probability (forest) or log-odds (boosting). */
  readonly output_space: 'probability' | 'log-odds';
  readonly base_value: number;
  /** SHAP value per feature; base_value + their sum = the model output. */
  readonly values: Record<string, number>;
  /** For log-odds models: the values rescaled to probability for display (approximation). */
  readonly probability_values?: Record<string, number>;
  readonly reasons: { raising: Reason[]; lowering: Reason[] };
}

/**
 * Scores validated feature records with one model: encodes a record into the model's layout
 * (categories to their index, unknown categories and nulls to NaN), predicts, and derives the
 * risk level and recommended actions.
 */
export class Scorer {
  private readonly categoryIndex: (Map<string, number> | null)[];
  private readonly x: Float64Array;
  /**
   * A worker thread that explains this model's rows, started on the first explanation request:
   * one row of the 100-tree forest takes tens of milliseconds, during which this thread keeps
   * serving.
   */
  private explainer: Promise<BatchTreeExplainer> | null = null;
  /** Model positions of the friction features (failed payments, open tickets). */
  private readonly frictions: number[];
  private readonly reasons: ReasonWriter;
  /** Friction weights of the row being scored (reused: score() runs on every request). */
  private readonly weights: Float64Array;

  constructor(
    readonly model: ChurnModel,
    readonly version: number,
  ) {
    this.categoryIndex = model.binning.map((b) =>
      b.kind === 'categorical' ? new Map(b.categories.map((c, i) => [c, i] as const)) : null,
    );
    this.x = new Float64Array(model.binning.length);
    this.frictions = model.binning.flatMap((b, f) => (FRICTION_FEATURES.includes(b.name) ? [f] : []));
    this.reasons = new ReasonWriter({
      schema: model.schema,
      binning: model.binning,
      profile: model.training.profile ?? [],
    });
    this.weights = new Float64Array(model.binning.length);
    warmUp(model);
  }

  /**
   * Score and explain a customer: SHAP values, the top reasons raising and lowering the risk, and
   * recommendations driven by those reasons.
   */
  async explain(features: FeatureValues): Promise<Score & { explanation: Explanation }> {
    const s = this.score(features);
    // The row is copied: other requests reuse this.x while the worker explains.
    const x = Float64Array.from(this.x);
    const ex = await this.explainerThread();
    const phi = await ex.shapBatch({
      x,
      nRows: 1,
      nFeatures: x.length,
      missingRows: 0,
      unseenCategories: {},
    });
    const { model } = this;
    const names = model.binning.map((b) => b.name);
    const byName = (v: Float64Array) => Object.fromEntries(names.map((n, f) => [n, v[f]]));
    const reasons = this.reasons.top(x, 0, phi, 3);
    const explanation: Explanation = {
      output_space: ex.outputSpace,
      base_value: ex.expectedValue,
      values: byName(phi),
      ...(ex.outputSpace === 'log-odds'
        ? { probability_values: byName(logOddsToProbability(phi, ex.expectedValue).values) }
        : {}),
      reasons,
    };
    return { ...s, recommendations: recommend(s.riskLevel, reasons.raising), explanation };
  }

  /** Stop the explanation thread, if one was started. */
  async close(): Promise<void> {
    const ex = this.explainer;
    this.explainer = null;
    await (await ex?.catch(() => null))?.close();
  }

  private explainerThread(): Promise<BatchTreeExplainer> {
    if (!this.explainer) {
      const p = BatchTreeExplainer.create(this.model, 1, { offThread: true });
      // A thread that failed to start is tried again on the next request.
      p.catch(() => {
        if (this.explainer === p) this.explainer = null;
      });
      this.explainer = p;
    }
    return this.explainer;
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
    const { weights } = this;
    // biome-ignore lint/complexity/useMathMinMax: a missing value (NaN) must weigh 0, not NaN
    for (const f of this.frictions) weights[f] = x[f] > 0 ? x[f] : 0;
    const { raising } = this.reasons.top(x, 0, weights, this.frictions.length);
    return {
      probability,
      riskLevel: level,
      recommendations: recommend(level, raising),
      unseenCategories: unseen,
      missing,
    };
  }
}
