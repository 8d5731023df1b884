import { PACK } from './packed-histogram.js';

/**
 * A tree grows on its own copy of its in-bag rows: one fixed-size record per row, its weight code
 * (2 bytes: bootstrap weight h and label y as h·2 + y) then its bins, padded to whole 32-bit
 * words, kept in node order. Splitting a node moves whole records, so every later histogram reads
 * its node's bins from consecutive memory; reading them through a row index from a column instead
 * costs a cache miss per cell once nodes are sparse.
 *
 * There are two areas of `capacity` records: each depth's partitions move the records of the
 * nodes that split from one area to the other (left part from the front, right part from the
 * back), so no scratch copy-back is needed. Row order inside a node is not kept, and need not be:
 * the weights are integers, so every histogram sum is exact in any order.
 */
export class RowRecords {
  /** Bytes per record. */
  readonly stride: number;
  /** 32-bit words per record. */
  readonly words: number;
  readonly u32: Uint32Array;
  readonly u16: Uint16Array;
  readonly bytes: Uint8Array;
  /** Every training row in record layout (weight code 0), the source each tree copies from. */
  private readonly source: Uint32Array;
  readonly partition: PartitionKernel;

  /**
   * `area`: where to keep the two areas (at its byte 0; at least {@link RowRecords.bytesFor}
   * bytes) and the partition to use there, or nothing for an array of their own and the
   * JavaScript partition.
   */
  constructor(
    bins: Uint8Array,
    nRows: number,
    readonly nFeatures: number,
    readonly capacity: number,
    area?: { buffer: ArrayBuffer; partition: PartitionKernel },
  ) {
    this.words = RowRecords.wordsFor(nFeatures);
    this.stride = this.words * 4;
    const bytes = RowRecords.bytesFor(nFeatures, capacity);
    const buffer = area?.buffer ?? new ArrayBuffer(bytes);
    this.u32 = new Uint32Array(buffer, 0, bytes / 4);
    this.u16 = new Uint16Array(buffer, 0, bytes / 2);
    this.bytes = new Uint8Array(buffer, 0, bytes);
    const source = new Uint8Array(nRows * this.stride);
    for (let i = 0; i < nRows; i++)
      source.set(bins.subarray(i * nFeatures, (i + 1) * nFeatures), i * this.stride + 2);
    this.source = new Uint32Array(source.buffer);
    this.partition = area?.partition ?? partitionKernel(this.words);
  }

  /** 32-bit words per record of `nFeatures` bins. */
  static wordsFor(nFeatures: number): number {
    return Math.ceil((nFeatures + 2) / 4);
  }

  /** Bytes of the two areas. */
  static bytesFor(nFeatures: number, capacity: number): number {
    return 2 * capacity * 4 * RowRecords.wordsFor(nFeatures);
  }

  /** Make record k of the first area row i with bootstrap weight h (< 2^15) and label y. */
  put(k: number, i: number, h: number, y: number): void {
    const sw = this.words;
    const u32 = this.u32;
    const source = this.source;
    for (let j = 0; j < sw; j++) u32[k * sw + j] = source[i * sw + j];
    this.u16[k * 2 * sw] = h * 2 + y;
  }
}

/** Packed weight h·PACK + h·y of a record's weight code. */
export const codeWeight = (code: number): number => (code >>> 1) * (PACK + (code & 1));

/**
 * Move records [start, end) of the area starting at record `from` to the same index range of
 * the area at record `to`, those whose bin of feature `f` has `side[bin]` = 1 to the front, the
 * others to the back; returns the index where the back part starts.
 */
export type PartitionKernel = (
  u32: Uint32Array,
  bytes: Uint8Array,
  side: Uint8Array,
  f: number,
  from: number,
  to: number,
  start: number,
  end: number,
) => number;

const kernels = new Map<number, PartitionKernel>();

/**
 * The partition loop for records of `words` words, with the word copies written out (as
 * tree/histogram-kernel.ts does for its cells): V8 ran a loop over the words of each record about
 * twice as slowly (micro-benchmark of 6-word records: 17–26 vs 8–12 ns a record). Only the
 * integer `words` enters the generated source.
 */
function partitionKernel(words: number): PartitionKernel {
  const w = words | 0;
  let kernel = kernels.get(w);
  if (kernel) return kernel;
  const copy = Array.from({ length: w }, (_, j) => `u32[d + ${j}] = u32[s + ${j}];`).join(' ');
  const body = [
    'let l = start;',
    'let r = end - 1;',
    'for (let k = start; k < end; k++) {',
    `  const s = (from + k) * ${w};`,
    `  const left = side[bytes[4 * s + 2 + f]];`,
    // l or r without a branch (left is 0 or 1): a branch here was mispredicted half the time.
    `  const d = (to + ((l & -left) | (r & (left - 1)))) * ${w};`,
    '  l += left;',
    '  r += left - 1;',
    `  ${copy}`,
    '}',
    'return l;',
  ].join('\n');
  kernel = new Function('u32', 'bytes', 'side', 'f', 'from', 'to', 'start', 'end', body) as PartitionKernel;
  kernels.set(w, kernel);
  return kernel;
}
