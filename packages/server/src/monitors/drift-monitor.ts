import { CountWindow, DriftChecker, type DriftReport } from '@churn/ml';
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
import { type MonitorMetrics, SEVERITY_LEVEL } from './metrics.js';
import type { MonitoredModels } from './model-cache.js';
import type { ImportanceSource, MonitoredModel } from './monitored-model.js';
import { forEachPrediction } from './prediction-batch.js';
import type { DriftReportStore, StoredDriftReport, WindowKind } from './stores.js';
import { BoundedTimeWindow, RecentIds } from './windows.js';

export const DRIFT_MONITOR_GROUP = 'drift-monitor';

/** Fewest rows a window needs before it is checked. */
export const MIN_CHECK_ROWS = 50;

/** Payload of `drift.alert` on the drift topic (keyed by model version). */
export interface DriftAlertPayload {
  readonly model_version: number;
  readonly severity: 'medium' | 'high';
  readonly drifted_features: readonly {
    readonly name: string;
    readonly p_adjusted: number;
    readonly effect: number;
    /** Share of the model's importance, 0–1 (by mean |SHAP| or split gain, see `importance_source`). */
    readonly importance?: number;
  }[];
  /** The window checked: the last N rows (`count`) or the rows of the last T seconds (`time`). */
  readonly window: WindowKind;
  readonly rows: number;
  readonly summary: string;
  readonly importance_source: ImportanceSource;
  readonly report_id: number;
}

export interface DriftMonitorOptions {
  readonly models: MonitoredModels;
  readonly store: DriftReportStore;
  readonly alerts: Pick<AlertService, 'raise'>;
  readonly topics: Topics;
  /** Publishes `drift.alert` events (to the drift topic). */
  readonly publish: (event: EventEnvelope<DriftAlertPayload>) => void;
  /** Count window: the last N rows per version. */
  readonly windowRows: number;
  /** Time window span, and the longest time between two checks of a version with new rows. */
  readonly windowSeconds: number;
  /** New rows between two count-window checks. */
  readonly checkEvery: number;
  readonly metrics?: MonitorMetrics;
  readonly log?: Logger;
  readonly now?: () => number;
}

/** A version's windows and check counters. */
interface VersionState {
  readonly model: MonitoredModel;
  readonly count: CountWindow;
  readonly time: BoundedTimeWindow;
  readonly seen: RecentIds;
  readonly row: Float64Array;
  readonly unseen: (string | null)[];
  sinceCheck: number;
  sinceTimeCheck: number;
  lastTimeCheck: number;
}

/**
 * The drift monitor, a consumer of `prediction.scored` events (group `drift-monitor`). Per model
 * version it keeps the last `windowRows` served feature rows (count window) and those of the last
 * `windowSeconds` (time window, at most 10 × windowRows), encoded in the layout of the model's
 * training reference; every `checkEvery` new rows it checks the count window, and at least every
 * `windowSeconds` the time window, against the reference (prepared once per version). Each report
 * is stored; a medium or high one raises a `drift` alert and publishes `drift.alert`. The checks
 * run on a worker thread ({@link DriftChecker}, started on the first check): a full check takes
 * about 10 ms, which on this thread would hold up every request in flight.
 *
 * At least once: rows are de-duplicated by prediction id over the last windowRows ids, so a
 * redelivered batch does not count twice.
 */
export class DriftMonitor {
  private readonly states = new Map<number, VersionState>();
  private readonly withoutReference = new Set<number>();
  private readonly now: () => number;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private checker: DriftChecker | null = null;

