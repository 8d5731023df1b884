/**
 * A tiny WebAssembly kernel (SIMD, two cells per instruction) for the anti-diagonal path count of
 * the exact two-sample KS probability: for t in [t0, t1), cur[x] = prev[x-1] + prev[x] over the
 * band window [lo[t], hi[t]], then swapping the buffers. Everything else (windows, scaling, the
 * final sum) stays in TypeScript; when WebAssembly SIMD is unavailable the caller uses its plain
 * loop.
 *
 * How the sweep is laid out, and why:
 * - Only 16-byte aligned loads and stores: prev[x-1] is built from two aligned vectors with a lane
 *   shuffle. A misaligned load of cells the previous diagonal has just stored cannot be forwarded
 *   from the store buffer and waits for the stores to complete, on every diagonal.
 * - Four cells per step from the aligned pair holding lo (so possibly from lo - 1), rounded up past
 *   hi: no remainder loop, whose exit branch (the window width changes from one diagonal to the
 *   next) mispredicted on most diagonals.
 * - Then the cells written outside the window are cleared — lo - 1 and up to hi + 3 — and lo - 2,
 *   the one stale cell a reused buffer can hold below the window (windows move up by at most one
 *   cell per diagonal). Buffers need two spare cells below 0 and three above m.
 *
 * The module is assembled here from its opcodes (about 350 bytes), so there is no binary file
 * and no build step. Equivalent text format:
 *
 *   (func (export "diags") (param $prev i32) (param $cur i32) (param $los i32) (param $his i32)
 *                          (param $t i32) (param $t1 i32)
 *     (local $lo i32) (local $hi i32) (local $p i32) (local $end i32) (local $tmp i32)
 *     (local $v v128) (local $a v128)
 *     (block (loop
 *       (br_if 1 (i32.ge_s $t $t1))
 *       (lo = load(los + 4t)) (hi = load(his + 4t))
 *       (p = 8(lo + 2) & -16) (end = 8(hi + 3))                   ;; cell x at byte 8(x + 2)
 *       (v = v128.load(prev + p - 16))
 *       (block (loop (br_if 1 (p >= end))
 *         (tmp = prev + p)
 *         (a = v128.load tmp)
 *         (v128.store cur + p (f64x2.add (shuffle 8..23 v a) a))   ;; (prev[x-1], prev[x]) + ...
 *         (v = v128.load tmp + 16)
 *         (v128.store cur + p + 16 (f64x2.add (shuffle 8..23 a v) v))
 *         (p += 32) (br 0)))
 *       (f64.store cur + 8lo, 0) (… + 8, 0)                         ;; cells lo-2, lo-1
 *       (f64.store cur + end, 0) (… + 8, 0) (… + 16, 0)             ;; cells hi+1 .. hi+3
 *       (swap $prev $cur) (t += 1) (br 0))))
 */

import { HEADER, I32, instantiate, name, op, section, uleb, V128 } from '../util/wasm-asm.js';

function moduleBytes(): Uint8Array {
  const [PREV, CUR, LOS, HIS, T, T1, LO, HI, P, END, TMP, V, A] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const addr = (base: number, off: number): number[] => [...op.get(base), ...op.get(off), ...op.add];
  // Lanes (high of the first vector, low of the second): the pair of cells one to the left.
  const shiftedPair = [...op.shuffle, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  const zero = (base: number, ...offsets: number[]): number[] =>
    offsets.flatMap((o) => [...op.get(base), ...op.f64zero, ...op.f64Store(o)]);
  const code = [
    ...op.block,
    ...op.loop,
    ...op.get(T),
    ...op.get(T1),
    ...op.geS,
    ...op.brIf(1),
    ...op.get(LOS),
    ...op.get(T),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.i32Load(),
    ...op.set(LO),
    ...op.get(HIS),
    ...op.get(T),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.i32Load(),
    ...op.set(HI),
    ...op.get(LO),
    ...op.i32(2),
    ...op.add,
    ...op.i32(3),
    ...op.shl,
    ...op.i32(-16),
    ...op.and,
    ...op.set(P),
    ...op.get(HI),
    ...op.i32(3),
    ...op.add,
    ...op.i32(3),
    ...op.shl,
    ...op.set(END),
    ...addr(PREV, P),
    ...op.i32(16),
    ...op.sub,
    ...op.v128Load(0),
    ...op.set(V),
    ...op.block,
    ...op.loop,
    ...op.get(P),
    ...op.get(END),
    ...op.geS,
    ...op.brIf(1),
    ...addr(PREV, P),
    ...op.set(TMP),
    ...addr(CUR, P),
    ...op.get(V),
    ...op.get(TMP),
    ...op.v128Load(0),
    ...op.tee(A),
    ...shiftedPair,
    ...op.get(A),
    ...op.f64x2Add,
    ...op.v128Store(0),
    ...addr(CUR, P),
    ...op.get(A),
    ...op.get(TMP),
    ...op.v128Load(16),
    ...op.tee(V),
    ...shiftedPair,
    ...op.get(V),
    ...op.f64x2Add,
    ...op.v128Store(16),
    ...op.get(P),
    ...op.i32(32),
    ...op.add,
    ...op.set(P),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(CUR),
    ...op.get(LO),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.set(TMP),
    ...zero(TMP, 0, 8),
    ...addr(CUR, END),
    ...op.set(TMP),
    ...zero(TMP, 0, 8, 16),
    ...op.get(PREV),
    ...op.set(TMP),
    ...op.get(CUR),
    ...op.set(PREV),
    ...op.get(TMP),
    ...op.set(CUR),
    ...op.get(T),
    ...op.i32(1),
    ...op.add,
    ...op.set(T),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const body = [2, 5, I32, 2, V128, ...code];
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...name('diags'), 0, 0, ...name('mem'), 2, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The part of WebAssembly.Memory used here (the package compiles without DOM typings). */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The compiled kernel and its memory, or null when WebAssembly SIMD is not available. */
export interface BandKernel {
  readonly memory: KernelMemory;
  diags(prev: number, cur: number, los: number, his: number, t0: number, t1: number): void;
}

let kernel: BandKernel | null | undefined;

/** The kernel, compiled once on first use (null if this runtime cannot run it). */
export function bandKernel(): BandKernel | null {
  if (kernel !== undefined) return kernel;
  const e = instantiate<{ mem: KernelMemory; diags: BandKernel['diags'] }>(moduleBytes, null);
  kernel = e ? { memory: e.mem, diags: e.diags } : null;
  return kernel;
}
