import {
  HEADER,
  I32,
  instantiate,
  memoryImport,
  op,
  section,
  uleb,
  V128,
  type WasmMemory,
  wasmApi,
} from '../util/wasm-asm.js';
import { HIST_STRIDE } from './split.js';

/**
 * The histogram inner loop of gradient boosting as WebAssembly SIMD: each row's (gradient,
 * hessian) pair is one 16-byte vector, added to its bin's pair of every feature with one load,
 * one f64x2.add and one store (JavaScript needs two of each, with bounds checks). Like the
 * JavaScript kernel it is written out for one feature layout, each feature's histogram offset an
 * immediate. The sums are the same IEEE additions in the same order as the JavaScript kernel, so
 * histograms, and trees, are bit-identical.
 *
 * Measured on the 80,000-row customer table (21 features, this 2-core machine), per row-feature
 * cell: 0.57 ns, against 1.3–1.5 ns for the JavaScript kernel. Half of that came from the
 * histogram stride (see HIST_STRIDE): with features exactly 4 KiB apart the same kernel took
 * 1.3 ns.
 *
 * Equivalent text format (NF features; feature f's histogram at byte f × 8 × HIST_STRIDE):
 *
 *   (func (export "k") (param $bins i32) (param $rows i32) (param $gh i32) (param $hist i32)
 *                      (param $start i32) (param $end i32)
 *     (local $k i32) (local $i i32) (local $b i32) (local $p i32) (local $v v128)
 *     (k = rows + 4 start) (end = rows + 4 end)
 *     (block (loop (br_if 1 (k >=u end))
 *       (i = i32.load k) (v = v128.load (gh + 16 i)) (b = bins + NF i)
 *       ;; per feature f:
 *       (p = hist + 16 (i32.load8_u offset=f b))
 *       (v128.store offset=8·HIST_STRIDE·f p (f64x2.add (v128.load offset=8·HIST_STRIDE·f p) v))
 *       (k += 4) (br 0)))
 */

/** The memory a kernel works in: bins (row-major), row indices and (g, h) pairs by row index. */
export interface PairArena {
  /** Shared WebAssembly memory holding every array below, or null (the JavaScript kernel). */
  readonly memory: WasmMemory | null;
  readonly bins: Uint8Array;
  readonly rows: Uint32Array;
  /** (gradient, hessian) of row i at [2i], [2i + 1]. */
  readonly gh: Float64Array;
}

/** Add rows [start, end) of `rows` into `hist` (a view of the arena's memory for the WebAssembly kernel). */
export type PairKernel = (hist: Float64Array, start: number, end: number) => void;

