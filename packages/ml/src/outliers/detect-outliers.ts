/**
 * Outlier checks on incoming rows, each outlier with its reasons in plain words:
 *
 * - the Isolation Forest score above the threshold calibrated on the training data
 *   ("isolation score 0.71 above threshold 0.62");
 * - a numeric value outside the schema's valid range ("total_orders = -3 outside [0, 100000]"), or
 *   far outside the training range: beyond it by more than the range's own width;
 * - a category never seen in training ("payment_method 'bitcoin' never seen").
 */
import type { Dataset } from '../data/dataset.js';
import { formatNumber } from '../util/format-number.js';
import { type IsolationForest, isolationScores } from './isolation-forest.js';

export interface RowOutlier {
  /** 0-based row index in the checked dataset. */
  readonly row: number;
  readonly score: number;
  readonly reasons: readonly string[];
}

export interface OutlierReport {
  readonly rows: number;
  readonly threshold: number;
  /** Anomaly score of every row. */
  readonly scores: Float64Array;
  /** The rows with at least one reason, in row order. */
  readonly outliers: readonly RowOutlier[];
}

const fmt = (v: number): string => formatNumber(Math.round(v * 1e6) / 1e6);

/** Score every row and collect the outliers with their reasons. */
export function detectOutliers(forest: IsolationForest, ds: Dataset): OutlierReport {
  const scores = isolationScores(forest, ds);
  const reasons: string[][] = Array.from({ length: ds.nRows }, () => []);
  for (let i = 0; i < ds.nRows; i++) {
    if (scores[i] > forest.threshold)
      reasons[i].push(
        `isolation score ${scores[i].toFixed(2)} above threshold ${forest.threshold.toFixed(2)}`,
      );
  }
  const byName = new Map(ds.columns.map((c) => [c.name, c]));
  for (const e of forest.encodings) {
    const c = byName.get(e.name);
    if (!c) continue;
    if (e.kind === 'numeric' && c.kind === 'numeric') {
      const width = e.max - e.min;
      for (let i = 0; i < ds.nRows; i++) {
        const v = c.values[i];
        if (Number.isNaN(v)) continue;
        const lo = e.schemaMin;
        const hi = e.schemaMax;
        if ((lo !== undefined && v < lo) || (hi !== undefined && v > hi)) {
          reasons[i].push(`${e.name} = ${fmt(v)} outside [${lo ?? '…'}, ${hi ?? '…'}]`);
        } else if (v < e.min - width || v > e.max + width) {
          reasons[i].push(
            `${e.name} = ${fmt(v)} far outside the training range [${fmt(e.min)}, ${fmt(e.max)}]`,
          );
        }
      }
    } else if (e.kind === 'categorical' && c.kind === 'categorical') {
      const known = new Set(e.categories);
      const unseen = c.categories.map((cat) => !known.has(cat));
      for (let i = 0; i < ds.nRows; i++) {
        const code = c.codes[i];
        if (code >= 0 && unseen[code]) reasons[i].push(`${e.name} '${c.categories[code]}' never seen`);
      }
    }
  }
  const outliers: RowOutlier[] = [];
  for (let i = 0; i < ds.nRows; i++) {
    if (reasons[i].length > 0) outliers.push({ row: i, score: scores[i], reasons: reasons[i] });
  }
  return { rows: ds.nRows, threshold: forest.threshold, scores, outliers };
}
