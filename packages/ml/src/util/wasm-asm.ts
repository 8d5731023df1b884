/**
 * Just enough of the WebAssembly binary format to write the engine's small SIMD kernels
 * (drift/band-kernel.ts, tree/histogram-wasm.ts) as opcodes in TypeScript: no binary files, no
 * build step, and the kernels can be specialised at run time (the histogram kernel is written out
 * for one feature layout, offsets as immediates). Each kernel documents its text format beside
 * its opcodes.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

export function sleb(v: number): number[] {
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

export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Instructions (memory offsets are byte immediates of any size; alignment hints as given). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  /** `if` with an i32 result. */
  ifI32: [0x04, 0x7f],
  else: [0x05],
  eqz: [0x45],
  xor: [0x73],
  br: (l: number) => [0x0c, l],
  brIf: (l: number) => [0x0d, l],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  f64zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  shl: [0x74],
  shrU: [0x76],
  and: [0x71],
  or: [0x72],
  ltU: [0x49],
  gtU: [0x4b],
  geS: [0x4e],
  geU: [0x4f],
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  i32Load8U: (offset = 0) => [0x2d, 0, ...uleb(offset)],
  i32Load16U: (offset = 0) => [0x2f, 1, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  i64Store: (offset = 0) => [0x37, 3, ...uleb(offset)],
  i64Load: (offset = 0) => [0x29, 3, ...uleb(offset)],
  i64ShrU: [0x88],
  i32WrapI64: [0xa7],
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 3, ...uleb(offset)],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f64ConvertI32U: [0xb8],
  f64: (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  f64Gt: [0x64],
  f64Le: [0x65],
  f64Ne: [0x62],
  /** i32.trunc_sat_f64_u: NaN and negatives to 0, too large to the largest. */
  i32TruncSatF64U: [0xfc, 0x03],
  select: [0x1b],
  v128Load: (offset = 0) => [0xfd, 0x00, 3, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 3, ...uleb(offset)],
  f64x2Add: [0xfd, 0xf0, 0x01],
  shuffle: [0xfd, 0x0d],
};

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/** The module header (magic number and version 1). */
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** The part of the WebAssembly API the engine uses (the package compiles without DOM typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The runtime's WebAssembly, or null. */
export function wasmApi(): WasmApi | null {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

/**
 * The import-section entry of the memory a kernel works in, imported as `e.m`: at least one page,
 * or shared with at most 65,536 pages (the shared form needs a maximum).
 */
export function memoryImport(shared = false): number[] {
  return [...name('e'), ...name('m'), 2, ...(shared ? [3, 0, ...uleb(65536)] : [0, 1])];
}

const compiled = new Map<string, object | null>();

/**
 * The exports of a kernel module instantiated over `memory` (imported as `e.m`; null for a
 * module that imports nothing), or null when the runtime has no WebAssembly or refuses the
 * module. With `key`, the module is compiled once per key on this thread.
 */
export function instantiate<T>(bytes: () => Uint8Array, memory: WasmMemory | null, key?: string): T | null {
  const wasm = wasmApi();
  if (!wasm) return null;
  let module = key === undefined ? undefined : compiled.get(key);
  if (module === undefined) {
    try {
      module = new wasm.Module(bytes());
    } catch {
      module = null;
    }
    if (key !== undefined) compiled.set(key, module);
  }
  if (!module) return null;
  try {
    return new wasm.Instance(module, memory ? { e: { m: memory } } : undefined).exports as T;
  } catch {
    return null;
  }
}

/** A (non-shared) WebAssembly memory of at least `bytes`, or null when the runtime cannot give one. */
export function wasmMemory(bytes: number): WasmMemory | null {
  const wasm = wasmApi();
  if (!wasm) return null;
  try {
    return new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  } catch {
    return null;
  }
}

/**
 * False when V8 runs WebAssembly on its baseline compiler only (`--liftoff-only` or
 * `--no-wasm-tier-up`, as the server does to keep PGlite small): kernels that only pay off
 * optimised, like the forest's record walks, then keep their JavaScript versions.
 */
export function wasmOptimised(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return !flags.some((f) => /^--(liftoff[-_]only|no[-_]wasm[-_]tier[-_]up)$/.test(f));
}