const [BINS, ROWS, GH, HIST, START, END, K, I, B, P, V] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The module of one layout. Exported for the tests. */
export function pairHistogramModule(nFeatures: number, features: readonly number[]): Uint8Array {
  const perFeature = features.flatMap((f) => {
    const off = 8 * HIST_STRIDE * f;
    return [
      ...op.get(HIST),
      ...op.get(B),
      ...op.i32Load8U(f),
      ...op.i32(4),
      ...op.shl,
      ...op.add,
      ...op.tee(P),
      ...op.get(P),
      ...op.v128Load(off),
      ...op.get(V),
      ...op.f64x2Add,
      ...op.v128Store(off),
    ];
  });
  const code = [
    ...[...op.get(ROWS), ...op.get(START), ...op.i32(2), ...op.shl, ...op.add, ...op.set(K)],
    ...[...op.get(ROWS), ...op.get(END), ...op.i32(2), ...op.shl, ...op.add, ...op.set(END)],
    ...op.block,
    ...op.loop,
    ...[...op.get(K), ...op.get(END), ...op.geU, ...op.brIf(1)],
    ...[...op.get(K), ...op.i32Load(), ...op.set(I)],
    ...[...op.get(GH), ...op.get(I), ...op.i32(4), ...op.shl, ...op.add, ...op.v128Load(), ...op.set(V)],
    ...[...op.get(I), ...op.i32(nFeatures), ...op.mul, ...op.get(BINS), ...op.add, ...op.set(B)],
    ...perFeature,
    ...[...op.get(K), ...op.i32(4), ...op.add, ...op.set(K)],
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const body = [2, 4, I32, 1, V128, ...code];
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...memoryImport(true)]),
    ...section(3, [1, 0]),
    ...section(7, [1, 1, 'k'.charCodeAt(0), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

type RawKernel = (bins: number, rows: number, gh: number, hist: number, start: number, end: number) => void;

const instances = new WeakMap<WasmMemory, Map<string, RawKernel>>();
const jsKernels = new Map<string, JsPairKernel>();

type JsPairKernel = (
  bins: Uint8Array,
  rows: Uint32Array,
  gh: Float64Array,
  hist: Float64Array,
  start: number,
  end: number,
) => void;

/**
 * The kernel accumulating features `features` (of `nFeatures`) over an arena: WebAssembly when the
 * arena lives in a WebAssembly memory and the runtime compiles the module, else generated
 * JavaScript with the same additions. `forceJs` is for the tests.
 */
export function pairHistogramKernel(
  arena: PairArena,
  nFeatures: number,
  features: ArrayLike<number>,
  forceJs = false,
): PairKernel {
  const list = Array.from(features);
  for (const f of list)
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) throw new Error(`bad feature index ${f}`);
  const key = `${nFeatures}:${list.join(',')}`;
  const raw = forceJs || !arena.memory ? null : wasmKernel(arena.memory, key, nFeatures, list);
  const { bins, rows, gh } = arena;
  if (raw) {
    const b = bins.byteOffset;
    const r = rows.byteOffset;
    const g = gh.byteOffset;
    return (hist, start, end) => raw(b, r, g, hist.byteOffset, start, end);
  }
  let js = jsKernels.get(key);
  if (!js) {
    const lines = [
      'for (let k = start; k < end; k++) {',
      `  const i = rows[k]; const gi = gh[2 * i]; const hi = gh[2 * i + 1]; const b = i * ${nFeatures | 0}; let p = 0;`,
      ...list.map(
        (f) => `  p = ${f * HIST_STRIDE} + (bins[b + ${f}] << 1); hist[p] += gi; hist[p + 1] += hi;`,
      ),
      '}',
    ];
    js = new Function('bins', 'rows', 'gh', 'hist', 'start', 'end', lines.join('\n')) as JsPairKernel;
    jsKernels.set(key, js);
  }
  const kernel = js;
  return (hist, start, end) => kernel(bins, rows, gh, hist, start, end);
}

function wasmKernel(memory: WasmMemory, key: string, nFeatures: number, list: number[]): RawKernel | null {
  let perMemory = instances.get(memory);
  const found = perMemory?.get(key);
  if (found) return found;
  const k = instantiate<{ k: RawKernel }>(
    () => pairHistogramModule(nFeatures, list),
    memory,
    `pair:${key}`,
  )?.k;
  if (!k) return null;
  if (!perMemory) {
    perMemory = new Map();
    instances.set(memory, perMemory);
  }
  perMemory.set(key, k);
  return k;
}

/**
 * A shared memory of at least `bytes` bytes for a {@link PairArena}: a WebAssembly memory (its
 * buffer is a SharedArrayBuffer), or a plain SharedArrayBuffer when WebAssembly cannot provide one.
 */
export function arenaMemory(bytes: number): { memory: WasmMemory | null; buffer: SharedArrayBuffer } {
  const wasm = wasmApi();
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (wasm && pages <= 65536) {
    try {
      const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
      return { memory, buffer: memory.buffer as SharedArrayBuffer };
    } catch {
      // fall through: no shared WebAssembly memory here
    }
  }
  return { memory: null, buffer: new SharedArrayBuffer(bytes) };
}
