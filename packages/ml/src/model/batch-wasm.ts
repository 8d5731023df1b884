import type { FeatureBinning } from '../binning/bin-mapper.js';
import { HEADER, I32, instantiate, memoryImport, op, section, uleb, wasmMemory } from '../util/wasm-asm.js';

/**
 * The lockstep batch walk of complete trees (batch-kernel.ts) as WebAssembly: the same paths and
 * the same additions, so the sums are bit-identical to the JavaScript walker's, in about half the
 * instructions. The JavaScript step decides right = ((v > thr) | category bit of v) & !missing,
 * or the node's missing direction; here each value also has a 64-bit code, made once per row as
 * the block is loaded, and one shift of the node's 64-bit mask by the code does the category test
 * and the missing test together:
 *
 *   code = 32 for a missing value, else (v & 31) for a categorical feature, else 0;
 *   mask bits 0..31 = the categories that go right (0 for a numeric or padding slot), bit 32 =
 *   missing goes right; right = (v > thr) | ((mask >> code) & 1).
 *
 * NaN > thr is false, a categorical or padding slot's threshold is +Infinity, and a numeric
 * value's code 0 reads the zero bit 0 of a numeric slot's mask: each case gives the JavaScript
 * step's direction.
 *
 * Memory: slot s of every tree is a 16-byte record at 16·s: threshold (f64), then the mask (i64)
 * whose high word holds feature·8 | missing-right (feature·8 has its low bits free, so the
 * missing bit is bit 32 of the mask). The leaves follow (f64), then the block of rows (f64,
 * row-major), their codes (i64, at the same index, `codes` bytes on), one f64 accumulator a row.
 *
 * Equivalent text format for depth D (NI = 2^D − 1 internal slots, NL = 2^D leaves a tree):
 *
 *   (func (export "w") (param $t i32) (param $t1 i32) (param $xb i32) (param $n i32) (param $rb i32)
 *                      (param $acc i32) (param $leaf i32)
 *     (block (br_if 0 (t >=u t1)) (loop
 *       (nb = 16·NI·t) (lb = leaf + 8·NL·t − 8·NI) (r = 0)
 *       (block (loop (br_if 1 (r + 8 >u n))
 *         ;; lanes k = 0..7: (o_k = xb + (r + k)·rb) (i_k = 0)
 *         ;; D times, for each lane, one step:
 *         ;;   (s = nb + i) (a = o + ((i32.load offset=12 s) & −8))
 *         ;;   (i = 2i + 16 + 16·((f64.gt (f64.load a) (f64.load s))
 *         ;;        | (i32.wrap_i64 (i64.shr_u (i64.load offset=8 s) (i64.load offset=codes a))) & 1))
 *         ;; for each lane: acc[r + k] += f64.load (lb + i_k / 2)
 *         (r += 8) (br 0)))
 *       (block (loop (br_if 1 (r >=u n)) ;; one lane at a time (r += 1) (br 0)))
 *       (t += 1) (br_if 0 (t <u t1))))
 */

const LANES = 8;
/** The code of a missing value: the mask's missing-direction bit. */
const MISSING_CODE = 32;

// Parameters, then locals.
const [T, T1, XB, N, RB, ACC, LEAF, NB, LB, R, S, A] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const O = 12;
const I = O + LANES;
const N_LOCALS = I + LANES;

/**
 * The module walking complete trees of one depth, the codes `codes` bytes after their values.
 * Exported for the tests.
 */
