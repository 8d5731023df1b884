import type { Tree } from '../tree/tree.js';
import { wasmMemory, wasmOptimised } from '../util/wasm-asm.js';
import { type RecordWalkInstance, recordWalk } from './forest-wasm.js';
import { compileTreeSums, type TreeSumFunction } from './tree-codegen.js';

/** Trees at most this deep are compiled to code; deeper forests use the record layout. */
const CODEGEN_MAX_NODES = 1024;
/** Top levels of every tree stored together at the front: every row passes through them. */
const HOT_LEVELS = 6;
/** Trees one row walks in lockstep. */
const ROW_LANES = 16;
/** Rows walked down one tree in lockstep. */
const BATCH_LANES = 8;
/** Rows a batch takes through one tree before the next, so that tree's nodes stay in cache. */
const BLOCK_ROWS = 4096;
/** Rows per unit of work when threads share a batch: generated code scores row by row, records by blocks. */
const CODE_CHUNK_ROWS = 256;
const RECORD_CHUNK_ROWS = 2048;

/** Record meta word: feature << 3 | SPLIT | CATEGORICAL | FLIP; 0 for a leaf. */
const FLIP = 1;
const CATEGORICAL = 2;
const SPLIT = 4;

/**
 * Trees laid out for scoring: every node in one 16-byte record (a float64 threshold, bitset
 * offset or leaf value, an int32 meta word and the int32 index of its first child), the two
 * children of a split in adjacent records. The first child is the side missing values take, so
 * a numeric step goes to `first + (v > t)`, or `first + (v <= t)` when missing values go right
 * (the FLIP bit): both comparisons are false for NaN, and the step has no branch, which matters
 * because a split's direction is unpredictable (categorical splits, about one step in twelve in
 * the forest, take a branch). A leaf points to itself, so a walk can take more steps than its
 * depth.
 *
 * A deep forest (~12 MB) does not fit the core's cache, so a single row costs a cache miss at
 * most nodes; walking {@link ROW_LANES} trees in lockstep overlaps those misses. The top
 * {@link HOT_LEVELS} levels of all trees come first (breadth-first per tree, ~100 KB for 100
 * trees), each subtree below in depth-first order, so a path's lower nodes share a few cache lines
 * and pages. A batch takes a block of rows through one tree at a time, eight rows in lockstep.
 * On the 100-tree depth-15 forest (793k nodes) this made a single row ~2× faster in CPU time and
 * a batch ~4× faster per thread than the previous pre-order records walked four trees at a time.
 */
export class CompiledEnsemble {
  /** Threshold (numeric split), bitset offset (categorical split) or value (leaf), per record. */
  private readonly f64: Float64Array;
  /** Int32 view of the same records: [4i + 2] meta, [4i + 3] first child. */
  private readonly i32: Int32Array;
  private readonly roots: Int32Array;
  /** Steps to a leaf of the deepest tree in each group of {@link ROW_LANES} trees. */
  private readonly rowRounds: Int32Array;
  private readonly depths: Int32Array;
  private readonly catBits: Uint32Array;
  /** Generated code for small trees (boosting), or null. */
  private readonly code: TreeSumFunction[] | null;
  private readonly walk: RowWalk;
  private acc: Float64Array | null = null;
  /** Features the trees read (the largest index + 1): the row area's width. */
  private readonly nF: number;
  /** The WebAssembly walks, their row and accumulator areas, or null. */
  private readonly wasm:
    | (RecordWalkInstance & { rowsAt: number; accAt: number; rows: Float64Array; acc: Float64Array })
    | null;

