import type { RiskLevel } from '@churn/ml';

/** The comparison of a champion and its shadow challenger, as the API shows it. */
export interface ShadowSummary {
  readonly champion: number;
  readonly challenger: number;
  /** Requests scored by both. */
  readonly count: number;
  /** Share of requests where both gave the same risk level (low / medium / high). */
  readonly agreement_rate: number | null;
  /** Pearson correlation of the two probabilities (null until defined). */
  readonly correlation: number | null;
  readonly mean_abs_difference: number | null;
}

/**
 * Streaming comparison of two models' answers on the same requests: agreement of risk levels,
 * Pearson correlation of probabilities (Welford's co-moment update, stable without storing
 * samples) and the mean absolute difference. Agreement is on risk level rather than a 0.5 class
 * cut because the risk level is what callers act on.
 */
export class ShadowStats {
  private n = 0;
  private agree = 0;
  private absDiff = 0;
  private meanX = 0;
  private meanY = 0;
  private m2x = 0;
  private m2y = 0;
  private cxy = 0;

  constructor(
    readonly champion: number,
    readonly challenger: number,
  ) {}

  /** Record one request: the champion's answer (x) and the challenger's (y). */
  add(x: number, levelX: RiskLevel, y: number, levelY: RiskLevel): void {
    const n = ++this.n;
    if (levelX === levelY) this.agree++;
    this.absDiff += Math.abs(x - y);
    const dx = x - this.meanX;
    this.meanX += dx / n;
    const dy = y - this.meanY;
    this.meanY += dy / n;
    this.m2x += dx * (x - this.meanX);
    this.m2y += dy * (y - this.meanY);
    this.cxy += dx * (y - this.meanY);
  }

  get count(): number {
    return this.n;
  }

  summary(): ShadowSummary {
    const n = this.n;
    const denom = Math.sqrt(this.m2x * this.m2y);
    return {
      champion: this.champion,
      challenger: this.challenger,
      count: n,
      agreement_rate: n > 0 ? this.agree / n : null,
      correlation: n > 1 && denom > 0 ? this.cxy / denom : null,
      mean_abs_difference: n > 0 ? this.absDiff / n : null,
    };
  }
}
