import {
  F64,
  HEADER,
  I32,
  instantiate,
  memoryImport,
  name,
  op,
  section,
  uleb,
  type WasmMemory,
} from '../util/wasm-asm.js';

/**
 * The record walks of {@link CompiledEnsemble} (deep trees: the forest) as WebAssembly, over the
 * same 16-byte records in the same memory: one row through every tree, ROW_LANES trees in
 * lockstep, and a block of rows through one tree at a time, BATCH_LANES rows in lockstep. Each
 * round loads every lane's record and value first, then steps them, as the JavaScript walks do;
 * a step is the JavaScript step: numeric splits without a branch, categorical ones in a branch.
 * The leaves are added in the same order, so sums are bit-identical.
 *
 * Record i at byte 16·i: threshold, bitset offset or leaf value (f64); meta (i32: feature << 3 |
 * SPLIT | CATEGORICAL | FLIP, 0 for a leaf); first child's index (i32). One step of a lane at
 * record p, its row's values at o:
 *
 *   q = meta(p), t = value(p), c = child(p), v = f64.load (o + (q & −8))
 *   r = q & CATEGORICAL
 *     ? (v ≠ v ? 0 : ((bits[trunc t + ((trunc v >> 5) & 7)] >> (trunc v & 31)) & 1) ^ (q & FLIP) ^ 1)
 *     : ((v > t) & ~q) | ((v <= t) & q)
 *   p = 16·(c + (r & (q >> 2)))
 *
 * (For category codes of 256 and more, which encoded rows never hold, the JavaScript walk reads
 * past the node's bitset; this one wraps within it.)
 */

/** Where the walk's tables live in its memory (byte offsets) and the layout's shape. */
export interface RecordWalkSpec {
  readonly nTrees: number;
  readonly rowLanes: number;
  readonly batchLanes: number;
  readonly catBits: number;
  readonly roots: number;
  readonly rounds: number;
  readonly depths: number;
}

const FLIP = 1;
const CATEGORICAL = 2;

// Locals, after each function's parameters (row: xb; block: xb, n, rb, acc).
interface Frame {
  readonly T: number;
  readonly G: number;
  readonly D: number;
  readonly R: number;
  readonly A: number;
  readonly ROOT: number;
  readonly VI: number;
  readonly P: number;
  readonly Q: number;
  readonly C: number;
  readonly O: number;
  readonly S: number;
  readonly TH: number;
  readonly V: number;
  readonly nI32: number;
  readonly nF64: number;
}

function frame(nParams: number, lanes: number): Frame {
  const T = nParams;
  const P = T + 7;
  const Q = P + lanes;
  const C = Q + lanes;
  const O = C + lanes;
  const S = O + lanes;
  return {
    T,
    G: T + 1,
    D: T + 2,
    R: T + 3,
    A: T + 4,
    ROOT: T + 5,
    VI: T + 6,
    P,
    Q,
    C,
    O,
    S,
    TH: S + 1,
    V: S + 1 + lanes,
    nI32: S - T,
    nF64: 1 + 2 * lanes,
  };
}

/** One round of `lanes` lanes; lane k's row at local `o(k)`. */
function round(spec: RecordWalkSpec, fr: Frame, lanes: number, o: (k: number) => number): number[] {
  const ks = Array.from({ length: lanes }, (_, k) => k);
  const { P, Q, C, TH, V, VI } = fr;
  const loads = ks.flatMap((k) => [
    ...[...op.get(P + k), ...op.i32Load(8), ...op.set(Q + k)],
    ...[...op.get(P + k), ...op.f64Load(), ...op.set(TH + k)],
    ...[...op.get(P + k), ...op.i32Load(12), ...op.set(C + k)],
    ...[
      ...op.get(o(k)),
      ...op.get(Q + k),
      ...op.i32(-8),
      ...op.and,
      ...op.add,
      ...op.f64Load(),
      ...op.set(V + k),
    ],
  ]);
  const steps = ks.flatMap((k) => [
    ...op.get(C + k),
    ...[...op.get(Q + k), ...op.i32(CATEGORICAL), ...op.and],
    ...op.ifI32,
    // Categorical: 0 for NaN, else the bitset's bit, flipped unless missing values go right.
    ...op.i32(0),
    ...[...op.get(V + k), ...op.i32TruncSatF64U, ...op.set(VI)],
    ...[
      ...op.get(TH + k),
      ...op.i32TruncSatF64U,
      ...op.get(VI),
      ...op.i32(5),
      ...op.shrU,
      ...op.i32(7),
      ...op.and,
    ],
    ...[...op.add, ...op.i32(2), ...op.shl, ...op.i32Load(spec.catBits)],
    ...[...op.get(VI), ...op.shrU, ...op.i32(1), ...op.and],
    ...[...op.get(Q + k), ...op.i32(FLIP), ...op.and, ...op.xor, ...op.i32(1), ...op.xor],
    ...[...op.get(V + k), ...op.get(V + k), ...op.f64Ne, ...op.select],
    ...op.else,
    ...[
      ...op.get(V + k),
      ...op.get(TH + k),
      ...op.f64Gt,
      ...op.get(Q + k),
      ...op.i32(-1),
      ...op.xor,
      ...op.and,
    ],
    ...[...op.get(V + k), ...op.get(TH + k), ...op.f64Le, ...op.get(Q + k), ...op.and, ...op.or],
    ...op.end,
    ...[
      ...op.get(Q + k),
      ...op.i32(2),
      ...op.shrU,
      ...op.and,
      ...op.add,
      ...op.i32(4),
      ...op.shl,
      ...op.set(P + k),
    ],
  ]);
  return [...loads, ...steps];
}

