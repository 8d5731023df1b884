import {
  HEADER,
  I32,
  instantiate,
  memoryImport,
  name,
  op,
  section,
  uleb,
  type WasmMemory,
  wasmMemory,
} from '../util/wasm-asm.js';
import { PACK } from './packed-histogram.js';

/**
 * The two loops a forest tree spends most of its growth in, as WebAssembly over the workspace's
 * memory (row records, histograms and the side table all live in one): moving a node's records
 * to their child's side of the other area, and adding records' packed weights to histograms.
 * Same records in the same places, same additions, so trees are identical to the JavaScript
 * kernels' (row-records.ts, packed-histogram.ts). A record of STRIDE bytes is copied with 16-,
 * 8- and 4-byte moves instead of one 4-byte move per word with bounds checks.
 *
 * Equivalent text format (records at byte 0, STRIDE bytes each; the side table at SIDE):
 *
 *   (func (export "part") (param $from i32) (param $to i32) (param $start i32) (param $end i32)
 *                         (param $f i32) (result i32)
 *     (l = start) (r = end − 1) (s = STRIDE·(from + start)) (e = STRIDE·(from + end))
 *     (block (loop (br_if 1 (s >=u e))
 *       (left = i32.load8_u offset=SIDE (i32.load8_u offset=2 (s + f)))
 *       (d = STRIDE·(to + (select l r left)))   ;; copy STRIDE bytes from s to d
 *       (l += left) (r += left − 1) (s += STRIDE) (br 0)))
 *     l)
 *
 *   (func (export "aN") (param $k0 i32) (param $k1 i32) (param $f1..fN i32) (param $h1..hN i32)
 *     ;; for every record k in [k0, k1): w = (code >> 1)·(PACK + (code & 1)), code = i32.load16_u,
 *     ;; then for each feature j: cell = h_j + 8·bin_j: (f64.store cell (f64.load cell + w))
 *   )
 */

