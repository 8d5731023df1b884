import type { ChurnModel } from '../model/model.js';
import type { EncodedRows } from '../model/predict.js';
import type { Tree } from '../tree/tree.js';
import { ClosingTreeShap } from './closing-shap.js';
import { buildLeafTables, type LeafTable } from './leaf-tables.js';
import { compileLeafTables, type TableShapFunction } from './leaf-tables-codegen.js';
import type { ParallelTreeExplainer } from './parallel-explainer.js';
import { treeExpectedValue } from './tree-paths.js';

/** What a model's SHAP values add up to: the forest's probability or boosting's log-odds margin. */
export type ShapOutputSpace = 'probability' | 'log-odds';

/** What a model's SHAP values add up from, and each tree's weight in them. */
export interface ShapBase {
  readonly outputSpace: ShapOutputSpace;
  /** The model output when no feature is known. */
  readonly expectedValue: number;
  /** Weight of one tree's values: 1 / trees for a forest, 1 for boosting. */
  readonly scale: number;
}

/** A model's output space and expected value, without the per-model precomputation of an explainer. */
export function shapBase(model: ChurnModel): ShapBase {
  const forest = model.algorithm === 'random-forest';
  const scale = forest && model.trees.length > 0 ? 1 / model.trees.length : 1;
  let expectedValue = forest ? 0 : model.baseMargin;
  for (const t of model.trees) expectedValue += scale * treeExpectedValue(t);
  return { outputSpace: forest ? 'probability' : 'log-odds', expectedValue, scale };
}

/** Trees up to this many nodes get compiled leaf tables (when their paths have few features). */
const TABLE_MAX_NODES = 256;

/**
 * Exact path-dependent TreeSHAP for a model, precomputed once per model and reused for every row.
 *
 * Output spaces follow the SHAP library: a random forest is explained in probability space (each
 * tree's values averaged, `expectedValue` the mean of the trees' expected values), gradient
 * boosting in log-odds (values summed, `expectedValue` = baseMargin + Σ tree expected values, the
 * bias column of XGBoost's `pred_contribs`). For every row, Σ values + expectedValue equals the
 * model's raw output (probability / margin) up to float rounding.
 *
 * Two exact algorithms, chosen per tree at construction:
 * - shallow trees (≤ 256 nodes, ≤ 8 features per path: boosting's) use per-leaf tables (Fast
 *   TreeSHAP v2, leaf-tables.ts) compiled to JavaScript;
 * - deeper trees use the closing-point polynomial algorithm (closing-shap.ts), O(edges · degree).
 *
 * Not re-entrant (scratch buffers are reused); one instance serves one thread. For one row of a
 * large forest at a time, {@link ParallelTreeExplainer} splits the trees across threads.
 */
export class TreeExplainer {
  readonly model: ChurnModel;
  readonly featureNames: readonly string[];
  readonly nFeatures: number;
  readonly outputSpace: ShapOutputSpace;
  /** The model output when no feature is known; SHAP values add up from it. */
  readonly expectedValue: number;
  /** Trees per algorithm, for reports. */
  readonly treesCompiled: number;
  readonly treesByPolynomial: number;
  private readonly scale: number;
  private readonly tables: TableShapFunction[];
  private readonly deep: ClosingTreeShap;
  private readonly deepCount: number;

  constructor(model: ChurnModel) {
    this.model = model;
    this.featureNames = model.binning.map((b) => b.name);
    this.nFeatures = model.binning.length;
    const base = shapBase(model);
    this.outputSpace = base.outputSpace;
    this.scale = base.scale;
    this.expectedValue = base.expectedValue;
    const shallow: Tree[] = [];
    const shallowTables: LeafTable[][] = [];
    const deep: Tree[] = [];
    for (const t of model.trees) {
      const tables = t.nNodes <= TABLE_MAX_NODES ? buildLeafTables(t, this.scale) : null;
      if (tables) {
        shallow.push(t);
        shallowTables.push(tables);
      } else deep.push(t);
    }
    this.tables = shallow.length > 0 ? compileLeafTables(shallow, shallowTables) : [];
    this.deep = new ClosingTreeShap(deep, this.nFeatures);
    this.deepCount = deep.length;
    this.treesCompiled = shallow.length;
    this.treesByPolynomial = deep.length;
  }

  /** SHAP values of one encoded row x[offset .. offset + nFeatures): one per feature. */
  shap(x: Float64Array, offset = 0): Float64Array {
    const phi = new Float64Array(this.nFeatures);
    this.addRows(x, offset, phi, 1);
    return phi;
  }

  /** SHAP values of encoded rows, row-major: value (i, f) at i · nFeatures + f. */
  shapBatch(rows: EncodedRows): Float64Array {
    if (rows.nFeatures !== this.nFeatures) {
      throw new Error(`rows have ${rows.nFeatures} features, the model ${this.nFeatures}`);
    }
    const out = new Float64Array(rows.nRows * this.nFeatures);
    this.addRows(rows.x, 0, out, rows.nRows);
    return out;
  }

  /** The model output the values of a row add up to: expectedValue + Σ values[offset..]. */
  outputOf(values: Float64Array, offset = 0): number {
    let s = this.expectedValue;
    for (let f = 0; f < this.nFeatures; f++) s += values[offset + f];
    return s;
  }

  /** Rows x[offset + i·nF ..] for i < n, values to out[i·nF ..]. */
  private addRows(x: Float64Array, offset: number, out: Float64Array, n: number): void {
    const nF = this.nFeatures;
    if (offset < 0 || offset + n * nF > x.length) throw new RangeError('row out of range of the input');
    for (const fn of this.tables) fn(x, offset, nF, out, 0, nF, n);
    if (this.deepCount === 0) return;
    for (let i = 0; i < n; i++)
      this.deep.addTrees(0, this.deepCount, x, offset + i * nF, out, i * nF, this.scale);
  }
}
