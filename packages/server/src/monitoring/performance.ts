/**
 * The shape of performance monitoring: windows, the report per model version, and the source
 * of calibration. `PerformanceTracker` (performance-tracker.ts) computes reports on a database;
 * `PerformanceSnapshotJob` (performance-snapshots.ts) stores them periodically.
 */

import type { MetricValues } from './cbpe.js';
import type { CalibrationMethod } from './cbpe-calibration.js';

/** The rolling windows the platform charts; `custom` is an explicit [from, to). */
export type WindowName = '24h' | '7d' | 'custom';

export const WINDOW_MS: Readonly<Record<Exclude<WindowName, 'custom'>, number>> = {
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
};

/** A half-open time range [from, to) of prediction times. */
export interface TimeWindow {
  readonly name: WindowName;
  readonly from: Date;
  readonly to: Date;
}

/** The rolling window `name` ending at `now`. */
export function rollingWindow(name: Exclude<WindowName, 'custom'>, now = new Date()): TimeWindow {
  return { name, from: new Date(now.getTime() - WINDOW_MS[name]), to: now };
}

/** How the probabilities behind the estimate were calibrated. */
export interface CalibrationInfo {
  readonly method: CalibrationMethod;
  /**
   * `validation`: labelled rows given to the tracker (e.g. the model's hold-out rows);
   * `feedback`: this version's labelled predictions observed before the window started;
   * null: none (raw probabilities; the estimate is biased as far as the model is miscalibrated).
   */
  readonly reference: 'validation' | 'feedback' | null;
  readonly reference_size: number;
  readonly note: string;
}

/**
 * Realized and estimated performance of one model version over one window of predictions.
 * Metrics are at the decision threshold (0.5) except ROC AUC.
 */
export interface PerformanceReport {
  readonly model_version: number;
  readonly window: WindowName;
  readonly from: string;
  readonly to: string;
  readonly threshold: number;
  /** Predictions the version served in the window. */
  readonly predictions: number;
  /** Of those, the ones with an observed outcome (see the join in performance-scan.ts). */
  readonly labelled: number;
  readonly labelled_churned: number;
  /** From the labelled predictions; all null when none is labelled. */
  readonly realized: MetricValues;
  /** CBPE over all predictions in the window; all null when there are none. */
  readonly estimated: MetricValues & { readonly expected_positive_rate: number | null };
  /** estimated − realized, per metric, where both exist: the estimate's bias on this window. */
  readonly estimate_error: MetricValues;
  readonly calibration: CalibrationInfo;
}

/** Labelled rows of a version's model on data it was not trained on, for calibration. */
export interface ReferenceSet {
  readonly y: ArrayLike<number>;
  readonly p: ArrayLike<number>;
}
