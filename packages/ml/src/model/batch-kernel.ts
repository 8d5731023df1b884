import type { FeatureBinning } from '../binning/bin-mapper.js';
import { type Tree, treeDepth } from '../tree/tree.js';
import { lockstepWalker } from './batch-wasm.js';
import type { CompiledEnsemble } from './compiled-ensemble.js';
import { sumGroups } from './tree-codegen.js';

/** Deepest trees laid out as complete trees (2^depth leaves each); deeper ensembles walk nodes. */
const COMPLETE_MAX_DEPTH = 8;
/** Rows scored together through every tree: the block's rows stay in cache while the trees pass. */
const BLOCK_ROWS = 256;
/** Rows per unit of work when threads share a batch: one block, so a slow worker holds up little. */
const CHUNK_ROWS = BLOCK_ROWS;
/** Rows walked down one tree in lockstep: independent walks overlap their memory latency. */
const LANES = 8;

/**
 * Raw sums (tree leaf values added in the order {@link CompiledEnsemble.sum} uses, so results are
 * bit-identical) for a range of encoded rows.
 */
export type BatchKernel = (
  x: Float64Array,
  nFeatures: number,
  start: number,
  end: number,
  out: Float64Array,
) => void;

/** The raw sum of one encoded row, added in the same order. */
export type RowKernel = (x: ArrayLike<number>, offset: number) => number;

/** A model's kernels, and the rows per unit of work when a batch is shared between threads. */
export interface ScoringKernels {
  readonly batch: BatchKernel;
  readonly row: RowKernel;
  readonly chunkRows: number;
}

/** Trees walked together for one row: their steps are independent, so they overlap. */
const ROW_LANES = 4;

/**
 * Scoring kernels for a model's trees. Shallow trees (boosting) become complete binary trees of
 * one common depth, short branches padded with nodes that always go left, so every row takes the
 * same number of steps and each step is arithmetic instead of a branch: a split's direction is
 * unpredictable, and a mispredicted branch per node was the cost of row-at-a-time scoring. In a
 * batch, eight rows walk a tree in lockstep (in WebAssembly when the runtime has it, see
 * batch-wasm.ts: 1 thread, 20,000 rows of the customer table, 340–430k against 120–180k rows/s);
 * a single row walks four trees in lockstep. Deep trees (the forest) use the compiled ensemble's
 * record walks.
 */
export function scoringKernels(
  trees: readonly Tree[],
  binning: readonly FeatureBinning[],
  ensemble: CompiledEnsemble,
  useWasm = true,
): ScoringKernels {
  const layout = completeLayout(trees, binning);
  if (!layout) {
    return {
      batch: (x, nF, start, end, out) => ensemble.sumRows(x, nF, start, end, out),
      row: (x, offset) => ensemble.sum(x, offset),
      chunkRows: ensemble.chunkRows,
    };
  }
  const { depth, meta, thr, catMask, leaf, groups } = layout;
  const rowWalk = rowWalker(depth);
  const groupList = Int32Array.from(groups);
  const row: RowKernel = (x, offset) => rowWalk(x, offset, groupList, meta, thr, catMask, leaf);
  const nFeatures = binning.length;
  const wasm = useWasm && lockstepWalker({ ...layout, nTrees: trees.length }, binning, BLOCK_ROWS);
  if (wasm) {
    const batch: BatchKernel = (x, nF, start, end, out) => {
      if (nF !== nFeatures) throw new Error(`rows have ${nF} features, the model ${nFeatures}`);
      for (let b0 = start; b0 < end; b0 += BLOCK_ROWS) {
        const b1 = Math.min(end, b0 + BLOCK_ROWS);
        const n = b1 - b0;
        wasm.load(x, b0, b1);
        out.fill(0, b0, b1);
        for (let g = 0; g + 1 < groups.length; g++) {
          wasm.acc.fill(0, 0, n);
          wasm.walk(groups[g], groups[g + 1], n);
          for (let i = 0; i < n; i++) out[b0 + i] += wasm.acc[i];
        }
      }
    };
    return { batch, row, chunkRows: CHUNK_ROWS };
  }
  const walk = laneWalker(depth);
  const acc = new Float64Array(BLOCK_ROWS);
  const batch: BatchKernel = (x, nF, start, end, out) => {
    for (let b0 = start; b0 < end; b0 += BLOCK_ROWS) {
      const b1 = Math.min(end, b0 + BLOCK_ROWS);
      out.fill(0, b0, b1);
      for (let g = 0; g + 1 < groups.length; g++) {
        acc.fill(0);
        walk(x, nF, b0, b1, groups[g], groups[g + 1], meta, thr, catMask, leaf, acc);
        for (let i = b0; i < b1; i++) out[i] += acc[i - b0];
      }
    }
  };
  return { batch, row, chunkRows: CHUNK_ROWS };
}

