import type { Tree } from '../tree/tree.js';
import type { ChurnModel } from './model.js';

/*
 * Export a ChurnModel as an XGBoost JSON model (`Booster.save_model('m.json')` format), loadable
 * with `xgboost.Booster().load_model(...)` from XGBoost 1.7 to 3.x.
 *
 * - Gradient boosting becomes `binary:logistic`: the same trees, base_score = sigmoid(baseMargin);
 *   XGBoost's margin is our log-odds and its prediction our probability.
 * - A random forest becomes `reg:squarederror` with base_score 0 and every node weight divided by
 *   the number of trees: XGBoost's output (its margin; there is no logistic) is then the mean of
 *   the trees' positive-class fractions, our probability. The covers (bootstrap weights) go to
 *   `sum_hessian` as boosting's hessian sums do, so `pred_contribs` (path-dependent TreeSHAP) gives
 *   our forest SHAP values in probability space, and its bias column our expected value.
 *
 * Semantics, checked against the real library (see xgboost-export.test.ts and
 * bench/python/xgb_parity.py):
 *
 * - Input layout: the rows `encodeDataset` produces — numeric features raw, categorical features as
 *   the category index into `binning.categories` (a number), NaN for missing values and unseen
 *   categories. Categorical features are declared with feature type `c`, so the DMatrix must be
 *   built with `feature_types` and `enable_categorical=True`.
 * - Numeric splits: ours send `x <= threshold` left, comparing in float64; XGBoost sends
 *   `x < split_condition` left after converting the input to float32. The split condition is the
 *   float32 just above the largest float32 <= threshold (see {@link xgboostSplitCondition}), which
 *   makes the two decisions agree for every float32-representable input. Residual edge case: a
 *   float64 input that float32 cannot represent is rounded by XGBoost before comparing, so one
 *   lying between the threshold and the float32 rounding boundary next to it (a window narrower
 *   than half a float32 ulp, ~6e-8 relative) goes the other way. Our thresholds are midpoints
 *   between distinct training values, so inputs land there only when neighbouring values differ
 *   by less than about a float32 ulp — e.g. amounts with cents above 131,072 (ulp 1/64), where
 *   XGBoost itself cannot tell 150000.01 from 150000.02.
 * - Categorical splits: XGBoost lists, per node, the categories that go RIGHT (a category in the
 *   set goes right; a category outside it — including one above the largest listed — goes left).
 *   Our trees store the bins that go LEFT, so the export lists the complement within
 *   [0, nBins) of the feature. Inputs must therefore be valid category indices (< nBins), which
 *   `encodeDataset` guarantees.
 * - Missing values (and our unseen categories, encoded as NaN) follow `default_left`.
 * - Leaves: XGBoost keeps the leaf value in `split_conditions` (and `base_weights`) as float32 and
 *   sums the trees in float32, so predictions agree to ~1e-7 in probability, not bit for bit.
 * - Intercept: `base_score` is in the objective's output space (boosting: sigmoid(baseMargin)
 *   rounded to float32; forest: 0), as a scalar string with at most 9 significant digits
 *   ("2.13E-1"). XGBoost 1.7/2.x write "5E-1" and 3.x writes "[5E-1]" but reads both; 1.7
 *   silently ignores (uses 0.5 for) the vector form and any string with more than 9 significant
 *   digits.
 * - Floats must be written as JSON numbers with a fraction or exponent (see
 *   {@link toXGBoostJsonString}); XGBoost rejects `0` where it expects a float.
 */

/** The XGBoost version stamped into exported files (the oldest reader the format targets). */
export const XGBOOST_EXPORT_VERSION: readonly [number, number, number] = [1, 7, 0];

/** XGBoost's marker for the root's parent (`(1 << 31) - 1`). */
const NO_PARENT = 2147483647;
const FLOAT32_MAX = 3.4028234663852886e38;
const FLOAT32_MIN_SUBNORMAL = 1.401298464324817e-45;

