import type { FeatureBinning } from '../binning/bin-mapper.js';
import type { Dataset } from '../data/dataset.js';
import type { BinaryMetrics } from '../metrics/index.js';
import type { IsolationForest } from '../outliers/isolation-forest.js';
import type { TableSchema } from '../schema/feature-schema.js';
import type { Tree } from '../tree/tree.js';
import type { FeatureProfile } from './profile.js';

export type Algorithm = 'random-forest' | 'gradient-boosting';

/** Version of the model file format; bumped on any incompatible change. */
export const MODEL_FORMAT_VERSION = 1;

/** Per-feature importance, by total split gain and by number of splits. */
export interface FeatureImportance {
  readonly feature: string;
  /** Share of the total gain (sums to 1 over features). */
  readonly gain: number;
  readonly splits: number;
  /**
   * Mean |SHAP| over the first rows of the training reference (see `withShapImportance`), in the
   * model's explanation space; absent unless that was computed when the model was made.
   */
  readonly meanAbsShap?: number;
}

/** Where a model came from: data, parameters, measurements. */
export interface TrainingInfo {
  /** SHA-256 of the training table's content (features and target). */
  readonly dataHash: string;
  readonly rows: number;
  readonly positiveRate: number;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** Metrics on held-out data (validation split, or out-of-bag for the forest). */
  readonly metrics?: BinaryMetrics;
  readonly metricsSource?: 'out-of-bag' | 'validation' | 'training';
  readonly timings: Readonly<Record<string, number>>;
  readonly createdAt: string;
  readonly importance: readonly FeatureImportance[];
  /** Typical values of each feature in the training data (for reasons and monitoring). */
  readonly profile: readonly FeatureProfile[];
  /**
   * A deterministic sample of up to 5,000 training rows (feature columns only, same layout as
   * the training data) that drift monitors compare live windows with. Absent in older files.
   */
  readonly reference?: Pick<Dataset, 'nRows' | 'columns'>;
  /** The Isolation Forest (fitted on `reference`), for outlier checks. Absent in older files. */
  readonly outliers?: IsolationForest;
}

/**
 * A trained model: schema, binning, trees and provenance. Random Forest output is the mean of the
 * trees' leaf positive fractions; gradient boosting's is sigmoid(baseMargin + sum of leaves).
 */
export interface ChurnModel {
  readonly format: 'churn-model';
  readonly formatVersion: number;
  readonly algorithm: Algorithm;
  readonly schema: TableSchema;
  readonly binning: readonly FeatureBinning[];
  readonly trees: readonly Tree[];
  /** Starting log-odds of gradient boosting (0 for the forest). */
  readonly baseMargin: number;
  readonly training: TrainingInfo;
}
