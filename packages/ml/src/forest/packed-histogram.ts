import { MISSING_BIN } from '../binning/bin-mapper.js';
import { type Split, setNumeric } from '../tree/split.js';
import { codeWeight, type RowRecords } from './row-records.js';

/**
 * A forest row weighs two integers: its bootstrap weight h and its positive weight g = h·y. The
 * histograms hold them packed in one double, h·PACK + g, so a cell takes one addition per row
 * instead of two; sums of packed values stay exact integers below 2^52 while the weights add up
 * to less than PACK (the bootstrap draws n rows, so n < PACK is enough).
 */
export const PACK = 2 ** 26;
const UNPACK = 2 ** -26;
/** Histogram cells per sampled feature: one packed (g, h) per bin, the missing bin last. */
export const PACKED_STRIDE = 256;

/** Weight h of a packed cell. */
export const packedH = (v: number): number => Math.floor(v * UNPACK);
/** Positive weight g of a packed cell. */
export const packedG = (v: number): number => v - Math.floor(v * UNPACK) * PACK;

/**
 * Add the packed weights of records [start, end) of the area at record `base` into one histogram
 * per listed feature (feature `features[j]` into hist[j·PACKED_STRIDE ..]), four features per
 * pass over the records so that one weight serves four cells.
 */
export function accumulate(
  rec: RowRecords,
  base: number,
  start: number,
  end: number,
  features: Int32Array,
  hist: Float64Array,
): void {
  const { bytes, u16, stride } = rec;
  const half = stride / 2;
  let j = 0;
  for (; j + 3 < features.length; j += 4) {
    const f0 = features[j] + 2;
    const f1 = features[j + 1] + 2;
    const f2 = features[j + 2] + 2;
    const f3 = features[j + 3] + 2;
    const o0 = j * PACKED_STRIDE;
    const o1 = o0 + PACKED_STRIDE;
    const o2 = o1 + PACKED_STRIDE;
    const o3 = o2 + PACKED_STRIDE;
    for (let k = base + start; k < base + end; k++) {
      const r = k * stride;
      const wk = codeWeight(u16[k * half]);
      hist[o0 + bytes[r + f0]] += wk;
      hist[o1 + bytes[r + f1]] += wk;
      hist[o2 + bytes[r + f2]] += wk;
      hist[o3 + bytes[r + f3]] += wk;
    }
  }
  for (; j < features.length; j++) {
    const f = features[j] + 2;
    const o = j * PACKED_STRIDE;
    for (let k = base + start; k < base + end; k++)
      hist[o + bytes[k * stride + f]] += codeWeight(u16[k * half]);
  }
}

/**
 * {@link accumulate} for a small node, one feature (into hist[o ..]): also records the bins seen
 * in a 256-bit set and lists them, ascending, in `touched` (returns how many), so that the split
 * scan and the clearing visit only those bins instead of all 256.
 */
export function accumulateTouched(
  rec: RowRecords,
  base: number,
  start: number,
  end: number,
  f: number,
  hist: Float64Array,
  o: number,
  bits: Uint32Array,
  touched: Uint8Array,
): number {
  const { bytes, u16, stride } = rec;
  const half = stride / 2;
  for (let k = base + start; k < base + end; k++) {
    const b = bytes[k * stride + 2 + f];
    hist[o + b] += codeWeight(u16[k * half]);
    bits[b >>> 5] |= 1 << (b & 31);
  }
  let nt = 0;
  for (let q = 0; q < 8; q++) {
    let word = bits[q];
    bits[q] = 0;
    while (word !== 0) {
      const low = word & -word;
      touched[nt++] = (q << 5) + 31 - Math.clz32(low);
      word ^= low;
    }
  }
  return nt;
}

/**
 * Best Gini split of one numeric feature from its packed histogram at hist[o ..], or leaves
 * `best` unchanged: the same candidates, in the same order, with the same arithmetic as
 * `searchFeature` with lambda 0 (so the same split, bit for bit), without unpacking empty bins.
 * `list` (ascending, `count` entries) restricts the scan to the bins a small node touched; null
 * scans every bin.
 */
export function searchPackedNumeric(
  hist: Float64Array,
  o: number,
  f: number,
  nb: number,
  G: number,
  H: number,
  minWeight: number,
  best: Split,
  list: Uint8Array | null,
  count: number,
): void {
  const parent = (G * G) / H;
  const vm = hist[o + MISSING_BIN];
  const hm = packedH(vm);
  const gm = vm - hm * PACK;
  const hasMissing = hm > 0;
  // The last bin is a cut point only with missing values: every value left, missing right.
  const last = hasMissing ? nb - 1 : nb - 2;
  const n = list ? count : last + 1;
  let cum = 0;
  for (let k = 0; k < n; k++) {
    const b = list ? list[k] : k;
    if (b > last) break;
    const v = hist[o + b];
    if (v === 0) continue;
    cum += v;
    const hl = packedH(cum);
    const gl = cum - hl * PACK;
    // Missing to the right.
    let hr = H - hl;
    if (hl >= minWeight && hr >= minWeight) {
      const gain = (gl * gl) / hl + ((G - gl) * (G - gl)) / hr - parent;
      if (gain > best.gain) setNumeric(best, gain, f, b, false, gl, hl);
    }
    if (hasMissing) {
      const gl2 = gl + gm;
      const hl2 = hl + hm;
      hr = H - hl2;
      if (hl2 >= minWeight && hr >= minWeight) {
        const gain = (gl2 * gl2) / hl2 + ((G - gl2) * (G - gl2)) / hr - parent;
        if (gain > best.gain) setNumeric(best, gain, f, b, true, gl2, hl2);
      }
    }
  }
}