/** One tree in XGBoost's JSON layout. */
export interface XGBoostTreeJson {
  readonly tree_param: {
    readonly num_deleted: string;
    readonly num_feature: string;
    readonly num_nodes: string;
    readonly size_leaf_vector: string;
  };
  readonly id: number;
  readonly split_indices: number[];
  readonly split_conditions: number[];
  readonly left_children: number[];
  readonly right_children: number[];
  readonly parents: number[];
  readonly default_left: number[];
  /** 0 = numerical split (or leaf), 1 = categorical split. */
  readonly split_type: number[];
  readonly base_weights: number[];
  readonly loss_changes: number[];
  readonly sum_hessian: number[];
  /** Categories going RIGHT at each categorical node, concatenated in node order. */
  readonly categories: number[];
  readonly categories_nodes: number[];
  readonly categories_segments: number[];
  readonly categories_sizes: number[];
}

/** A whole model in XGBoost's JSON layout (what `Booster.save_model('x.json')` writes). */
export interface XGBoostModelJson {
  readonly learner: {
    readonly attributes: Record<string, string>;
    readonly feature_names: string[];
    /** `float` for numeric features, `c` for categorical ones. */
    readonly feature_types: string[];
    readonly gradient_booster: {
      readonly name: 'gbtree';
      readonly model: {
        readonly gbtree_model_param: { readonly num_parallel_tree: string; readonly num_trees: string };
        readonly trees: XGBoostTreeJson[];
        readonly tree_info: number[];
        readonly iteration_indptr: number[];
      };
    };
    readonly learner_model_param: {
      readonly base_score: string;
      readonly boost_from_average: string;
      readonly num_class: string;
      readonly num_feature: string;
      readonly num_target: string;
    };
    readonly objective: {
      /** `binary:logistic` for gradient boosting, `reg:squarederror` for a random forest. */
      readonly name: 'binary:logistic' | 'reg:squarederror';
      readonly reg_loss_param: { readonly scale_pos_weight: string };
    };
  };
  readonly version: number[];
}

// Float32 bit views for nextafter on float32.
const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

/** The next float32 above a float32 value `x` (not NaN); +Infinity stays. */
export function nextFloat32Up(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return FLOAT32_MIN_SUBNORMAL;
  f32Box[0] = x;
  if (x > 0) u32Box[0] += 1;
  else u32Box[0] -= 1;
  return f32Box[0];
}

/** The largest float32 that is <= x (x not NaN). */
export function float32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  return f > x ? -nextFloat32Up(-f) : f;
}

/**
 * The float32 `split_condition` that makes XGBoost's `x < c` (float32) agree with our
 * `x <= threshold` (float64) for every float32-representable input x: the float32 just above the
 * largest float32 <= threshold. It is the only float32 with that property. A threshold at or above
 * the largest float32 would need +Infinity, which JSON cannot hold; it is capped at the largest
 * float32 (only the input 3.4028235e38 itself then disagrees).
 */
export function xgboostSplitCondition(threshold: number): number {
  if (Number.isNaN(threshold)) throw new Error('cannot export a split with a NaN threshold');
  const c = nextFloat32Up(float32AtOrBelow(threshold));
  return c === Number.POSITIVE_INFINITY ? FLOAT32_MAX : c;
}

/** A float64 as the float32 XGBoost will hold, clamped to the finite float32 range. */
function f32Clamped(v: number): number {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 0;
  return Math.max(-FLOAT32_MAX, Math.min(FLOAT32_MAX, f));
}

/** A leaf or node weight as float32; a weight float32 cannot hold is an error, not a silent change. */
function f32Weight(v: number, where: string): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new Error(`${where}: weight ${v} is not representable as a float32`);
  return f;
}

/**
 * Significant digits of the shortest decimal that reads back as the same float32 (at most 9).
 * XGBoost writes floats this way, and XGBoost 1.7's parameter parser needs it: it silently drops a
 * parameter string with more than 9 significant digits and keeps the default (a base_score written
 * as "2.1299999952316284E-1" loads as 0.5).
 */
function float32Digits(f: number): number {
  for (let p = 1; p < 9; p++) if (Math.fround(Number(f.toPrecision(p))) === f) return p;
  return 9;
}

