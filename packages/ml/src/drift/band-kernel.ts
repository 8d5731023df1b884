/**
 * A tiny WebAssembly kernel (SIMD, two cells per instruction) for the anti-diagonal path count of
 * the exact two-sample KS probability: for t in [t0, t1), cur[x] = prev[x-1] + prev[x] over the
 * band window [lo[t], hi[t]], zeroing the two cells just below the window (the only stale cells a
 * reused buffer can hold, since the windows never move by more than one cell per diagonal), then
 * swapping the buffers. Everything else (windows, scaling, the final sum) stays in TypeScript;
 * when WebAssembly SIMD is unavailable the caller uses its plain loop.
 *
 * The module is assembled here from its opcodes (about 200 bytes), so there is no binary file
 * and no build step. Equivalent text format:
 *
 *   (func (export "diags") (param $prev i32) (param $cur i32) (param $los i32) (param $his i32)
 *                          (param $t i32) (param $t1 i32)
 *     (local $lo i32) (local $hi i32) (local $p i32) (local $end i32) (local $tmp i32)
 *     (block (loop
 *       (br_if 1 (i32.ge_s $t $t1))
 *       (lo = load(los + 4t)) (hi = load(his + 4t))
 *       (f64.store cur + 8lo, 0) (f64.store cur + 8lo + 8, 0)     ;; cells lo-2, lo-1
 *       (p = 8(lo + 2)) (end = 8(hi + 3))                          ;; cell x at byte 8(x + 2)
 *       (block (loop (br_if 1 (p + 16 > end))
 *         (v128.store cur + p (f64x2.add (v128.load prev + p - 8) (v128.load prev + p)))
 *         (p += 16) (br 0)))
 *       (if (p < end) (f64.store cur + p (f64.add (f64.load prev + p - 8) (f64.load prev + p))))
 *       (swap $prev $cur) (t += 1) (br 0))))
 */

const I32 = 0x7f;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, l],
  brIf: (l: number) => [0x0d, l],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  f64zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  add: [0x6a],
  sub: [0x6b],
  shl: [0x74],
  geS: [0x4e],
  gtS: [0x4a],
  ltS: [0x48],
  i32Load: [0x28, 2, 0],
  f64Load: [0x2b, 3, 0],
  f64Store: (offset: number) => [0x39, 3, offset],
  f64Add: [0xa0],
  v128Load: [0xfd, 0x00, 3, 0],
  v128Store: [0xfd, 0x0b, 3, 0],
  f64x2Add: [0xfd, 0xf0, 0x01],
};

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

function moduleBytes(): Uint8Array {
  const [PREV, CUR, LOS, HIS, T, T1, LO, HI, P, END, TMP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const addr = (base: number, off: number): number[] => [...op.get(base), ...op.get(off), ...op.add];
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
    ...op.i32Load,
    ...op.set(LO),
    ...op.get(HIS),
    ...op.get(T),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.i32Load,
    ...op.set(HI),
    ...op.get(CUR),
    ...op.get(LO),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.tee(TMP),
    ...op.f64zero,
    ...op.f64Store(0),
    ...op.get(TMP),
    ...op.f64zero,
    ...op.f64Store(8),
    ...op.get(LO),
    ...op.i32(2),
    ...op.add,
    ...op.i32(3),
    ...op.shl,
    ...op.set(P),
    ...op.get(HI),
    ...op.i32(3),
    ...op.add,
    ...op.i32(3),
    ...op.shl,
    ...op.set(END),
    ...op.block,
    ...op.loop,
    ...op.get(P),
    ...op.i32(16),
    ...op.add,
    ...op.get(END),
    ...op.gtS,
    ...op.brIf(1),
    ...addr(CUR, P),
    ...addr(PREV, P),
    ...op.i32(8),
    ...op.sub,
    ...op.v128Load,
    ...addr(PREV, P),
    ...op.v128Load,
    ...op.f64x2Add,
    ...op.v128Store,
    ...op.get(P),
    ...op.i32(16),
    ...op.add,
    ...op.set(P),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(P),
    ...op.get(END),
    ...op.ltS,
    ...op.if,
    ...addr(CUR, P),
    ...addr(PREV, P),
    ...op.i32(8),
    ...op.sub,
    ...op.f64Load,
    ...addr(PREV, P),
    ...op.f64Load,
    ...op.f64Add,
    ...op.f64Store(0),
    ...op.end,
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
  const body = [1, 5, I32, ...code];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
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

interface WasmApi {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown) => { exports: unknown };
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
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) throw new Error('no WebAssembly');
    const instance = new wasm.Instance(new wasm.Module(moduleBytes()));
    const e = instance.exports as { mem: KernelMemory; diags: BandKernel['diags'] };
    kernel = { memory: e.mem, diags: e.diags };
  } catch {
    kernel = null;
  }
  return kernel;
}
