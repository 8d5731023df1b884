import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { accumulate, accumulateTouched, PACK, PACKED_STRIDE, packedG, packedH } from './packed-histogram.js';
import { codeWeight, RowRecords } from './row-records.js';

// Row records: the copy of a row's bins and weight, the partition between the two areas, and the
// histograms read from them.

function setup(nF: number, n: number, seed: number) {
  const rng = new Rng(seed);
  const bins = Uint8Array.from({ length: n * nF }, () => (rng.next() < 0.05 ? 255 : rng.int(200)));
  const h = Uint16Array.from({ length: n }, () => 1 + rng.int(4));
  const y = Uint8Array.from({ length: n }, () => rng.int(2));
  const rec = new RowRecords(bins, n, nF, n);
  // Records in a scrambled row order, as after some partitions.
  const order = Array.from({ length: n }, (_, k) => (k * 37) % n);
  for (const [k, i] of order.entries()) rec.put(k, i, h[i], y[i]);
  return { bins, h, y, rec, order, rng };
}

/** Row i's bins and weight code as read back from record k of the area at `base`. */
const read = (rec: RowRecords, base: number, k: number) => {
  const r = (base + k) * rec.stride;
  return { code: rec.u16[r / 2], bins: [...rec.bytes.subarray(r + 2, r + 2 + rec.nFeatures)] };
};

describe('RowRecords', () => {
  it.each([1, 2, 5, 21, 30])('holds each row’s bins and weight code (%i features)', (nF) => {
    const { bins, h, y, rec, order } = setup(nF, 97, nF);
    expect(rec.stride % 4).toBe(0);
    expect(rec.stride).toBeGreaterThanOrEqual(nF + 2);
    order.forEach((i, k) => {
      expect(read(rec, 0, k)).toEqual({
        code: h[i] * 2 + y[i],
        bins: [...bins.subarray(i * nF, (i + 1) * nF)],
      });
      expect(codeWeight(h[i] * 2 + y[i])).toBe(h[i] * PACK + h[i] * y[i]);
    });
  });

  it.each([3, 21])('partitions a range into the other area by side, records intact (%i features)', (nF) => {
    const { rec, rng } = setup(nF, 300, 40 + nF);
    const side = Uint8Array.from({ length: 256 }, () => rng.int(2));
    const [start, end, f] = [20, 260, nF - 1];
    const records = Array.from({ length: end - start }, (_, k) => read(rec, 0, start + k));
    const mid = rec.partition(rec.u32, rec.bytes, side, f, 0, rec.capacity, start, end);
    const moved = Array.from({ length: end - start }, (_, k) => read(rec, rec.capacity, start + k));
    const goesLeft = (r: { bins: number[] }) => side[r.bins[f]] === 1;
    expect(mid - start).toBe(records.filter(goesLeft).length);
    expect(moved.slice(0, mid - start).every(goesLeft)).toBe(true);
    expect(moved.slice(mid - start).some(goesLeft)).toBe(false);
    const key = (r: { code: number; bins: number[] }) => `${r.code}:${r.bins.join(',')}`;
    expect(moved.map(key).sort()).toEqual(records.map(key).sort());
  });

  it('histograms: packed (g, h) sums per bin, with or without the touched-bin list', () => {
    const nF = 21;
    const { bins, h, y, rec, order } = setup(nF, 400, 5);
    const [start, end] = [30, 370];
    const features = Int32Array.from([4, 0, 20, 13, 7]);
    const hist = new Float64Array(features.length * PACKED_STRIDE);
    accumulate(rec, 0, start, end, features, hist);
    const small = new Float64Array(PACKED_STRIDE);
    features.forEach((f, j) => {
      const want = new Map<number, [number, number]>();
      for (let k = start; k < end; k++) {
        const i = order[k];
        const b = bins[i * nF + f];
        const [g0, h0] = want.get(b) ?? [0, 0];
        want.set(b, [g0 + h[i] * y[i], h0 + h[i]]);
      }
      for (let b = 0; b < 256; b++) {
        const v = hist[j * PACKED_STRIDE + b];
        expect([packedG(v), packedH(v)], `feature ${f} bin ${b}`).toEqual(want.get(b) ?? [0, 0]);
      }
      const touched = new Uint8Array(256);
      const nt = accumulateTouched(rec, 0, start, end, f, small, 0, new Uint32Array(8), touched);
      expect([...touched.subarray(0, nt)]).toEqual([...want.keys()].sort((a, b) => a - b));
      expect([...small]).toEqual([...hist.subarray(j * PACKED_STRIDE, (j + 1) * PACKED_STRIDE)]);
      small.fill(0);
    });
  });
});