export function lockstepModule(depth: number, codes: number): Uint8Array {
  if (!Number.isInteger(depth) || depth < 1 || depth > 16) throw new Error(`bad depth ${depth}`);
  const nInternal = 2 ** depth - 1;
  const nLeaves = 2 ** depth;
  const step = (o: number, i: number): number[] => [
    ...[...op.get(NB), ...op.get(i), ...op.add, ...op.set(S)],
    ...[...op.get(o), ...op.get(S), ...op.i32Load(12), ...op.i32(-8), ...op.and, ...op.add, ...op.set(A)],
    ...[...op.get(i), ...op.i32(1), ...op.shl, ...op.i32(16), ...op.add],
    ...[...op.get(A), ...op.f64Load(), ...op.get(S), ...op.f64Load(), ...op.f64Gt],
    ...[...op.get(S), ...op.i64Load(8), ...op.get(A), ...op.i64Load(codes), ...op.i64ShrU],
    ...[...op.i32WrapI64, ...op.i32(1), ...op.and, ...op.or],
    ...[...op.i32(4), ...op.shl, ...op.add, ...op.set(i)],
  ];
  // acc[r + k] += leaf of lane k (S holds the address of acc[r]).
  const addLeaf = (k: number): number[] => [
    ...op.get(S),
    ...op.get(S),
    ...op.f64Load(8 * k),
    ...[...op.get(LB), ...op.get(I + k), ...op.i32(1), ...op.shrU, ...op.add, ...op.f64Load()],
    ...op.f64Add,
    ...op.f64Store(8 * k),
  ];
  const accOfRow = [...op.get(ACC), ...op.get(R), ...op.i32(3), ...op.shl, ...op.add, ...op.set(S)];
  const lanes = Array.from({ length: LANES }, (_, k) => k);
  const lockstep = [
    ...op.block,
    ...op.loop,
    ...[...op.get(R), ...op.i32(LANES), ...op.add, ...op.get(N), ...op.gtU, ...op.brIf(1)],
    ...[...op.get(XB), ...op.get(R), ...op.get(RB), ...op.mul, ...op.add, ...op.set(O)],
    ...lanes.slice(1).flatMap((k) => [...op.get(O + k - 1), ...op.get(RB), ...op.add, ...op.set(O + k)]),
    ...lanes.flatMap((k) => [...op.i32(0), ...op.set(I + k)]),
    ...Array.from({ length: depth }, () => lanes.flatMap((k) => step(O + k, I + k))).flat(),
    ...accOfRow,
    ...lanes.flatMap(addLeaf),
    ...[...op.get(R), ...op.i32(LANES), ...op.add, ...op.set(R)],
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const single = [
    ...op.block,
    ...op.loop,
    ...[...op.get(R), ...op.get(N), ...op.geU, ...op.brIf(1)],
    ...[...op.get(XB), ...op.get(R), ...op.get(RB), ...op.mul, ...op.add, ...op.set(O)],
    ...[...op.i32(0), ...op.set(I)],
    ...Array.from({ length: depth }, () => step(O, I)).flat(),
    ...accOfRow,
    ...addLeaf(0),
    ...[...op.get(R), ...op.i32(1), ...op.add, ...op.set(R)],
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const code = [
    ...op.block,
    ...[...op.get(T), ...op.get(T1), ...op.geU, ...op.brIf(0)],
    ...op.loop,
    ...[...op.get(T), ...op.i32(16 * nInternal), ...op.mul, ...op.set(NB)],
    ...[
      ...op.get(LEAF),
      ...op.get(T),
      ...op.i32(8 * nLeaves),
      ...op.mul,
      ...op.add,
      ...op.i32(8 * nInternal),
    ],
    ...[...op.sub, ...op.set(LB)],
    ...[...op.i32(0), ...op.set(R)],
    ...lockstep,
    ...single,
    ...[...op.get(T), ...op.i32(1), ...op.add, ...op.tee(T), ...op.get(T1), ...op.ltU, ...op.brIf(0)],
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const body = [1, N_LOCALS - NB, I32, ...code];
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...memoryImport()]),
    ...section(3, [1, 0]),
    ...section(7, [1, 1, 'w'.charCodeAt(0), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** Complete trees of one depth, as batch-kernel.ts lays them out. */
export interface CompleteTrees {
  readonly depth: number;
  readonly nTrees: number;
  /** Per internal slot: feature << 1 | (missing goes right). */
  readonly meta: Int32Array;
  readonly thr: Float64Array;
  /** Per internal slot: the categories that go right (bit c), 0 for numeric and padding slots. */
  readonly catMask: Int32Array;
  readonly leaf: Float64Array;
}

/** Blocks of rows walked through the trees: load a block, then add the leaves of some trees. */
export interface LockstepWalker {
  /** Copy rows [start, end) of x (at most the block size) into the block, with their codes. */
  load(x: Float64Array, start: number, end: number): void;
  /** Add the leaf values of trees [t0, t1) for the first n rows of the block to acc[0 .. n). */
  walk(t0: number, t1: number, n: number): void;
  readonly acc: Float64Array;
}

type RawWalk = (t0: number, t1: number, xb: number, n: number, rb: number, acc: number, leaf: number) => void;

/**
 * A WebAssembly walker for these trees, with room for blocks of `blockRows` rows, or null when
 * the runtime has no WebAssembly (or refuses the module): the caller keeps its JavaScript walk.
 */
export function lockstepWalker(
  trees: CompleteTrees,
  binning: readonly FeatureBinning[],
  blockRows: number,
): LockstepWalker | null {
  const { depth, nTrees, meta, thr, catMask, leaf } = trees;
  const nF = binning.length;
  const codeOffset = 8 * blockRows * nF;
  const nInternal = 2 ** depth - 1;
  const leafBase = 16 * nInternal * nTrees;
  const rowsBase = leafBase + 8 * leaf.length;
  const accBase = rowsBase + 2 * codeOffset;
  const bytes = accBase + 8 * blockRows;
  const memory = wasmMemory(bytes);
  if (!memory) return null;
  const { buffer } = memory;
  const slotF = new Float64Array(buffer, 0, 2 * nInternal * nTrees);
  const slotI = new Int32Array(buffer, 0, 4 * nInternal * nTrees);
  for (let s = 0; s < nInternal * nTrees; s++) {
    slotF[2 * s] = thr[s];
    slotI[4 * s + 2] = catMask[s];
    slotI[4 * s + 3] = ((meta[s] >> 1) << 3) | (meta[s] & 1);
  }
  new Float64Array(buffer, leafBase, leaf.length).set(leaf);
  const w = instantiate<{ w: RawWalk }>(
    () => lockstepModule(depth, codeOffset),
    memory,
    `lockstep:${depth}:${codeOffset}`,
  )?.w;
  if (!w) return null;
  const rows = new Float64Array(buffer, rowsBase, blockRows * nF);
  // Low words of the i64 codes (the high words stay 0).
  const codes = new Int32Array(buffer, rowsBase + codeOffset, 2 * blockRows * nF);
  const categorical = Uint8Array.from(binning, (b) => (b.kind === 'categorical' ? 1 : 0));
  return {
    load(x, start, end) {
      const src = x.subarray(start * nF, end * nF);
      rows.set(src);
      for (let k = 0, f = 0; k < src.length; k++) {
        const v = src[k];
        // biome-ignore lint/suspicious/noSelfCompare: the fastest NaN test on the hot path
        codes[2 * k] = v !== v ? MISSING_CODE : categorical[f] === 1 ? v & 31 : 0;
        if (++f === nF) f = 0;
      }
    },
    walk: (t0, t1, n) => w(t0, t1, rowsBase, n, 8 * nF, accBase, leafBase),
    acc: new Float64Array(buffer, accBase, blockRows),
  };
}