/** Repeat `body` while local D counts down to 0. */
const countdown = (D: number, body: number[]): number[] => [
  ...op.block,
  ...op.loop,
  ...[...op.get(D), ...op.eqz, ...op.brIf(1)],
  ...body,
  ...[...op.get(D), ...op.i32(1), ...op.sub, ...op.set(D)],
  ...op.br(0),
  ...op.end,
  ...op.end,
];

function rowBody(spec: RecordWalkSpec): number[] {
  const L = spec.rowLanes;
  const fr = frame(1, L);
  const { T, G, D, P, S } = fr;
  const group = (lanes: number): number[] => [
    ...Array.from({ length: lanes }, (_, k) => [
      ...[...op.get(T), ...op.i32(k), ...op.add, ...op.i32(2), ...op.shl, ...op.i32Load(spec.roots)],
      ...[...op.i32(4), ...op.shl, ...op.set(P + k)],
    ]).flat(),
    ...[...op.get(G), ...op.i32(2), ...op.shl, ...op.i32Load(spec.rounds), ...op.set(D)],
    ...[...op.get(G), ...op.i32(1), ...op.add, ...op.set(G)],
    ...countdown(
      D,
      round(spec, fr, lanes, () => 0),
    ),
    ...Array.from({ length: lanes }, (_, k) => [
      ...[...op.get(S), ...op.get(P + k), ...op.f64Load(), ...op.f64Add, ...op.set(S)],
    ]).flat(),
  ];
  const full = spec.nTrees - (spec.nTrees % L);
  const code = [
    ...op.block,
    ...op.loop,
    ...[...op.get(T), ...op.i32(full), ...op.geU, ...op.brIf(1)],
    ...group(L),
    ...[...op.get(T), ...op.i32(L), ...op.add, ...op.set(T)],
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...(spec.nTrees > full ? group(spec.nTrees - full) : []),
    ...op.get(S),
    ...op.end,
  ];
  return [2, ...uleb(fr.nI32), I32, ...uleb(fr.nF64), F64, ...code];
}

function blockBody(spec: RecordWalkSpec): number[] {
  const L = spec.batchLanes;
  const fr = frame(4, L);
  const [XB, N, RB, ACC] = [0, 1, 2, 3];
  const { T, D, R, A, ROOT, P, O } = fr;
  const lanes = (count: number): number[] => [
    ...[...op.get(XB), ...op.get(R), ...op.get(RB), ...op.mul, ...op.add, ...op.set(O)],
    ...Array.from({ length: count - 1 }, (_, j) => [
      ...[...op.get(O + j), ...op.get(RB), ...op.add, ...op.set(O + j + 1)],
    ]).flat(),
    ...Array.from({ length: count }, (_, k) => [...op.get(ROOT), ...op.set(P + k)]).flat(),
    ...[...op.get(T), ...op.i32(2), ...op.shl, ...op.i32Load(spec.depths), ...op.set(D)],
    ...countdown(
      D,
      round(spec, fr, count, (k) => O + k),
    ),
    ...[...op.get(ACC), ...op.get(R), ...op.i32(3), ...op.shl, ...op.add, ...op.set(A)],
    ...Array.from({ length: count }, (_, k) => [
      ...[...op.get(A), ...op.get(A), ...op.f64Load(8 * k), ...op.get(P + k), ...op.f64Load(), ...op.f64Add],
      ...op.f64Store(8 * k),
    ]).flat(),
    ...[...op.get(R), ...op.i32(count), ...op.add, ...op.set(R)],
  ];
  const code = [
    ...op.block,
    ...op.loop,
    ...[...op.get(T), ...op.i32(spec.nTrees), ...op.geU, ...op.brIf(1)],
    ...[
      ...op.get(T),
      ...op.i32(2),
      ...op.shl,
      ...op.i32Load(spec.roots),
      ...op.i32(4),
      ...op.shl,
      ...op.set(ROOT),
    ],
    ...[...op.i32(0), ...op.set(R)],
    ...op.block,
    ...op.loop,
    ...[...op.get(R), ...op.i32(L), ...op.add, ...op.get(N), ...op.gtU, ...op.brIf(1)],
    ...lanes(L),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.block,
    ...op.loop,
    ...[...op.get(R), ...op.get(N), ...op.geU, ...op.brIf(1)],
    ...lanes(1),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...[...op.get(T), ...op.i32(1), ...op.add, ...op.set(T)],
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return [2, ...uleb(fr.nI32), I32, ...uleb(fr.nF64), F64, ...code];
}

/** The module of one layout: exports `row(xb) → sum` and `block(xb, n, rb, acc)`. Exported for the tests. */
export function recordWalkModule(spec: RecordWalkSpec): Uint8Array {
  const row = rowBody(spec);
  const block = blockBody(spec);
  const exports = [2, ...name('row'), 0, 0, ...name('block'), 0, 1];
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [2, 0x60, 1, I32, 1, F64, 0x60, 4, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...memoryImport()]),
    ...section(3, [2, 0, 1]),
    ...section(7, exports),
    ...section(10, [2, ...uleb(row.length), ...row, ...uleb(block.length), ...block]),
  ]);
}

export interface RecordWalkInstance {
  row(xb: number): number;
  block(xb: number, n: number, rb: number, acc: number): void;
}

/** Instantiate the walk over `memory`, or null when the runtime has no WebAssembly or refuses the module. */
export function recordWalk(spec: RecordWalkSpec, memory: WasmMemory): RecordWalkInstance | null {
  // One module per model (its table offsets are immediates): not worth caching.
  return instantiate<RecordWalkInstance>(() => recordWalkModule(spec), memory);
}
