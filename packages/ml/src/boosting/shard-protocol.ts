import type { ShardSplit } from './shard-ops.js';

/**
 * The shared-memory mailbox between the boosting thread and its shard worker: an Int32 control
 * block written before `SEQ` is bumped, read by the other side after `Atomics.wait` returns.
 */
export const SLOT = {
  SEQ: 0,
  DONE: 1,
  OP: 2,
  /** Root: start, end, slot. Level: number of splits. */
  A: 3,
  B: 4,
  C: 5,
  N_FEATURES: 6,
  FEATURES: 8,
  /** Split records (SPLIT_INTS each) after room for 256 features. */
  SPLITS: 8 + 256,
} as const;

export const OP_ROOT = 1;
export const OP_LEVEL = 2;
export const OP_EXIT = 3;
export const SPLIT_INTS = 16;
export const MAX_SPLITS = 1024;
/** Float64 mailbox: [0] = positive weight (in), [1], [2] = G, H (out), then two leaf values a split. */
export const F64_SPLITS = 4;
export const F64_SLOTS = F64_SPLITS + 2 * MAX_SPLITS;

export function controlBlockLength(): number {
  return SLOT.SPLITS + SPLIT_INTS * MAX_SPLITS + MAX_SPLITS;
}

/** Offset of the returned partition points. */
export const MIDS = SLOT.SPLITS + SPLIT_INTS * MAX_SPLITS;

export function writeSplits(ctl: Int32Array, f64: Float64Array, splits: readonly ShardSplit[]): void {
  for (let k = 0; k < splits.length; k++) {
    const s = splits[k];
    const o = SLOT.SPLITS + SPLIT_INTS * k;
    ctl[o] = s.start;
    ctl[o + 1] = s.end;
    ctl[o + 2] = s.feature;
    ctl[o + 3] = s.bin;
    ctl[o + 4] = s.missingLeft ? 1 : 0;
    ctl[o + 5] = (s.catBits ? 1 : 0) | (s.final ? 2 : 0);
    f64[F64_SPLITS + 2 * k] = s.leftValue;
    f64[F64_SPLITS + 2 * k + 1] = s.rightValue;
    ctl[o + 6] = s.buildLeft;
    ctl[o + 7] = s.slot;
    if (s.catBits) for (let w = 0; w < 8; w++) ctl[o + 8 + w] = s.catBits[w];
  }
}

export function readSplits(ctl: Int32Array, f64: Float64Array, n: number, out: ShardSplit[]): ShardSplit[] {
  out.length = 0;
  for (let k = 0; k < n; k++) {
    const o = SLOT.SPLITS + SPLIT_INTS * k;
    out.push({
      start: ctl[o],
      end: ctl[o + 1],
      feature: ctl[o + 2],
      bin: ctl[o + 3],
      missingLeft: ctl[o + 4] === 1,
      catBits: (ctl[o + 5] & 1) === 1 ? new Uint32Array(ctl.buffer, ctl.byteOffset + 4 * (o + 8), 8) : null,
      buildLeft: ctl[o + 6],
      slot: ctl[o + 7],
      final: (ctl[o + 5] & 2) === 2,
      leftValue: f64[F64_SPLITS + 2 * k],
      rightValue: f64[F64_SPLITS + 2 * k + 1],
    });
  }
  return out;
}
