import type { Database } from '../db/index.js';

/** A served prediction, as the API hands it to the log. */
export interface LoggedPrediction {
  readonly predictionId: string;
  readonly customerId: string;
  readonly modelVersion: number;
  readonly probability: number;
  readonly riskLevel: string;
  readonly features: Readonly<Record<string, unknown>>;
  /** When it was served (default: when it was logged). */
  readonly servedAt?: Date;
  /** Categorical features whose value the model had not seen (scored as missing). */
  readonly unseenCategories?: readonly string[];
  /** Features sent as null (default: derived from `features`). */
  readonly missingFeatures?: readonly string[];
}

/**
 * Where the log sends predictions when it does not write the table itself: the event stream
 * (see `events/prediction-events.ts`), whose prediction-log writer consumer fills the table.
 */
export interface PredictionPublisher {
  /** Hand over one prediction; never blocks. */
  publish(prediction: LoggedPrediction): void;
  /** Resolves when everything published so far is durable. */
  flush(): Promise<void>;
}

/** At most how many recently served predictions the log remembers (for feedback on a fresh prediction). */
const RECENT = 20_000;

/**
 * Records served predictions off the response path. On a `Database` it buffers them and writes
 * batches itself (every `intervalMs` or `batchSize` entries); on a `PredictionPublisher` it
 * publishes each one as a `prediction.scored` event. Either way `flush()` means "everything
 * logged so far is durable", and `recent()` answers for predictions that may not be in the table
 * yet.
 */
export class PredictionLog {
  private buffer: LoggedPrediction[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /**
   * Recently served prediction ids → customer ids, in two generations: when the newer one fills
   * up it becomes the older one and the oldest generation is dropped whole (between RECENT / 2
   * and RECENT ids are remembered). Evicting one id at a time from a single Map cost more than
   * the rest of logging a prediction.
   */
  private recentIds = new Map<string, string>();
  private olderIds = new Map<string, string>();

  constructor(
    private readonly target: Database | PredictionPublisher,
    private readonly onError: (err: unknown) => void,
    private readonly batchSize = 500,
    private readonly intervalMs = 250,
  ) {}

  add(p: LoggedPrediction): void {
    this.remember(p);
    if ('publish' in this.target) {
      this.target.publish(p);
      return;
    }
    this.buffer.push(p);
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** The customer of a prediction served by this process recently, if it is one. */
  recent(predictionId: string): { customerId: string } | undefined {
    const customerId = this.recentIds.get(predictionId) ?? this.olderIds.get(predictionId);
    return customerId === undefined ? undefined : { customerId };
  }

  /** Make everything logged so far durable. */
  flush(): Promise<void> {
    if ('publish' in this.target) return this.target.flush().catch(this.onError);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    const db = this.target;
    this.flushing = this.flushing
      .then(async () => {
        await writePredictions(db, batch);
      })
      .catch(this.onError);
    return this.flushing;
  }

  private remember(p: LoggedPrediction): void {
    this.recentIds.set(p.predictionId, p.customerId);
    if (this.recentIds.size >= RECENT / 2) {
      this.olderIds = this.recentIds;
      this.recentIds = new Map();
    }
  }
}

/**
 * Insert predictions into the `predictions` table in one statement. Idempotent by the natural
 * key: a prediction id already present is skipped (ON CONFLICT DO NOTHING), so a redelivered event
 * is written once. Returns how many rows were new.
 */
export async function writePredictions(
  db: Pick<Database, 'query'>,
  batch: readonly LoggedPrediction[],
): Promise<number> {
  if (batch.length === 0) return 0;
  // One JSON parameter instead of seven per row: far less to bind and parse for large batches.
  const rows = batch.map((p) => ({
    prediction_id: p.predictionId,
    customer_id: p.customerId,
    model_version: p.modelVersion,
    churn_probability: p.probability,
    risk_level: p.riskLevel,
    features: p.features,
    created_at: (p.servedAt ?? new Date()).toISOString(),
  }));
  const inserted = await db.query(
    `INSERT INTO predictions (prediction_id, customer_id, model_version, churn_probability, risk_level, features, created_at)
     SELECT prediction_id, customer_id, model_version, churn_probability, risk_level, features, created_at
     FROM jsonb_to_recordset($1::jsonb) AS r(prediction_id uuid, customer_id text, model_version integer,
       churn_probability double precision, risk_level text, features jsonb, created_at timestamptz)
     ON CONFLICT (prediction_id) DO NOTHING
     RETURNING prediction_id`,
    [JSON.stringify(rows)],
  );
  return inserted.length;
}
