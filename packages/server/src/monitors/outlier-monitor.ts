import { type Column, type Dataset, detectOutliers, type IsolationForest } from '@churn/ml';
import type { Logger } from 'pino';
import type { AlertService } from '../alerts/index.js';
import {
  createEvent,
  EVENT_TYPES,
  type EventEnvelope,
  type HandlerResult,
  type Subscription,
  type Topics,
} from '../events/index.js';
import type { LoggedPrediction } from '../scoring/index.js';
import type { MonitorMetrics } from './metrics.js';
import type { MonitoredModels } from './model-cache.js';
import type { FeatureLayout, MonitoredModel } from './monitored-model.js';
import { forEachPrediction } from './prediction-batch.js';
import type { NewOutlier, OutlierStore } from './stores.js';
import { RecentIds } from './windows.js';

export const OUTLIER_MONITOR_GROUP = 'outlier-monitor';

/** Payload of `outlier.detected` on the outliers topic (keyed by customer id). */
export interface OutlierDetectedPayload {
  readonly outlier_id: number;
  readonly prediction_id: string;
  readonly customer_id: string;
  readonly model_version: number;
  /** Isolation Forest score (near 1: isolated quickly); `threshold` is the model's calibrated one. */
  readonly score: number;
  readonly threshold: number;
  readonly reasons: readonly string[];
  readonly served_at: string;
}

export interface OutlierMonitorOptions {
  readonly models: MonitoredModels;
  readonly store: OutlierStore;
  readonly alerts: Pick<AlertService, 'raise'>;
  readonly topics: Topics;
  /** Publishes `outlier.detected` events (to the outliers topic). */
  readonly publish: (event: EventEnvelope<OutlierDetectedPayload>) => void;
  /** Outlier share over the last `windowRows` checked predictions above which an alert is raised. */
  readonly alertRate: number;
  readonly windowRows: number;
  readonly metrics?: MonitorMetrics;
  readonly log?: Logger;
}

/** A version's recent outcomes (outlier or not) as a ring with a running count. */
interface VersionState {
  readonly model: MonitoredModel & { readonly forest: IsolationForest };
  readonly seen: RecentIds;
  readonly flags: Uint8Array;
  next: number;
  size: number;
  outliers: number;
  /** Checked rows since the last alert (an alert at most once per window). */
  sinceAlert: number;
}

interface Pending {
  readonly p: LoggedPrediction;
  readonly row: Float64Array;
  readonly unseen: (string | null)[];
}

/**
 * The outlier monitor, a consumer of `prediction.scored` events (group `outlier-monitor`): scores
 * each prediction's features with the model's stored Isolation Forest plus the range and
 * unseen-category checks; each outlier is stored once (by prediction id), published as
 * `outlier.detected` with its reasons and counted; when the outlier share over a version's last
 * `windowRows` predictions exceeds `alertRate`, an `outlier` alert is raised (high at twice the
 * rate).
 */
export class OutlierMonitor {
  private readonly states = new Map<number, VersionState>();
  private readonly withoutForest = new Set<number>();

  constructor(private readonly o: OutlierMonitorOptions) {}

  subscription(): Subscription {
    return {
      group: OUTLIER_MONITOR_GROUP,
      topics: [this.o.topics.predictions],
      maxBatch: 1000,
      handler: (batch) => this.handle(batch),
    };
  }

  async handle(batch: readonly EventEnvelope[]): Promise<HandlerResult> {
    const byVersion = new Map<VersionState, Pending[]>();
    const rejected = await forEachPrediction(
      batch,
      {
        states: this.states,
        load: (v) => this.state(v),
        // Rows are scored together after the walk: each keeps its own buffers.
        buffers: (s) => ({
          row: new Float64Array(s.model.layout.features.length),
          unseen: new Array(s.model.layout.features.length),
        }),
      },
      (p, state, row, unseen) => {
        const list = byVersion.get(state) ?? [];
        list.push({ p, row, unseen });
        byVersion.set(state, list);
      },
    );
    for (const [state, rows] of byVersion) await this.score(state, rows);
    return { rejected };
  }

