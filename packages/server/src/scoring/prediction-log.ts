import type { Database } from '../db/index.js';

export interface LoggedPrediction {
  readonly predictionId: string;
  readonly customerId: string;
  readonly modelVersion: number;
  readonly probability: number;
  readonly riskLevel: string;
  readonly features: Readonly<Record<string, unknown>>;
}

/**
 * Writes served predictions to the database in batches, off the response path: entries are
 * buffered and flushed every `intervalMs` or when `batchSize` are waiting.
 */
export class PredictionLog {
  private buffer: LoggedPrediction[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly onError: (err: unknown) => void,
    private readonly batchSize = 500,
    private readonly intervalMs = 250,
  ) {}

  add(p: LoggedPrediction): void {
    this.buffer.push(p);
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Write everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch)).catch(this.onError);
    return this.flushing;
  }

  private async write(batch: LoggedPrediction[]): Promise<void> {
    const values: unknown[] = [];
    const rows = batch.map((p, i) => {
      values.push(
        p.predictionId,
        p.customerId,
        p.modelVersion,
        p.probability,
        p.riskLevel,
        JSON.stringify(p.features),
      );
      const o = i * 6;
      return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6})`;
    });
    await this.db.query(
      `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features)
       VALUES ${rows.join(', ')}`,
      values,
    );
  }
}