/** Exported for the tests. */
export function forestKernelModule(stride: number, side: number): Uint8Array {
  if (stride % 4 !== 0 || stride < 4) throw new Error(`bad record stride ${stride}`);
  const copy: number[] = [];
  for (let c = 0; c < stride; ) {
    const size = stride - c >= 16 ? 16 : stride - c >= 8 ? 8 : 4;
    const [load, store] =
      size === 16
        ? [op.v128Load, op.v128Store]
        : size === 8
          ? [op.i64Load, op.i64Store]
          : [op.i32Load, op.i32Store];
    copy.push(...op.get(9), ...op.get(7), ...load(c), ...store(c));
    c += size;
  }
  // part: params from 0, to 1, start 2, end 3, f 4; locals l 5, r 6, s 7, e 8, d 9, left 10.
  const part = [
    ...[...op.get(2), ...op.set(5)],
    ...[...op.get(3), ...op.i32(1), ...op.sub, ...op.set(6)],
    ...[...op.get(0), ...op.get(2), ...op.add, ...op.i32(stride), ...op.mul, ...op.set(7)],
    ...[...op.get(0), ...op.get(3), ...op.add, ...op.i32(stride), ...op.mul, ...op.set(8)],
    ...op.block,
    ...op.loop,
    ...[...op.get(7), ...op.get(8), ...op.geU, ...op.brIf(1)],
    ...[...op.get(7), ...op.get(4), ...op.add, ...op.i32Load8U(2), ...op.i32Load8U(side), ...op.set(10)],
    ...[...op.get(1), ...op.get(5), ...op.get(6), ...op.get(10), ...op.select, ...op.add],
    ...[...op.i32(stride), ...op.mul, ...op.set(9)],
    ...copy,
    ...[...op.get(5), ...op.get(10), ...op.add, ...op.set(5)],
    ...[...op.get(6), ...op.get(10), ...op.add, ...op.i32(1), ...op.sub, ...op.set(6)],
    ...[...op.get(7), ...op.i32(stride), ...op.add, ...op.set(7)],
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(5),
    ...op.end,
  ];
  const partBody = [1, 6, I32, ...part];
  const accBody = (n: number): number[] => {
    // params k0 0, k1 1, f_j 2 + j, h_j 2 + n + j; locals s, e, cell (i32), w (f64).
    const S = 2 + 2 * n;
    const E = S + 1;
    const CELL = S + 2;
    const W = S + 3;
    const code = [
      ...[...op.get(0), ...op.i32(stride), ...op.mul, ...op.set(S)],
      ...[...op.get(1), ...op.i32(stride), ...op.mul, ...op.set(E)],
      ...op.block,
      ...op.loop,
      ...[...op.get(S), ...op.get(E), ...op.geU, ...op.brIf(1)],
      ...[...op.get(S), ...op.i32Load16U(), ...op.set(CELL)],
      ...[...op.get(CELL), ...op.i32(1), ...op.shrU, ...op.f64ConvertI32U],
      ...[...op.f64(PACK), ...op.get(CELL), ...op.i32(1), ...op.and, ...op.f64ConvertI32U, ...op.f64Add],
      ...[...op.f64Mul, ...op.set(W)],
      ...Array.from({ length: n }, (_, j) => [
        ...[...op.get(2 + n + j), ...op.get(S), ...op.get(2 + j), ...op.add, ...op.i32Load8U(2)],
        ...[...op.i32(3), ...op.shl, ...op.add, ...op.tee(CELL)],
        ...[...op.get(CELL), ...op.f64Load(), ...op.get(W), ...op.f64Add, ...op.f64Store(0)],
      ]).flat(),
      ...[...op.get(S), ...op.i32(stride), ...op.add, ...op.set(S)],
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...op.end,
    ];
    return [2, 3, I32, 1, 0x7c, ...code];
  };
  const bodies = [partBody, accBody(1), accBody(2), accBody(3), accBody(4)];
  const types = [
    [0x60, 5, I32, I32, I32, I32, I32, 1, I32],
    ...[1, 2, 3, 4].map((n) => [0x60, 2 + 2 * n, ...Array(2 + 2 * n).fill(I32), 0]),
  ].flat();
  const exports = [5, ...name('part'), 0, 0, ...[1, 2, 3, 4].flatMap((n) => [...name(`a${n}`), 0, n])];
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [5, ...types]),
    ...section(2, [1, ...memoryImport()]),
    ...section(3, [5, 0, 1, 2, 3, 4]),
    ...section(7, exports),
    ...section(10, [5, ...bodies.flatMap((b) => [...uleb(b.length), ...b])]),
  ]);
}

export interface ForestKernels {
  /** Partition records (see row-records.ts's PartitionKernel); the side table is the memory's. */
  part(from: number, to: number, start: number, end: number, f: number): number;
  /** Add records [k0, k1) of features f… into the histograms at byte offsets h…. */
  a1(k0: number, k1: number, f0: number, h0: number): void;
  a2(k0: number, k1: number, f0: number, f1: number, h0: number, h1: number): void;
  a3(k0: number, k1: number, f0: number, f1: number, f2: number, h0: number, h1: number, h2: number): void;
  a4(
    k0: number,
    k1: number,
    f0: number,
    f1: number,
    f2: number,
    f3: number,
    h0: number,
    h1: number,
    h2: number,
    h3: number,
  ): void;
}

/** A WebAssembly memory of `bytes` and the kernels over it, or null without WebAssembly. */
export function forestKernels(
  bytes: number,
  stride: number,
  side: number,
): { memory: WasmMemory; kernels: ForestKernels } | null {
  const memory = wasmMemory(bytes);
  const kernels =
    memory &&
    instantiate<ForestKernels>(() => forestKernelModule(stride, side), memory, `forest:${stride}:${side}`);
  return memory && kernels ? { memory, kernels } : null;
}