  private async score(state: VersionState, rows: readonly Pending[]): Promise<void> {
    const { forest, layout, version } = state.model;
    const report = detectOutliers(forest, toDataset(layout, rows));
    const found: NewOutlier[] = report.outliers.map((o) => {
      const { p } = rows[o.row];
      return {
        prediction_id: p.predictionId,
        customer_id: p.customerId,
        model_version: version,
        score: o.score,
        reasons: o.reasons,
        created_at: p.servedAt ?? new Date(),
      };
    });
    const stored = await this.o.store.save(found);
    for (const s of stored) {
      this.o.publish(
        createEvent(
          EVENT_TYPES.outlierDetected,
          s.customer_id,
          {
            outlier_id: s.id,
            prediction_id: s.prediction_id,
            customer_id: s.customer_id,
            model_version: s.model_version,
            score: s.score,
            threshold: forest.threshold,
            reasons: s.reasons,
            served_at: s.created_at,
          },
          'outlier-monitor',
        ),
      );
    }
    const flagged = new Set(report.outliers.map((o) => o.row));
    for (let i = 0; i < rows.length; i++) {
      const flag = flagged.has(i) ? 1 : 0;
      if (state.size === state.flags.length) state.outliers -= state.flags[state.next];
      else state.size++;
      state.flags[state.next] = flag;
      state.outliers += flag;
      state.next = (state.next + 1) % state.flags.length;
    }
    state.sinceAlert += rows.length;
    const rate = state.outliers / state.size;
    const m = this.o.metrics;
    if (m) {
      const v = String(version);
      m.outliersScored.labels({ version: v }).inc(rows.length);
      if (report.outliers.length > 0) m.outliers.labels({ version: v }).inc(report.outliers.length);
      m.outlierRate.labels({ version: v }).set(rate);
    }
    if (state.size === state.flags.length && rate > this.o.alertRate && state.sinceAlert >= state.size) {
      state.sinceAlert = 0;
      const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
      await this.o.alerts.raise({
        kind: 'outlier',
        severity: rate >= 2 * this.o.alertRate ? 'high' : 'medium',
        dedup_key: `outlier:v${version}:rate`,
        title: `Model v${version}: ${pct(rate)} outliers in the last ${state.size} predictions (threshold ${pct(this.o.alertRate)})`,
        details: { model_version: version, rate, threshold: this.o.alertRate, window_rows: state.size },
      });
    }
  }

  private async state(version: number): Promise<VersionState | string | null> {
    const known = this.states.get(version);
    if (known) return known;
    if (this.withoutForest.has(version)) return null;
    const model = await this.o.models.get(version);
    if (typeof model === 'string') return model;
    const again = this.states.get(version);
    if (again) return again;
    const { forest } = model;
    if (!forest) {
      this.withoutForest.add(version);
      this.o.log?.warn({ version }, 'outlier monitor: the model file has no outlier forest; not monitored');
      return null;
    }
    const state: VersionState = {
      model: { ...model, forest },
      seen: new RecentIds(Math.max(this.o.windowRows, 5000)),
      flags: new Uint8Array(this.o.windowRows),
      next: 0,
      size: 0,
      outliers: 0,
      sinceAlert: 0,
    };
    this.states.set(version, state);
    return state;
  }
}

/** Encoded rows as a dataset; categories never seen get codes of their own (for the reasons). */
function toDataset(layout: FeatureLayout, rows: readonly Pending[]): Dataset {
  const n = rows.length;
  const columns = layout.features.map((f, j): Column => {
    if (f.kind === 'numeric') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = rows[i].row[j];
      return { kind: 'numeric', name: f.name, values };
    }
    const categories = [...f.categories];
    const extra = new Map<string, number>();
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const text = rows[i].unseen[j];
      if (text === null || text === undefined) {
        codes[i] = rows[i].row[j];
        continue;
      }
      let code = extra.get(text);
      if (code === undefined) {
        code = categories.push(text) - 1;
        extra.set(text, code);
      }
      codes[i] = code;
    }
    return { kind: 'categorical', name: f.name, codes, categories };
  });
  return { nRows: n, columns };
}
