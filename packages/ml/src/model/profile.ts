import type { Dataset } from '../data/dataset.js';

/** What a typical training row looks like for one feature: the "typical customer" in reasons. */
export type FeatureProfile =
  | {
      readonly feature: string;
      readonly kind: 'numeric';
      readonly median: number;
      readonly p10: number;
      readonly p90: number;
      readonly mean: number;
      readonly missingRate: number;
    }
  | {
      readonly feature: string;
      readonly kind: 'categorical';
      /** Most frequent category. */
      readonly mode: string | null;
      /** Share of each category among present values. */
      readonly shares: Readonly<Record<string, number>>;
      readonly missingRate: number;
    };

/** The k-th smallest value of a (0-based), moving smaller values before it and larger after. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Hoare partition around the middle element.
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * The q-quantile of NaN-free values with linear interpolation between order statistics (numpy's
 * default), found by selection instead of a sort (the values are reordered): the profile runs in
 * every training, and sorting 18 columns of 80,000 values took ~0.2 s.
 */
function quantile(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const below = select(values, lo);
  if (lo + 1 >= n || pos === lo) return below;
  // Everything after position lo is >= the lo-th value: the next order statistic is their minimum.
  let above = values[lo + 1];
  for (let i = lo + 2; i < n; i++) if (values[i] < above) above = values[i];
  return below + (above - below) * (pos - lo);
}

/** Profile every feature column of a dataset (medians and deciles on at most 100,000 rows). */
export function profileDataset(ds: Dataset): FeatureProfile[] {
  const step = Math.max(1, Math.floor(ds.nRows / 100_000));
  return ds.columns.map((c): FeatureProfile => {
    if (c.kind === 'numeric') {
      const vals = new Float64Array(Math.ceil(ds.nRows / step));
      let kept = 0;
      let missing = 0;
      let sum = 0;
      let present = 0;
      for (let i = 0; i < ds.nRows; i++) {
        const v = c.values[i];
        if (Number.isNaN(v)) {
          missing++;
          continue;
        }
        sum += v;
        present++;
        if (i % step === 0) vals[kept++] = v;
      }
      const sample = vals.subarray(0, kept);
      return {
        feature: c.name,
        kind: 'numeric',
        median: quantile(sample, 0.5),
        p10: quantile(sample, 0.1),
        p90: quantile(sample, 0.9),
        mean: present > 0 ? sum / present : Number.NaN,
        missingRate: missing / Math.max(1, ds.nRows),
      };
    }
    const counts = new Float64Array(c.categories.length);
    let missing = 0;
    for (let i = 0; i < ds.nRows; i++) {
      if (c.codes[i] < 0) missing++;
      else counts[c.codes[i]]++;
    }
    const present = ds.nRows - missing;
    const shares: Record<string, number> = {};
    let mode: string | null = null;
    let best = -1;
    c.categories.forEach((cat, k) => {
      if (counts[k] === 0) return;
      shares[cat] = counts[k] / Math.max(1, present);
      if (counts[k] > best) {
        best = counts[k];
        mode = cat;
      }
    });
    return {
      feature: c.name,
      kind: 'categorical',
      mode,
      shares,
      missingRate: missing / Math.max(1, ds.nRows),
    };
  });
}
