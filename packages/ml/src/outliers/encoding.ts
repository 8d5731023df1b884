/**
 * How rows are turned into numbers for the Isolation Forest, fitted on the training data:
 *
 * - numeric: the value itself; a **missing** value is replaced by the training median, so
 *   missingness alone never makes a row an outlier (a change in missing rates is the drift
 *   monitor's job, through PSI);
 * - categorical: the category's **frequency** in the training data, so rare categories sit at
 *   the low end and are isolated quickly, while common ones stay in the bulk. A missing value
 *   gets the training frequency of missing values; an unseen category gets 0 (and its own
 *   "never seen" reason).
 */
import type { Column, Dataset } from '../data/dataset.js';
import type { TableSchema } from '../schema/feature-schema.js';

export type FeatureEncoding =
  | {
      readonly kind: 'numeric';
      readonly name: string;
      readonly median: number;
      /** Training range (present values). */
      readonly min: number;
      readonly max: number;
      /** Valid range declared by the schema, when it has one. */
      readonly schemaMin?: number;
      readonly schemaMax?: number;
    }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      /** Training categories with their share of rows (categories never seen are left out). */
      readonly categories: readonly string[];
      readonly frequencies: readonly number[];
      readonly missingFrequency: number;
    };

/** Fit the per-feature encodings on training data. */
export function fitEncodings(ds: Dataset, schema?: Pick<TableSchema, 'features'>): FeatureEncoding[] {
  return ds.columns.map((c): FeatureEncoding => {
    if (c.kind === 'numeric') {
      const present = Float64Array.from(c.values).sort();
      let n = present.length;
      while (n > 0 && Number.isNaN(present[n - 1])) n--;
      const spec = schema?.features.find((f) => f.name === c.name);
      const out: Record<string, unknown> = {
        kind: 'numeric',
        name: c.name,
        median: n > 0 ? present[Math.floor((n - 1) / 2)] : 0,
        min: n > 0 ? present[0] : 0,
        max: n > 0 ? present[n - 1] : 0,
      };
      if (spec?.kind === 'numeric' && spec.min !== undefined) out.schemaMin = spec.min;
      if (spec?.kind === 'numeric' && spec.max !== undefined) out.schemaMax = spec.max;
      return out as FeatureEncoding;
    }
    const counts = new Float64Array(c.categories.length);
    let missing = 0;
    for (let i = 0; i < c.codes.length; i++) {
      if (c.codes[i] < 0) missing++;
      else counts[c.codes[i]]++;
    }
    const n = Math.max(1, c.codes.length);
    const categories: string[] = [];
    const frequencies: number[] = [];
    c.categories.forEach((cat, k) => {
      if (counts[k] > 0) {
        categories.push(cat);
        frequencies.push(counts[k] / n);
      }
    });
    return { kind: 'categorical', name: c.name, categories, frequencies, missingFrequency: missing / n };
  });
}

/** Encode a dataset's columns (matched by name) into one Float64Array per feature. */
export function encodeColumns(encodings: readonly FeatureEncoding[], ds: Dataset): Float64Array[] {
  const byName = new Map(ds.columns.map((c) => [c.name, c]));
  return encodings.map((e) => {
    const c: Column | undefined = byName.get(e.name);
    if (!c) throw new Error(`outliers: the data has no column "${e.name}"`);
    const out = new Float64Array(ds.nRows);
    if (e.kind === 'numeric') {
      if (c.kind !== 'numeric') throw new Error(`outliers: column "${e.name}" should be numeric`);
      for (let i = 0; i < ds.nRows; i++) out[i] = Number.isNaN(c.values[i]) ? e.median : c.values[i];
      return out;
    }
    if (c.kind !== 'categorical') throw new Error(`outliers: column "${e.name}" should be categorical`);
    const index = new Map(e.categories.map((cat, k) => [cat, e.frequencies[k]]));
    const freq = c.categories.map((cat) => index.get(cat) ?? 0);
    for (let i = 0; i < ds.nRows; i++) out[i] = c.codes[i] < 0 ? e.missingFrequency : freq[c.codes[i]];
    return out;
  });
}