interface CompleteLayout {
  readonly depth: number;
  /** Per internal slot: feature << 1 | (missing goes right). */
  readonly meta: Int32Array;
  /** Numeric threshold, +Infinity for categorical and padding slots. */
  readonly thr: Float64Array;
  /** Categorical slot: the categories that go right (bit c), else 0. */
  readonly catMask: Int32Array;
  readonly leaf: Float64Array;
  /** Tree index boundaries of the partial sums (see {@link sumGroups}). */
  readonly groups: readonly number[];
}

/**
 * The complete-tree layout, or null when a tree is too deep or a categorical split tests a
 * feature with more than 32 categories (the one-word mask below would not hold it).
 */
function completeLayout(trees: readonly Tree[], binning: readonly FeatureBinning[]): CompleteLayout | null {
  if (trees.length === 0) return null;
  let depth = 0;
  for (const t of trees) {
    if (t.nNodes > 2 ** (COMPLETE_MAX_DEPTH + 1)) return null;
    depth = Math.max(depth, treeDepth(t));
    for (let i = 0; i < t.nNodes; i++)
      if (t.feature[i] >= 0 && t.catOffset[i] >= 0 && binning[t.feature[i]].nBins > 32) return null;
  }
  if (depth > COMPLETE_MAX_DEPTH) return null;
  depth = Math.max(depth, 1);
  const nInternal = 2 ** depth - 1;
  const nLeaves = 2 ** depth;
  const meta = new Int32Array(trees.length * nInternal);
  const thr = new Float64Array(trees.length * nInternal);
  const catMask = new Int32Array(trees.length * nInternal);
  const leaf = new Float64Array(trees.length * nLeaves);
  trees.forEach((t, ti) => {
    // Slot i's children are 2i + 1 (left) and 2i + 2 (right).
    const place = (node: number, i: number, d: number): void => {
      if (d === depth) {
        leaf[ti * nLeaves + i - nInternal] = t.value[node];
        return;
      }
      const s = ti * nInternal + i;
      if (t.feature[node] < 0) {
        // Padding below a leaf: every value, missing included, goes left to the leaf's copy.
        thr[s] = Number.POSITIVE_INFINITY;
        place(node, 2 * i + 1, d + 1);
        place(node, 2 * i + 2, d + 1);
        return;
      }
      meta[s] = (t.feature[node] << 1) | (t.defaultLeft[node] ? 0 : 1);
      if (t.catOffset[node] >= 0) {
        thr[s] = Number.POSITIVE_INFINITY;
        catMask[s] = ~t.catBits[t.catOffset[node]];
      } else thr[s] = t.threshold[node];
      place(t.left[node], 2 * i + 1, d + 1);
      place(t.right[node], 2 * i + 2, d + 1);
    };
    place(0, 0, 0);
  });
  return { depth, meta, thr, catMask, leaf, groups: sumGroups(trees) };
}

type LaneWalk = (
  x: Float64Array,
  nF: number,
  start: number,
  end: number,
  t0: number,
  t1: number,
  meta: Int32Array,
  thr: Float64Array,
  catMask: Int32Array,
  leaf: Float64Array,
  acc: Float64Array,
) => void;

const walkers = new Map<number, LaneWalk>();

/**
 * The lockstep walk for one depth, generated (like the histogram kernel) so the lanes are
 * written out. One step of a lane, with m = 1 for a missing (NaN) value:
 * right = ((v > thr | catMask bit v) & !m) | (m & missing-goes-right). Numeric slots have a zero
 * mask, categorical and padding slots an infinite threshold; only integers enter the source.
 */