  /**
   * `useWasm` false keeps the JavaScript walks (for the tests); otherwise deep trees are walked in
   * WebAssembly when the runtime has it and optimises it: on V8's baseline compiler alone (the
   * server's --liftoff-only) the WebAssembly walks were no faster than the JavaScript ones.
   */
  constructor(trees: readonly Tree[], useWasm = true) {
    this.code = trees.every((t) => t.nNodes <= CODEGEN_MAX_NODES) ? compileTreeSums(trees) : null;
    this.walk = rowWalker(trees.length);
    const layout = recordLayout(trees);
    let total = 0;
    let nBits = 0;
    this.nF = 1;
    for (const t of trees) {
      total += t.nNodes;
      nBits += t.catBits.length;
      for (let i = 0; i < t.nNodes; i++) this.nF = Math.max(this.nF, t.feature[i] + 1);
    }
    const nGroups = Math.ceil(trees.length / ROW_LANES);
    // Records, bitsets, roots, rounds, depths, then the row areas of the WebAssembly walks.
    const catAt = 16 * total;
    const rootsAt = catAt + 4 * nBits;
    const roundsAt = rootsAt + 4 * trees.length;
    const depthsAt = roundsAt + 4 * nGroups;
    const rowsAt = align8(depthsAt + 4 * trees.length);
    const accAt = rowsAt + 8 * BLOCK_ROWS * this.nF;
    const memory = !this.code && useWasm && wasmOptimised() ? wasmMemory(accAt + 8 * BLOCK_ROWS) : null;
    const buffer = memory ? memory.buffer : new ArrayBuffer(depthsAt + 4 * trees.length);
    this.f64 = new Float64Array(buffer, 0, 2 * total);
    this.i32 = new Int32Array(buffer, 0, 4 * total);
    this.roots = new Int32Array(buffer, rootsAt, trees.length);
    this.depths = new Int32Array(buffer, depthsAt, trees.length);
    const bits: number[] = [];
    trees.forEach((t, ti) => {
      const slot = layout.slots[ti];
      this.roots[ti] = slot[0];
      this.depths[ti] = layout.depths[ti];
      const catBase = bits.length;
      for (const w of t.catBits) bits.push(w);
      for (let node = 0; node < t.nNodes; node++) {
        const s = slot[node];
        if (t.feature[node] < 0) {
          this.f64[2 * s] = t.value[node];
          this.i32[4 * s + 3] = s;
          continue;
        }
        const isCat = t.catOffset[node] >= 0;
        const flip = t.defaultLeft[node] ? 0 : FLIP;
        this.f64[2 * s] = isCat ? catBase + t.catOffset[node] : t.threshold[node];
        this.i32[4 * s + 2] = (t.feature[node] << 3) | SPLIT | (isCat ? CATEGORICAL : 0) | flip;
        this.i32[4 * s + 3] = slot[flip ? t.right[node] : t.left[node]];
      }
    });
    this.catBits = new Uint32Array(buffer, catAt, nBits);
    this.catBits.set(bits);
    this.rowRounds = new Int32Array(buffer, roundsAt, nGroups);
    this.depths.forEach((d, t) => {
      const g = Math.floor(t / ROW_LANES);
      this.rowRounds[g] = Math.max(this.rowRounds[g], d);
    });
    const spec = {
      nTrees: trees.length,
      rowLanes: ROW_LANES,
      batchLanes: BATCH_LANES,
      catBits: catAt,
      roots: rootsAt,
      rounds: roundsAt,
      depths: depthsAt,
    };
    const wasm = memory ? recordWalk(spec, memory) : null;
    this.wasm = wasm && {
      ...wasm,
      rowsAt,
      accAt,
      rows: new Float64Array(buffer, rowsAt, BLOCK_ROWS * this.nF),
      acc: new Float64Array(buffer, accAt, BLOCK_ROWS),
    };
  }

  /** How rows are scored: generated code (small trees), or record walks in WebAssembly or JavaScript. */
  get walks(): 'code' | 'webassembly' | 'javascript' {
    return this.code ? 'code' : this.wasm ? 'webassembly' : 'javascript';
  }

  /** Rows per unit of work for {@link sumRows} when threads share a batch. */
  get chunkRows(): number {
    return this.code ? CODE_CHUNK_ROWS : RECORD_CHUNK_ROWS;
  }

  /** Sum of the leaf values of every tree for one encoded row (tree order, so sums are reproducible). */
  sum(x: ArrayLike<number>, offset: number): number {
    const code = this.code;
    if (code) {
      let s = 0;
      for (let k = 0; k < code.length; k++) s += code[k](x, offset);
      return s;
    }
    const wasm = this.wasm;
    if (wasm) {
      const rows = wasm.rows;
      for (let f = 0; f < this.nF; f++) rows[f] = x[offset + f];
      return wasm.row(wasm.rowsAt);
    }
    return this.walk(x, offset, this.f64, this.i32, this.roots, this.rowRounds, this.catBits);
  }