/** A float32 as the shortest JSON number text that reads back as it, always with a fraction or exponent. */
export function float32Text(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new Error(`cannot write ${v} as a float32 JSON number`);
  if (Object.is(f, -0)) return '-0.0';
  const s = String(Number(f.toPrecision(float32Digits(f))));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** XGBoost's text for a float parameter, e.g. 0.25 → "2.5E-1", 0.5 → "5E-1". */
function paramFloat(v: number): string {
  const f = Math.fround(v);
  return f.toExponential(float32Digits(f) - 1).replace(/e\+?/, 'E');
}

/**
 * One tree. Every node weight is divided by `averagedOver`, the number of trees the model's output
 * averages (a forest's tree count; 1 for boosting, whose trees add up).
 */
function exportTree(model: ChurnModel, t: Tree, id: number, averagedOver: number): XGBoostTreeJson {
  const n = t.nNodes;
  const nF = model.binning.length;
  const where = (i: number): string => `tree ${id}, node ${i}`;
  const parents = new Array<number>(n).fill(-1);
  parents[0] = NO_PARENT;
  const out = {
    split_indices: new Array<number>(n).fill(0),
    split_conditions: new Array<number>(n).fill(0),
    left_children: new Array<number>(n).fill(-1),
    right_children: new Array<number>(n).fill(-1),
    default_left: new Array<number>(n).fill(0),
    split_type: new Array<number>(n).fill(0),
    base_weights: new Array<number>(n).fill(0),
    loss_changes: new Array<number>(n).fill(0),
    sum_hessian: new Array<number>(n).fill(0),
    categories: [] as number[],
    categories_nodes: [] as number[],
    categories_segments: [] as number[],
    categories_sizes: [] as number[],
  };
  for (let i = 0; i < n; i++) {
    out.base_weights[i] = f32Weight(t.value[i] / averagedOver, where(i));
    out.sum_hessian[i] = f32Clamped(t.cover[i]);
    const f = t.feature[i];
    if (f < 0) {
      // Leaf: XGBoost reads the leaf value from split_conditions.
      out.split_conditions[i] = out.base_weights[i];
      continue;
    }
    if (f >= nF) throw new Error(`${where(i)}: split feature ${f} is out of range (${nF} features)`);
    const l = t.left[i];
    const r = t.right[i];
    if (!(l > 0 && l < n && r > 0 && r < n) || parents[l] !== -1 || parents[r] !== -1 || l === r) {
      throw new Error(`${where(i)}: invalid children ${l}, ${r}`);
    }
    parents[l] = i;
    parents[r] = i;
    out.split_indices[i] = f;
    out.left_children[i] = l;
    out.right_children[i] = r;
    out.default_left[i] = t.defaultLeft[i] === 1 ? 1 : 0;
    out.loss_changes[i] = f32Clamped(t.gain[i]);
    const fb = model.binning[f];
    if (t.catOffset[i] >= 0) {
      if (fb.kind !== 'categorical') {
        throw new Error(`${where(i)}: categorical split on numeric feature "${fb.name}"`);
      }
      // Our bitset holds the bins going left; XGBoost lists the categories going right.
      const o = t.catOffset[i];
      out.split_type[i] = 1;
      out.categories_nodes.push(i);
      out.categories_segments.push(out.categories.length);
      let size = 0;
      for (let b = 0; b < fb.nBins; b++) {
        if ((t.catBits[o + (b >>> 5)] & (1 << (b & 31))) === 0) {
          out.categories.push(b);
          size++;
        }
      }
      out.categories_sizes.push(size);
    } else {
      out.split_conditions[i] = xgboostSplitCondition(t.threshold[i]);
    }
  }
  for (let i = 1; i < n; i++) {
    if (parents[i] === -1) throw new Error(`tree ${id}: node ${i} is not reachable from the root`);
  }
  return {
    tree_param: {
      num_deleted: '0',
      num_feature: String(nF),
      num_nodes: String(n),
      // "0" (scalar leaves) is what XGBoost 1.7 writes and expects; 2.x/3.x read it as 1.
      size_leaf_vector: '0',
    },
    id,
    ...out,
    parents,
  };
}

/** What XGBoost applies on top of the trees' sum: the intercept (as parameter text) and the objective. */
interface OutputSpace {
  readonly baseScore: string;
  readonly objective: XGBoostModelJson['learner']['objective'];
}

/** A forest averages probabilities: no intercept, no link function. */
function forestOutput(): OutputSpace {
  return {
    baseScore: paramFloat(0),
    objective: { name: 'reg:squarederror', reg_loss_param: { scale_pos_weight: paramFloat(1) } },
  };
}

/** Boosting adds log-odds: intercept sigmoid(baseMargin) in probability space, then the logistic. */
function boostingOutput(model: ChurnModel): OutputSpace {
  if (!Number.isFinite(model.baseMargin)) throw new Error(`base margin ${model.baseMargin} is not finite`);
  const baseScore = Math.fround(1 / (1 + Math.exp(-model.baseMargin)));
  if (!(baseScore > 0 && baseScore < 1)) {
    throw new Error(
      `base margin ${model.baseMargin} gives base_score ${baseScore}, outside (0, 1) in float32; ` +
        'XGBoost cannot represent it',
    );
  }
  const spw = model.training?.params?.scalePosWeight;
  return {
    baseScore: paramFloat(baseScore),
    objective: {
      name: 'binary:logistic',
      reg_loss_param: { scale_pos_weight: paramFloat(typeof spw === 'number' && spw > 0 ? spw : 1) },
    },
  };
}

/**
 * The model in XGBoost's JSON model format (gbtree). Gradient boosting is written as
 * `binary:logistic` (XGBoost's prediction = our probability); a random forest as
 * `reg:squarederror` with base_score 0 and node weights divided by the number of trees, so that
 * XGBoost's output — a margin, no logistic — is our probability (the mean of the trees' positive
 * fractions) and `pred_contribs` our forest SHAP values. Feature names and order are the model's
 * binning; categorical features are typed `c` and take the category index as input. Serialise it
 * with {@link toXGBoostJsonString}, not `JSON.stringify` (XGBoost needs whole-valued floats
 * written as `1.0`).
 *
 * @example
 * ```ts
 * await writeFile('v1.xgb.json', toXGBoostJsonString(forest));
 * // Python: b = xgb.Booster(); b.load_model('v1.xgb.json'); b.predict(dm)  →  churn probabilities
 * ```
 */
export function exportXGBoostJson(model: ChurnModel): XGBoostModelJson {
  const forest = model.algorithm === 'random-forest';
  const nTrees = model.trees.length;
  const averagedOver = forest ? nTrees : 1;
  const { baseScore, objective } = forest ? forestOutput() : boostingOutput(model);
  return {
    learner: {
      attributes: {},
      feature_names: model.binning.map((b) => b.name),
      feature_types: model.binning.map((b) => (b.kind === 'categorical' ? 'c' : 'float')),
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(nTrees) },
          trees: model.trees.map((t, i) => exportTree(model, t, i, averagedOver)),
          tree_info: new Array<number>(nTrees).fill(0),
          iteration_indptr: Array.from({ length: nTrees + 1 }, (_, i) => i),
        },
      },
      learner_model_param: {
        base_score: baseScore,
        boost_from_average: '1',
        num_class: '0',
        num_feature: String(model.binning.length),
        num_target: '1',
      },
      objective,
    },
    version: [...XGBOOST_EXPORT_VERSION],
  };
}

