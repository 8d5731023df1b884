/**
 * Columnar dataset on typed arrays: the one in-memory table shape every learner, metric and
 * drift test reads. Numeric missing values are NaN; categorical missing values are code -1.
 */

/** A numeric column: float64 values, NaN where the value is missing. */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
}

/** A categorical column: dictionary codes into `categories`, -1 where the value is missing. */
export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

/** Feature columns plus an optional binary target and optional row identifiers. */
export interface Dataset {
  readonly nRows: number;
  readonly columns: readonly Column[];
  /** 1 = positive class (churned), 0 = negative. */
  readonly target?: Uint8Array;
  readonly targetName?: string;
  /** Values of the identifier column, when the input had one. */
  readonly ids?: readonly string[];
  readonly idName?: string;
}

/** Code for a missing categorical value. */
export const MISSING_CODE = -1;

/** Whether a raw CSV cell counts as missing: empty, whitespace only, or NA-like markers. */
export function isMissingCell(cell: string): boolean {
  const t = cell.trim();
  return (
    t === '' ||
    t === 'NA' ||
    t === 'N/A' ||
    t === 'NaN' ||
    t === 'nan' ||
    t === 'null' ||
    t === 'NULL' ||
    t === '?'
  );
}

/** Select rows (by index, in order) into a new dataset. */
export function takeRows(ds: Dataset, rows: ArrayLike<number>): Dataset {
  const n = rows.length;
  const columns: Column[] = ds.columns.map((c) => {
    if (c.kind === 'numeric') {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = c.values[rows[i]];
      return { kind: 'numeric', name: c.name, values: v };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = c.codes[rows[i]];
    return { kind: 'categorical', name: c.name, codes, categories: c.categories };
  });
  let target: Uint8Array | undefined;
  if (ds.target) {
    target = new Uint8Array(n);
    for (let i = 0; i < n; i++) target[i] = ds.target[rows[i]];
  }
  const ids = ds.ids ? Array.from({ length: n }, (_, i) => ds.ids![rows[i]]) : undefined;
  return { nRows: n, columns, target, targetName: ds.targetName, ids, idName: ds.idName };
}