  /** {@link sum} of encoded rows [start, end) into out[start..end), with the same bits. */
  sumRows(x: Float64Array, nFeatures: number, start: number, end: number, out: Float64Array): void {
    if (this.code) {
      for (let i = start; i < end; i++) out[i] = this.sum(x, i * nFeatures);
      return;
    }
    const wasm = this.wasm;
    if (wasm && nFeatures <= BLOCK_ROWS * this.nF) {
      // As many rows as the row area holds at the caller's width.
      const block = Math.min(BLOCK_ROWS, Math.floor((BLOCK_ROWS * this.nF) / nFeatures));
      for (let b0 = start; b0 < end; b0 += block) {
        const b1 = Math.min(end, b0 + block);
        wasm.rows.set(x.subarray(b0 * nFeatures, b1 * nFeatures));
        wasm.acc.fill(0, 0, b1 - b0);
        wasm.block(wasm.rowsAt, b1 - b0, 8 * nFeatures, wasm.accAt);
        for (let i = b0; i < b1; i++) out[i] = wasm.acc[i - b0];
      }
      return;
    }
    const walk = blockWalker();
    this.acc ??= new Float64Array(BLOCK_ROWS);
    const acc = this.acc;
    for (let b0 = start; b0 < end; b0 += BLOCK_ROWS) {
      const b1 = Math.min(end, b0 + BLOCK_ROWS);
      acc.fill(0);
      walk(x, nFeatures, b0, b1, this.f64, this.i32, this.roots, this.depths, this.catBits, acc);
      for (let i = b0; i < b1; i++) out[i] = acc[i - b0];
    }
  }
}

/**
 * Record index of every node (per tree) and each tree's depth: the roots and top levels of all
 * trees first, breadth-first; then tree by tree, below each node of the last hot level, its
 * children and their subtrees depth-first, the missing-value side's child first in each pair.
 */
function recordLayout(trees: readonly Tree[]): { slots: Int32Array[]; depths: Int32Array } {
  const slots = trees.map((t) => new Int32Array(t.nNodes));
  const depths = new Int32Array(trees.length);
  let next = 0;
  const placeChildren = (t: Tree, slot: Int32Array, node: number): [number, number] => {
    const first = t.defaultLeft[node] ? t.left[node] : t.right[node];
    const second = first === t.left[node] ? t.right[node] : t.left[node];
    slot[first] = next++;
    slot[second] = next++;
    return [first, second];
  };
  const frontiers = trees.map((t, ti) => {
    const slot = slots[ti];
    slot[0] = next++;
    const frontier: number[] = [];
    let level = [0];
    for (let d = 0; level.length > 0; d++) {
      const below: number[] = [];
      for (const node of level) {
        if (t.feature[node] < 0) continue;
        depths[ti] = d + 1;
        if (d + 1 === HOT_LEVELS) frontier.push(node);
        else below.push(...placeChildren(t, slot, node));
      }
      level = d + 1 === HOT_LEVELS ? [] : below;
    }
    return frontier;
  });
  trees.forEach((t, ti) => {
    const slot = slots[ti];
    for (const top of frontiers[ti]) {
      const stack = [top];
      const depth = [HOT_LEVELS - 1];
      while (stack.length > 0) {
        const node = stack.pop()!;
        const d = depth.pop()!;
        if (t.feature[node] < 0) continue;
        depths[ti] = Math.max(depths[ti], d + 1);
        const [first, second] = placeChildren(t, slot, node);
        stack.push(second, first);
        depth.push(d + 1, d + 1);
      }
    }
  });
  return { slots, depths };
}

/** Direction (1 = second child) of a categorical split; NaN takes the first, like in a numeric one. */
function categoricalStep(catBits: Uint32Array, offset: number, v: number, meta: number): number {
  // biome-ignore lint/suspicious/noSelfCompare: the fastest NaN test on the hot path
  if (v !== v) return 0;
  const left = (catBits[offset + (v >>> 5)] >>> (v & 31)) & 1;
  return (meta & FLIP) !== 0 ? left : 1 - left;
}

/**
 * One step of each lane in `ks` (lane k at record i<k>, its row at offset `o(k)` of `x`). All
 * lanes' record loads come first: a step is some thirty instructions, so written lane after lane
 * the processor's reorder window held only a few lanes' cache misses at once. Index arithmetic
 * uses shifts and ors, which V8 compiles without overflow checks.
 */
