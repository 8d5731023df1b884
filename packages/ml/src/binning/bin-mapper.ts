import type { Column, Dataset } from '../data/dataset.js';
import { sortFloat64 } from '../util/radix-sort.js';

/** Bin index reserved for missing values (and unseen categories). */
export const MISSING_BIN = 255;
/** Most value bins a feature may have (bins 0..254; 255 is missing). */
export const MAX_BINS = 255;

/** How one feature maps raw values to bins; stored in model files. */
export type FeatureBinning =
  | {
      readonly kind: 'numeric';
      readonly name: string;
      /** Upper bounds of bins 0..nBins-2 (a value v is in the first bin with v <= bound). */
      readonly thresholds: Float64Array;
      readonly nBins: number;
      /**
       * A bound above every training value: the threshold of a split that sends all values left
       * and only missing ones right.
       */
      readonly upper: number;
    }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      /** Category of each bin. Categories beyond MAX_BINS - 1 share the last bin, `otherBin`. */
      readonly categories: readonly string[];
      readonly nBins: number;
      readonly otherBin: number;
    };

/** Binning of every feature plus the binned training matrix (row-major, one byte a cell). */
export interface BinnedData {
  readonly features: readonly FeatureBinning[];
  readonly nRows: number;
  readonly nFeatures: number;
  /** Row-major bins: cell (i, f) at i * nFeatures + f. May live on a SharedArrayBuffer. */
  readonly bins: Uint8Array;
  /** The same bins column-major: cell (i, f) at f * nRows + i (faster for one feature at a time). */
  readonly cols: Uint8Array;
}

/** Find the bin of a numeric value by binary search over the upper bounds. */
export function numericBin(thresholds: Float64Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= thresholds[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * {@link numericBin} of every value of a column into `out`, as a search of fixed length: the
 * bounds padded to 256 with +Infinity, then eight halving steps that each add a conditional
 * offset (the count of bounds below the value), with no branch for the CPU to mispredict.
 */
export function binColumn(thresholds: Float64Array, values: Float64Array, out: Uint8Array): void {
  const t = new Float64Array(256).fill(Number.POSITIVE_INFINITY);
  t.set(thresholds);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let b = 0;
    b += t[b + 127] < v ? 128 : 0;
    b += t[b + 63] < v ? 64 : 0;
    b += t[b + 31] < v ? 32 : 0;
    b += t[b + 15] < v ? 16 : 0;
    b += t[b + 7] < v ? 8 : 0;
    b += t[b + 3] < v ? 4 : 0;
    b += t[b + 1] < v ? 2 : 0;
    b += t[b] < v ? 1 : 0;
    // biome-ignore lint/suspicious/noSelfCompare: the fastest NaN test on the hot path
    out[i] = v !== v ? MISSING_BIN : b;
  }
}

/**
 * Quantile bin bounds for a numeric column (at most maxBins bins), computed on a sample of at
 * most `sampleSize` non-missing values. Bounds sit midway between distinct neighbouring values so
 * that a split learned on bins is a valid threshold on raw values.
 */
export function fitNumericBins(values: Float64Array, maxBins = MAX_BINS, sampleSize = 200_000): Float64Array {
  let present = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) present++;
  if (present === 0) return new Float64Array(0);
  const step = Math.max(1, Math.floor(present / sampleSize));
  const sample = new Float64Array(Math.ceil(present / step));
  let k = 0;
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (seen++ % step === 0) sample[k++] = v;
  }
  const sorted = sortFloat64(sample.subarray(0, k));
  // Distinct values and their counts.
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct.push(sorted[i]);
      counts.push(1);
    } else counts[counts.length - 1]++;
  }
  const bounds: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) bounds.push(midpoint(distinct[i], distinct[i + 1]));
    return Float64Array.from(bounds);
  }
  // Greedy equal-frequency cuts over distinct values: a value heavier than a bin gets its own bin.
  const total = sorted.length;
  let remaining = total;
  let binsLeft = maxBins;
  let acc = 0;
  for (let i = 0; i + 1 < distinct.length && binsLeft > 1; i++) {
    acc += counts[i];
    const target = remaining / binsLeft;
    const nextHeavy = counts[i + 1] >= target;
    if (acc >= target || nextHeavy) {
      bounds.push(midpoint(distinct[i], distinct[i + 1]));
      remaining -= acc;
      acc = 0;
      binsLeft--;
    }
  }
  return Float64Array.from(bounds);
}

