/**
 * Map a label column to the 0/1 target (1 = churned).
 *
 * Label values are compared as classes: case-insensitively for text ("Yes" = "yes") and by value
 * for numbers ("1" = "1.0"). Rules, in order:
 * 1. A single class is refused (`DATA_ONE_CLASS`).
 * 2. With a positive label: its class is 1, every other value is 0 (one-vs-rest); a label that
 *    matches no value is refused (`DATA_BAD_TARGET`).
 * 3. Without one, the column needs exactly two classes:
 *    - two numbers: they must be 0 and 1; 1 is positive;
 *    - otherwise the class that reads as "churned" wins when exactly one of the two does:
 *      yes, y, true, t, churn, churned, churner, positive, pos, left, lost, exited, cancelled,
 *      canceled;
 *    - anything else is refused with a message asking for `--positive-label`.
 */

import { MISSING_CODE } from './dataset.js';
import { DataError, quoteCell } from './errors.js';

/** Lower-cased label values that mean "churned" when no positive label is given. */
export const POSITIVE_LIKE: ReadonlySet<string> = new Set([
  'yes',
  'y',
  'true',
  't',
  'churn',
  'churned',
  'churner',
  'positive',
  'pos',
  'left',
  'lost',
  'exited',
  'cancelled',
  'canceled',
]);

/** A binarized target. */
export interface BinaryTarget {
  /** 1 = positive (churned), 0 = negative. */
  readonly target: Uint8Array;
  /** The label value counted as positive, as it appears in the data. */
  readonly positiveLabel: string;
  /** Rows with target 1. */
  readonly positives: number;
}

function listValues(values: readonly string[]): string {
  const shown = values.slice(0, 8).map((v) => quoteCell(v, 30));
  return shown.join(', ') + (values.length > 8 ? `, … (${values.length} in all)` : '');
}

/** The class of a label value: its number when it is one, else its lower-cased text. */
export function labelClass(value: string): string {
  const t = value.trim();
  const n = +t;
  return t !== '' && Number.isFinite(n) ? String(n) : t.toLowerCase();
}

/**
 * Choose which of the label `values` (one spelling per class, see {@link labelClass}) is the
 * positive class, following the module rules. Throws a {@link DataError} when it cannot be decided.
 */
export function choosePositiveLabel(
  column: string,
  values: readonly string[],
  positiveLabel?: string,
): string {
  if (values.length === 0) throw new DataError('DATA_EMPTY', 'the target has no values', { column });
  if (values.length === 1) {
    const problem = `the target has a single class (every row is ${quoteCell(values[0])})`;
    throw new DataError('DATA_ONE_CLASS', problem, { column });
  }
  if (positiveLabel !== undefined) {
    const wanted = labelClass(positiveLabel);
    const hit = values.find((v) => labelClass(v) === wanted);
    if (hit === undefined) {
      const problem = `positive label ${quoteCell(positiveLabel)} does not occur in the target (values: ${listValues(values)})`;
      throw new DataError('DATA_BAD_TARGET', problem, { column });
    }
    return hit;
  }
  if (values.length > 2) {
    const problem =
      `the target has ${values.length} distinct values (${listValues(values)}); churn needs two classes — ` +
      'pass --positive-label to choose the churned value';
    throw new DataError('DATA_BAD_TARGET', problem, { column });
  }
  const [a, b] = values;
  const [ka, kb] = [labelClass(a), labelClass(b)];
  const numeric = Number.isFinite(+ka) && Number.isFinite(+kb);
  if (numeric && ((ka === '0' && kb === '1') || (ka === '1' && kb === '0'))) return ka === '1' ? a : b;
  if (!numeric) {
    const pa = POSITIVE_LIKE.has(ka);
    const pb = POSITIVE_LIKE.has(kb);
    if (pa !== pb) return pa ? a : b;
  }
  const problem = `cannot tell which of ${quoteCell(a)} and ${quoteCell(b)} means churned — pass --positive-label`;
  throw new DataError('DATA_BAD_TARGET', problem, { column });
}

/**
 * Turn dictionary-coded label cells into a 0/1 target. `codes` index `categories`; a missing code
 * (-1) is refused — callers report missing labels with their line before this point.
 */
export function binarizeTarget(
  column: string,
  categories: readonly string[],
  codes: ArrayLike<number>,
  positiveLabel?: string,
): BinaryTarget {
  const n = codes.length;
  const seen = new Uint8Array(categories.length);
  for (let i = 0; i < n; i++) {
    if (codes[i] === MISSING_CODE) {
      throw new DataError('DATA_MISSING_TARGET', 'missing target value', { column, index: i });
    }
    seen[codes[i]] = 1;
  }
  const classes = categories.map(labelClass);
  const spelling = new Map<string, string>();
  categories.forEach((c, k) => {
    if (seen[k] && !spelling.has(classes[k])) spelling.set(classes[k], c);
  });
  const label = choosePositiveLabel(column, [...spelling.values()], positiveLabel);
  const positiveClass = labelClass(label);
  const isPositive = Uint8Array.from(classes, (c) => (c === positiveClass ? 1 : 0));
  const target = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += target[i] = isPositive[codes[i]];
  return { target, positiveLabel: label, positives };
}