const round = (ks: readonly (number | '')[], o: (k: number | '') => string): string =>
  [
    ks.map((k) => `const q${k} = i32[(i${k} << 2) | 2];`).join(' '),
    ks.map((k) => `const t${k} = f64[i${k} << 1];`).join(' '),
    ks.map((k) => `const c${k} = i32[(i${k} << 2) | 3];`).join(' '),
    ks.map((k) => `const v${k} = x[${o(k)} + (q${k} >> 3)];`).join(' '),
    ...ks.map(
      (k) =>
        `{ let r = (+(v${k} > t${k}) & ~q${k}) | (+(v${k} <= t${k}) & q${k}); ` +
        `if ((q${k} & ${CATEGORICAL}) !== 0) r = cat(cb, t${k}, v${k}, q${k}); ` +
        `i${k} = c${k} + (r & (q${k} >> 2)); }`,
    ),
  ].join('\n      ');

type RowWalk = (
  x: ArrayLike<number>,
  o: number,
  f64: Float64Array,
  i32: Int32Array,
  roots: Int32Array,
  rounds: Int32Array,
  cb: Uint32Array,
) => number;

const rowWalkers = new Map<number, RowWalk>();

/**
 * One row through `nTrees` trees, {@link ROW_LANES} at a time in lockstep (each group as many
 * steps as its deepest tree), the leaf values added in tree order. Generated so the lanes are
 * written out and live in registers; only integers enter the source.
 */
function rowWalker(nTrees: number): RowWalk {
  let fn = rowWalkers.get(nTrees);
  if (fn) return fn;
  const group = (lanes: number): string => {
    const ks = Array.from({ length: lanes }, (_, k) => k);
    return `{
    ${ks.map((k) => `let i${k} = roots[t + ${k}];`).join(' ')}
    for (let d = rounds[g++]; d > 0; d--) {
      ${round(ks, () => 'o')}
    }
    ${ks.map((k) => `s += f64[i${k} << 1];`).join(' ')}
  }`;
  };
  const full = nTrees - (nTrees % ROW_LANES);
  const src = `let s = 0; let t = 0; let g = 0;
  for (; t < ${full}; t += ${ROW_LANES}) ${group(ROW_LANES)}
  ${nTrees > full ? group(nTrees - full) : ''}
  return s;`;
  const make = new Function('cat', `return (x, o, f64, i32, roots, rounds, cb) => { ${src} };`);
  fn = make(categoricalStep) as RowWalk;
  rowWalkers.set(nTrees, fn);
  return fn;
}

type BlockWalk = (
  x: Float64Array,
  nF: number,
  start: number,
  end: number,
  f64: Float64Array,
  i32: Int32Array,
  roots: Int32Array,
  depths: Int32Array,
  cb: Uint32Array,
  acc: Float64Array,
) => void;

let blockWalk: BlockWalk | null = null;

/** Rows [start, end) through every tree, {@link BATCH_LANES} rows at a time, into acc (tree order). */
function blockWalker(): BlockWalk {
  if (blockWalk) return blockWalk;
  const ks = Array.from({ length: BATCH_LANES }, (_, k) => k);
  const src = `
for (let t = 0; t < roots.length; t++) {
  const root = roots[t];
  const depth = depths[t];
  let r = start;
  for (; r + ${BATCH_LANES - 1} < end; r += ${BATCH_LANES}) {
    ${ks.map((k) => `const o${k} = (r + ${k}) * nF; let i${k} = root;`).join(' ')}
    for (let d = depth; d > 0; d--) {
      ${round(ks, (k) => `o${k}`)}
    }
    ${ks.map((k) => `acc[r - start + ${k}] += f64[i${k} << 1];`).join(' ')}
  }
  for (; r < end; r++) {
    const o = r * nF; let i = root;
    for (let d = depth; d > 0; d--) { ${round([''], () => 'o')} }
    acc[r - start] += f64[i << 1];
  }
}`;
  const make = new Function(
    'cat',
    `return (x, nF, start, end, f64, i32, roots, depths, cb, acc) => { ${src} };`,
  );
  blockWalk = make(categoricalStep) as BlockWalk;
  return blockWalk;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;