/**
 * A bound between two neighbouring distinct values a < b: their midpoint, computed so that it
 * cannot overflow, and never equal to b (with adjacent doubles the midpoint rounds to one of
 * them; then a itself is the bound, which still sends a left and b right).
 */
function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  return m >= a && m < b ? m : a;
}

/** Fit the binning of every feature column of a dataset. */
export function fitBinning(ds: Dataset, maxBins = MAX_BINS): FeatureBinning[] {
  return ds.columns.map((c): FeatureBinning => fitColumn(c, maxBins));
}

function fitColumn(c: Column, maxBins: number): FeatureBinning {
  if (c.kind === 'numeric') {
    const thresholds = fitNumericBins(c.values, maxBins);
    let max = 0;
    for (let i = 0; i < c.values.length; i++) if (c.values[i] > max) max = c.values[i];
    // Like XGBoost's last cut: comfortably above the largest value, and finite.
    const upper = max + Math.abs(max) + 1;
    return { kind: 'numeric', name: c.name, thresholds, nBins: thresholds.length + 1, upper };
  }
  const k = c.categories.length;
  if (k <= maxBins - 1) {
    return {
      kind: 'categorical',
      name: c.name,
      categories: [...c.categories],
      nBins: Math.max(1, k),
      otherBin: -1,
    };
  }
  // Keep the most frequent categories; the rest share one bin.
  const counts = new Float64Array(k);
  for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) counts[c.codes[i]]++;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const kept = order.slice(0, maxBins - 1).map((i) => c.categories[i]);
  return { kind: 'categorical', name: c.name, categories: kept, nBins: maxBins, otherBin: maxBins - 1 };
}

/**
 * For a categorical column, the bin of each of the column's own codes (-1 → missing bin), given
 * a binning that may come from another dictionary (e.g. a model trained on another file).
 * Unseen categories map to the missing bin so they follow the learned default direction.
 */
export function categoryBinLookup(
  binning: FeatureBinning & { kind: 'categorical' },
  categories: readonly string[],
): Uint8Array {
  const index = new Map(binning.categories.map((c, i) => [c, i] as const));
  const out = new Uint8Array(categories.length);
  for (let i = 0; i < categories.length; i++) {
    const b = index.get(categories[i]);
    out[i] = b !== undefined ? b : binning.otherBin >= 0 ? binning.otherBin : MISSING_BIN;
  }
  return out;
}

/**
 * Bin a dataset with a fitted binning into a row-major byte matrix, optionally on shared memory
 * so worker threads can read it without copies.
 */
export function binDataset(ds: Dataset, features: readonly FeatureBinning[], shared = false): BinnedData {
  const nF = features.length;
  const n = ds.nRows;
  const alloc = (): Uint8Array =>
    new Uint8Array(shared ? new SharedArrayBuffer(n * nF) : new ArrayBuffer(n * nF));
  const bins = alloc();
  const cols = alloc();
  const byName = new Map(ds.columns.map((c) => [c.name, c] as const));
  for (let f = 0; f < nF; f++) {
    const fb = features[f];
    const col = byName.get(fb.name);
    if (!col) throw new Error(`column "${fb.name}" is missing from the data`);
    if (fb.kind === 'numeric') {
      if (col.kind !== 'numeric') throw new Error(`column "${fb.name}" should be numeric`);
      const v = col.values;
      binColumn(fb.thresholds, v, cols.subarray(f * n, (f + 1) * n));
    } else {
      if (col.kind !== 'categorical') throw new Error(`column "${fb.name}" should be categorical`);
      const lookup = categoryBinLookup(fb, col.categories);
      const codes = col.codes;
      for (let i = 0; i < n; i++) cols[f * n + i] = codes[i] < 0 ? MISSING_BIN : lookup[codes[i]];
    }
    for (let i = 0; i < n; i++) bins[i * nF + f] = cols[f * n + i];
  }
  return { features, nRows: n, nFeatures: nF, bins, cols };
}
