/**
 * A drift reference: the training (or baseline) window prepared once — each numeric feature
 * sorted and cut into PSI bins, each categorical feature counted — so every later check only
 * does the work of the current window.
 */
import type { Column, Dataset } from '../data/dataset.js';
import { chiSquareTest } from './chi-square-test.js';
import type { DriftTest } from './drift-test.js';
import { ksTest, sortPresent } from './ks-test.js';
import { binCounts, quantileEdges } from './psi.js';

/** The tests by feature kind; a new test is registered here and implemented in its own file. */
export const DRIFT_TESTS: Readonly<Record<Column['kind'], DriftTest<unknown>>> = Object.freeze({
  numeric: ksTest as DriftTest<unknown>,
  categorical: chiSquareTest as DriftTest<unknown>,
});

/** One prepared reference feature. */
export interface FeatureReference {
  readonly name: string;
  readonly kind: Column['kind'];
  readonly test: DriftTest<unknown>;
  readonly prepared: unknown;
  /** Numeric PSI bin edges (reference deciles); empty for categorical features. */
  readonly psiEdges: Float64Array;
  /**
   * Reference PSI counts: per bin plus a last missing bin (numeric), or per reference category
   * plus a last missing bin (categorical).
   */
  readonly psiCounts: Float64Array;
  /** Reference category names (categorical), in the order of `psiCounts`. */
  readonly categories: readonly string[];
}

export interface DriftReference {
  readonly rows: number;
  readonly features: readonly FeatureReference[];
}

/** Options of {@link prepareDriftReference}. */
export interface PrepareOptions {
  /** Only these features (default: every column of the dataset). */
  readonly features?: readonly string[];
  /** Override the test used per kind. */
  readonly tests?: Partial<Record<Column['kind'], DriftTest<unknown>>>;
}

/**
 * Prepare a reference window once.
 *
 * @example
 * ```ts
 * const ref = prepareDriftReference(trainingSample);
 * const report = detectDrift(ref, lastWindow);
 * ```
 */
export function prepareDriftReference(reference: Dataset, options: PrepareOptions = {}): DriftReference {
  const wanted = options.features ? new Set(options.features) : undefined;
  const features = reference.columns
    .filter((c) => !wanted || wanted.has(c.name))
    .map((c): FeatureReference => {
      const test = options.tests?.[c.kind] ?? DRIFT_TESTS[c.kind];
      const prepared = test.prepare(c);
      if (c.kind === 'numeric') {
        const sorted = (prepared as { sorted?: Float64Array }).sorted ?? sortPresent(c.values).sorted;
        const edges = quantileEdges(sorted);
        return {
          name: c.name,
          kind: c.kind,
          test,
          prepared,
          psiEdges: edges,
          psiCounts: binCounts(c.values, edges),
          categories: [],
        };
      }
      const counts = new Float64Array(c.categories.length + 1);
      for (let i = 0; i < c.codes.length; i++) counts[c.codes[i] < 0 ? c.categories.length : c.codes[i]]++;
      return {
        name: c.name,
        kind: c.kind,
        test,
        prepared,
        psiEdges: new Float64Array(0),
        psiCounts: counts,
        categories: c.categories,
      };
    });
  if (wanted) {
    for (const name of wanted) {
      if (!features.some((f) => f.name === name)) throw new Error(`reference data has no column "${name}"`);
    }
  }
  return { rows: reference.nRows, features };
}

/** Is this a prepared reference (rather than a raw dataset)? */
export function isDriftReference(x: DriftReference | Dataset): x is DriftReference {
  return (x as DriftReference).features !== undefined && (x as Dataset).columns === undefined;
}
