import { categoryBinLookup } from '../binning/bin-mapper.js';
import type { Dataset } from '../data/dataset.js';
import { type ScoringKernels, scoringKernels } from './batch-kernel.js';
import { CompiledEnsemble } from './compiled-ensemble.js';
import type { ChurnModel } from './model.js';
import { scoringPool } from './scoring-pool.js';

/** Rows encoded for a model: row-major, numeric values raw, categories as bin index, NaN = missing. */
export interface EncodedRows {
  readonly x: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Rows with at least one missing feature value. */
  readonly missingRows: number;
  /** Count of cells whose category the model never saw (scored as missing), by feature. */
  readonly unseenCategories: Record<string, number>;
}

/**
 * Encode a dataset's columns (matched by name, in any order, from any category dictionary) into the
 * model's feature layout.
 */
export function encodeDataset(model: ChurnModel, ds: Dataset): EncodedRows {
  const nF = model.binning.length;
  const n = ds.nRows;
  const x = new Float64Array(n * nF);
  const byName = new Map(ds.columns.map((c) => [c.name, c] as const));
  const unseenCategories: Record<string, number> = {};
  const rowMissing = new Uint8Array(n);
  model.binning.forEach((fb, f) => {
    const col = byName.get(fb.name);
    if (!col) throw new Error(`the data has no column "${fb.name}" required by the model`);
    if (fb.kind === 'numeric') {
      if (col.kind !== 'numeric') throw new Error(`column "${fb.name}" must be numeric for this model`);
      const v = col.values;
      for (let i = 0; i < n; i++) {
        x[i * nF + f] = v[i];
        if (Number.isNaN(v[i])) rowMissing[i] = 1;
      }
      return;
    }
    if (col.kind !== 'categorical') throw new Error(`column "${fb.name}" must be categorical for this model`);
    const lookup = categoryBinLookup(fb, col.categories);
    const known = new Set(fb.categories);
    let unseen = 0;
    for (let i = 0; i < n; i++) {
      const code = col.codes[i];
      if (code < 0) {
        x[i * nF + f] = Number.NaN;
        rowMissing[i] = 1;
      } else if (!known.has(col.categories[code]) && fb.otherBin < 0) {
        x[i * nF + f] = Number.NaN;
        unseen++;
      } else x[i * nF + f] = lookup[code];
    }
    if (unseen > 0) unseenCategories[fb.name] = unseen;
  });
  let missingRows = 0;
  for (let i = 0; i < n; i++) missingRows += rowMissing[i];
  return { x, nRows: n, nFeatures: nF, missingRows, unseenCategories };
}

const compiled = new WeakMap<ChurnModel, CompiledEnsemble>();

/** The scoring layout of a model's trees, built once per model object. */
export function compiledTrees(model: ChurnModel): CompiledEnsemble {
  let c = compiled.get(model);
  if (!c) {
    c = new CompiledEnsemble(model.trees);
    compiled.set(model, c);
  }
  return c;
}

/** Raw model output for one encoded row: probability (forest) or log-odds margin (boosting). */
export function rawOutput(model: ChurnModel, x: ArrayLike<number>, offset = 0): number {
  const s = modelKernels(model).row(x, offset);
  return model.algorithm === 'random-forest' ? s / model.trees.length : model.baseMargin + s;
}

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

/** Churn probability of one encoded row. */
export function predictRow(model: ChurnModel, x: ArrayLike<number>, offset = 0): number {
  const r = rawOutput(model, x, offset);
  return model.algorithm === 'random-forest' ? r : sigmoid(r);
}

/** Batches at least this large are shared with the scoring pool's worker threads. */
const POOL_MIN_ROWS = 4096;

interface ModelKernels extends ScoringKernels {
  /** The model's number in the scoring pool's caches. */
  readonly id: number;
}

const kernels = new WeakMap<ChurnModel, ModelKernels>();
let nextModelId = 1;

/** The scoring kernels of a model, built once per model object. */
function modelKernels(model: ChurnModel): ModelKernels {
  let k = kernels.get(model);
  if (!k) {
    k = { id: nextModelId++, ...scoringKernels(model.trees, model.binning, compiledTrees(model)) };
    kernels.set(model, k);
  }
  return k;
}

/**
 * Churn probabilities of encoded rows, bit-identical to {@link predictRow} on each row. Rows are
 * scored a block at a time through each tree; large batches are shared with worker threads.
 */
export function predictEncoded(model: ChurnModel, rows: EncodedRows): Float64Array {
  const { x, nRows, nFeatures } = rows;
  const { id, batch: kernel, chunkRows } = modelKernels(model);
  const pool = nRows >= POOL_MIN_ROWS ? scoringPool() : null;
  let out: Float64Array;
  if (pool) out = pool.run(id, model.trees, model.binning, kernel, chunkRows, x, nFeatures, nRows);
  else {
    out = new Float64Array(nRows);
    kernel(x, nFeatures, 0, nRows, out);
  }
  if (model.algorithm === 'random-forest') {
    for (let i = 0; i < nRows; i++) out[i] /= model.trees.length;
  } else {
    for (let i = 0; i < nRows; i++) out[i] = sigmoid(model.baseMargin + out[i]);
  }
  return out;
}

/** Churn probabilities for a dataset. */
export function predictDataset(model: ChurnModel, ds: Dataset): Float64Array {
  return predictEncoded(model, encodeDataset(model, ds));
}

/**
 * Run a model on typical rows (its training profile's medians and most frequent categories,
 * nudged) until V8 has optimised its scoring code, so the first real requests after a model is
 * loaded are not the slow ones. Takes a few milliseconds.
 */
export function warmUp(model: ChurnModel, calls = 2000): void {
  const x = new Float64Array(model.binning.length);
  const profile = new Map((model.training.profile ?? []).map((p) => [p.feature, p] as const));
  for (let k = 0; k < calls; k++) {
    model.binning.forEach((b, f) => {
      const p = profile.get(b.name);
      if (b.kind === 'categorical') {
        x[f] = k % Math.max(1, b.categories.length);
      } else if (p?.kind === 'numeric') {
        const lo = Number.isFinite(p.p10) ? p.p10 : 0;
        const hi = Number.isFinite(p.p90) ? p.p90 : lo;
        x[f] = lo + ((hi - lo) * ((k * 7 + f * 13) % 100)) / 100;
      } else x[f] = 0;
    });
    predictRow(model, x);
  }
}
