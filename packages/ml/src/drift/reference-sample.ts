import type { Column, Dataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';

/** Default size of the reference sample stored with a model. */
export const REFERENCE_SAMPLE_ROWS = 5000;

/**
 * A deterministic sample of up to `maxRows` rows of a dataset's feature columns (no target, no
 * ids), kept in the original row order: the "training sample stored with the model" that drift
 * monitors compare live windows with. Same data and seed, same sample.
 */
export function referenceSample(ds: Dataset, maxRows = REFERENCE_SAMPLE_ROWS, seed = 7): Dataset {
  const n = ds.nRows;
  let rows: Int32Array;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n <= maxRows) rows = idx;
  else {
    // Partial Fisher-Yates over the row indexes, then sorted to keep the original order.
    const rng = new Rng(seed);
    for (let i = 0; i < maxRows; i++) {
      const j = i + rng.int(n - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    rows = idx.slice(0, maxRows).sort();
  }
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'numeric')
      return { kind: 'numeric', name: c.name, values: Float64Array.from(rows, (r) => c.values[r]) };
    return {
      kind: 'categorical',
      name: c.name,
      codes: Int32Array.from(rows, (r) => c.codes[r]),
      categories: c.categories,
    };
  });
  return { nRows: rows.length, columns };
}
