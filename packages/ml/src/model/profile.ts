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

const quantile = (sorted: Float64Array, q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
};

/** Profile every feature column of a dataset (medians and deciles on at most 100,000 rows). */
export function profileDataset(ds: Dataset): FeatureProfile[] {
  const step = Math.max(1, Math.floor(ds.nRows / 100_000));
  return ds.columns.map((c): FeatureProfile => {
    if (c.kind === 'numeric') {
      const vals: number[] = [];
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
        if (i % step === 0) vals.push(v);
      }
      const sorted = Float64Array.from(vals).sort();
      return {
        feature: c.name,
        kind: 'numeric',
        median: quantile(sorted, 0.5),
        p10: quantile(sorted, 0.1),
        p90: quantile(sorted, 0.9),
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