/** Tree arrays XGBoost parses as JSON Numbers (float32); the other number arrays are Integers. */
const FLOAT_ARRAYS = new Set(['split_conditions', 'base_weights', 'loss_changes', 'sum_hessian']);

function writeJson(value: unknown, floats: boolean): string {
  if (typeof value === 'number') {
    // XGBoost types `0` as an Integer and refuses it where a float is expected ("Invalid cast,
    // from Integer to Number"), so floats always carry a fraction or an exponent.
    if (floats) return float32Text(value);
    if (!Number.isInteger(value)) throw new Error(`expected an integer, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => writeJson(v, floats)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts = Object.entries(value).map(
      ([k, v]) => `${JSON.stringify(k)}:${writeJson(v, FLOAT_ARRAYS.has(k))}`,
    );
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The model as XGBoost JSON text, ready for `Booster.load_model`. Use this rather than
 * `JSON.stringify(exportXGBoostJson(model))`: XGBoost's parser tells integers from floats by
 * their text and rejects a whole-valued float written as `0` (a leaf value, gain or hessian), so
 * the float arrays are written as XGBoost writes them: the shortest text that reads back as the
 * same float32, with a fraction or exponent (`0.0`, `1e-45`, `0.24595544`).
 */
export function toXGBoostJsonString(model: ChurnModel): string {
  return writeJson(exportXGBoostJson(model), false);
}