function laneWalker(depth: number): LaneWalk {
  let fn = walkers.get(depth);
  if (fn) return fn;
  const nInternal = 2 ** depth - 1;
  const nLeaves = 2 ** depth;
  const lanes = Array.from({ length: LANES }, (_, k) => k);
  const step = (k: number | '') =>
    `{ const s = nb + i${k}; const q = meta[s]; const v = x[o${k} + (q >> 1)]; const m = +(v !== v); ` +
    `i${k} = 2 * i${k} + 1 + (((+(v > thr[s]) | ((catMask[s] >>> (v & 31)) & 1)) & (1 - m)) | (m & q)); }`;
  const src = `
for (let t = t0; t < t1; t++) {
  const nb = t * ${nInternal};
  const lb = t * ${nLeaves} - ${nInternal};
  let r = start;
  for (; r + ${LANES - 1} < end; r += ${LANES}) {
    ${lanes.map((k) => `const o${k} = (r + ${k}) * nF; let i${k} = 0;`).join(' ')}
    for (let d = 0; d < ${depth}; d++) {
      ${lanes.map((k) => step(k)).join('\n      ')}
    }
    ${lanes.map((k) => `acc[r - start + ${k}] += leaf[lb + i${k}];`).join(' ')}
  }
  for (; r < end; r++) {
    const o = r * nF; let i = 0;
    for (let d = 0; d < ${depth}; d++) ${step('')}
    acc[r - start] += leaf[lb + i];
  }
}`;
  fn = new Function(
    'x',
    'nF',
    'start',
    'end',
    't0',
    't1',
    'meta',
    'thr',
    'catMask',
    'leaf',
    'acc',
    src,
  ) as LaneWalk;
  walkers.set(depth, fn);
  return fn;
}

type RowWalk = (
  x: ArrayLike<number>,
  o: number,
  groups: Int32Array,
  meta: Int32Array,
  thr: Float64Array,
  catMask: Int32Array,
  leaf: Float64Array,
) => number;

const rowWalkers = new Map<number, RowWalk>();

/** One row through every tree, ROW_LANES trees in lockstep; the same step as {@link laneWalker}. */
function rowWalker(depth: number): RowWalk {
  let fn = rowWalkers.get(depth);
  if (fn) return fn;
  const nInternal = 2 ** depth - 1;
  const nLeaves = 2 ** depth;
  const lanes = Array.from({ length: ROW_LANES }, (_, k) => k);
  const step = (k: number | '') =>
    `{ const s = n${k} + i${k}; const q = meta[s]; const v = x[o + (q >> 1)]; const m = +(v !== v); ` +
    `i${k} = 2 * i${k} + 1 + (((+(v > thr[s]) | ((catMask[s] >>> (v & 31)) & 1)) & (1 - m)) | (m & q)); }`;
  const src = `
let total = 0;
for (let g = 0; g + 1 < groups.length; g++) {
  const t1 = groups[g + 1];
  let part = 0;
  let t = groups[g];
  for (; t + ${ROW_LANES - 1} < t1; t += ${ROW_LANES}) {
    ${lanes.map((k) => `const n${k} = (t + ${k}) * ${nInternal}; let i${k} = 0;`).join(' ')}
    for (let d = 0; d < ${depth}; d++) {
      ${lanes.map((k) => step(k)).join('\n      ')}
    }
    ${lanes.map((k) => `part += leaf[(t + ${k}) * ${nLeaves} + i${k} - ${nInternal}];`).join(' ')}
  }
  for (; t < t1; t++) {
    const n = t * ${nInternal}; let i = 0;
    for (let d = 0; d < ${depth}; d++) ${step('')}
    part += leaf[t * ${nLeaves} + i - ${nInternal}];
  }
  total += part;
}
return total;`;
  fn = new Function('x', 'o', 'groups', 'meta', 'thr', 'catMask', 'leaf', src) as RowWalk;
  rowWalkers.set(depth, fn);
  return fn;
}