  constructor(private readonly o: DriftMonitorOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The consumer subscription (predictions topic). */
  subscription(): Subscription {
    return {
      group: DRIFT_MONITOR_GROUP,
      topics: [this.o.topics.predictions],
      maxBatch: 1000,
      handler: (batch) => this.serial(() => this.handle(batch)),
    };
  }

  /** Check time windows that are due in the background (quiet traffic still gets its checks). */
  start(): void {
    const every = Math.min(60_000, Math.max(1000, (this.o.windowSeconds * 1000) / 4));
    this.timer = setInterval(() => {
      this.serial(() => this.checkDue()).catch((err) =>
        this.o.log?.warn({ err }, 'drift monitor: time-window check failed'),
      );
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain.catch(() => {});
    await this.checker?.close();
    this.checker = null;
  }

  /** Handle one batch of events (what the subscription's handler runs). */
  async handle(batch: readonly EventEnvelope[]): Promise<HandlerResult> {
    const touched = new Set<VersionState>();
    const rejected = await forEachPrediction(
      batch,
      { states: this.states, load: (v) => this.state(v), buffers: (s) => s },
      (p, state) => {
        state.count.push(state.row);
        state.time.push(p.servedAt?.getTime() ?? this.now(), state.row);
        state.sinceTimeCheck++;
        touched.add(state);
        if (++state.sinceCheck < this.o.checkEvery) return;
        state.sinceCheck = 0;
        return this.check(state, 'count').then(() => {});
      },
    );
    for (const s of touched) if (this.timeCheckDue(s)) await this.check(s, 'time');
    return { rejected };
  }

  /** Run the time-window checks that are due. */
  async checkDue(): Promise<void> {
    for (const s of this.states.values()) if (this.timeCheckDue(s)) await this.check(s, 'time');
  }

  private timeCheckDue(s: VersionState): boolean {
    return s.sinceTimeCheck > 0 && this.now() - s.lastTimeCheck >= this.o.windowSeconds * 1000;
  }

  /** Check one window now; returns the stored report (null when the window is too small). */
  private async check(s: VersionState, kind: WindowKind): Promise<StoredDriftReport | null> {
    const now = this.now();
    if (kind === 'time') {
      s.sinceTimeCheck = 0;
      s.lastTimeCheck = now;
    }
    const reference = s.model.drift;
    if (!reference) return null;
    const ds = kind === 'count' ? s.count.toDataset() : s.time.toDataset(now);
    if (ds.nRows < MIN_CHECK_ROWS) return null;
    const t0 = performance.now();
    // One worker thread: a check then takes one core for ~10 ms and leaves the other to the API
    // (two threads halve the check but took both cores, and the API's p99 went 4.5 → 7.9 ms).
    this.checker ??= new DriftChecker({ threads: 1 });
    const report = await this.checker.check(reference, ds, { importance: s.model.importance });
    const seconds = (performance.now() - t0) / 1000;
    const version = s.model.version;
    const m = this.o.metrics;
    if (m) {
      const v = String(version);
      m.driftCheckSeconds.labels({ window: kind }).observe(seconds);
      m.driftChecks.labels({ version: v, window: kind, severity: report.severity }).inc();
      m.driftSeverity.labels({ version: v }).set(SEVERITY_LEVEL[report.severity]);
      for (const f of report.features)
        m.driftFeaturePValue.labels({ version: v, feature: f.name }).set(f.p_adjusted);
    }
    const stored = await this.o.store.save({
      model_version: version,
      window: kind,
      rows: ds.nRows,
      severity: report.severity,
      summary: report.summary,
      features: report.features,
    });
    if (report.severity === 'medium' || report.severity === 'high')
      await this.alert(s.model, report, report.severity, stored);
    return stored;
  }

  private async alert(
    model: MonitoredModel,
    report: DriftReport,
    severity: 'medium' | 'high',
    stored: StoredDriftReport,
  ): Promise<void> {
    const byName = new Map(report.features.map((f) => [f.name, f]));
    const drifted = report.drifted.map((name) => {
      const f = byName.get(name)!;
      const out = { name, p_adjusted: f.p_adjusted, effect: f.effect };
      return f.importance === undefined ? out : { ...out, importance: f.importance };
    });
    const payload: DriftAlertPayload = {
      model_version: model.version,
      severity,
      drifted_features: drifted,
      window: stored.window,
      rows: stored.rows,
      summary: report.summary,
      importance_source: model.importanceSource,
      report_id: stored.id,
    };
    await this.o.alerts.raise({
      kind: 'drift',
      severity,
      dedup_key: `drift:v${model.version}:${severity}`,
      title: `Model v${model.version}: ${report.summary}`,
      details: { ...payload },
    });
    this.o.publish(createEvent(EVENT_TYPES.driftAlert, String(model.version), payload, 'drift-monitor'));
  }

  /** The version's state; a string when the version is unknown; null when it has no reference. */
  private async state(version: number): Promise<VersionState | string | null> {
    const known = this.states.get(version);
    if (known) return known;
    if (this.withoutReference.has(version)) return null;
    const model = await this.o.models.get(version);
    if (typeof model === 'string') return model;
    const again = this.states.get(version);
    if (again) return again;
    if (!model.drift) {
      this.withoutReference.add(version);
      this.o.log?.warn({ version }, 'drift monitor: the model file has no training reference; not monitored');
      return null;
    }
    const { features } = model.layout;
    const state: VersionState = {
      model,
      count: new CountWindow({ features }, this.o.windowRows),
      time: new BoundedTimeWindow(features, this.o.windowSeconds * 1000, 10 * this.o.windowRows),
      seen: new RecentIds(this.o.windowRows),
      row: new Float64Array(features.length),
      unseen: new Array(features.length).fill(null),
      sinceCheck: 0,
      sinceTimeCheck: 0,
      lastTimeCheck: this.now(),
    };
    this.states.set(version, state);
    return state;
  }

  /** Handler batches and timer checks never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }
}
