/*
 * Boosting is explained exactly in log-odds; people read probabilities. The sigmoid is not
 * additive, so no exact per-feature split of a probability change exists; this module offers the
 * common display approximation.
 */

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

/** Log-odds SHAP values of one row rescaled to probability space, with their base. */
export interface ProbabilityContributions {
  /** σ(expected margin): the probability the contributions start from. */
  readonly base: number;
  /** σ(expected margin + Σ values): the row's probability. */
  readonly probability: number;
  /** One per feature; they sum to probability − base (up to rounding). */
  readonly values: Float64Array;
}

/**
 * Convert one row's log-odds SHAP values (boosting) to probability space for display, by
 * proportional scaling: each value is multiplied by (σ(m₀ + Σφ) − σ(m₀)) / Σφ, where m₀ is the
 * expected margin. The result adds up exactly from σ(m₀) to the row's probability and keeps each
 * feature's sign and share of the total, but it is an approximation, not a Shapley decomposition
 * of the probability: features pushing in opposite directions are scaled by the same slope, which
 * the sigmoid's curvature does not justify. When Σφ ≈ 0 the slope at m₀ is used. Reads
 * values[offset .. offset + nFeatures).
 */
export function logOddsToProbability(
  values: Float64Array,
  expectedMargin: number,
  offset = 0,
  nFeatures = values.length - offset,
): ProbabilityContributions {
  let total = 0;
  for (let f = 0; f < nFeatures; f++) total += values[offset + f];
  const base = sigmoid(expectedMargin);
  const probability = sigmoid(expectedMargin + total);
  const slope = Math.abs(total) > 1e-12 ? (probability - base) / total : base * (1 - base);
  const out = new Float64Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) out[f] = values[offset + f] * slope;
  return { base, probability, values: out };
}
