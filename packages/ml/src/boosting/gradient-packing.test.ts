import { describe, expect, it } from 'vitest';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import { packedHistogramKernel } from '../tree/histogram-kernel.js';
import { HIST_STRIDE } from '../tree/split.js';
import { Rng } from '../util/rng.js';
import {
  gradientPacking,
  PACKED_STRIDE,
  packedHessian,
  packGradient,
  unpackFeature,
} from './gradient-packing.js';

/** Log-loss gradients and hessians of random margins and labels, positives weighted by `spw`. */
function gradients(n: number, spw: number, rng: Rng): { g: Float64Array; h: Float64Array } {
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = 1 / (1 + Math.exp(-(rng.next() * 12 - 6)));
    const y = rng.next() < 0.3 ? 1 : 0;
    const w = y ? spw : 1;
    g[i] = (p - y) * w;
    h[i] = Math.max(p * (1 - p), 1e-16) * w;
  }
  return { g, h };
}

describe('gradientPacking', () => {
  it.each([
    { n: 600, levels: 2 ** 16 - 1 },
    { n: 80_000, levels: 511 },
    { n: 1_000_000, levels: 63 },
  ])('quantises $n rows to $levels levels and keeps every sum below 2^53', ({ n, levels }) => {
    const p = gradientPacking(n, 1);
    expect(p.gScale).toBe(levels);
    expect(p.hScale).toBe(4 * levels);
    // The largest sums: every row at the top gradient level (either sign) and hessian level.
    expect(n * levels).toBeLessThan(p.shift);
    expect(n * levels * p.shift + n * levels).toBeLessThanOrEqual(2 ** 53);
  });

  it.each([1, 3])('rounds each part to the nearest level (scale_pos_weight %d)', (spw) => {
    const p = gradientPacking(50_000, spw);
    const { g, h } = gradients(500, spw, new Rng(7));
    for (let i = 0; i < g.length; i++) {
      const v = packGradient(p, g[i], h[i]);
      const qh = packedHessian(p, v);
      const qg = (v - qh) / p.shift;
      expect(Number.isInteger(qg) && Number.isInteger(qh)).toBe(true);
      expect(Math.abs(qg - g[i] * p.gScale)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(qh - h[i] * p.hScale)).toBeLessThanOrEqual(0.5);
    }
  });

  it('sums to the same bits in any order, and a subtraction gives the other part exactly', () => {
    const p = gradientPacking(80_000, 1);
    const { g, h } = gradients(80_000, 1, new Rng(3));
    const packed = g.map((gi, i) => packGradient(p, gi, h[i]));
    let forward = 0;
    for (let i = 0; i < packed.length; i++) forward += packed[i];
    let backward = 0;
    for (let i = packed.length - 1; i >= 0; i--) backward += packed[i];
    let left = 0;
    let right = 0;
    for (let i = 0; i < packed.length; i++) {
      if (i % 3 === 0) left += packed[i];
      else right += packed[i];
    }
    expect(backward).toBe(forward);
    expect(forward - left).toBe(right);
    let qg = 0;
    let qh = 0;
    for (let i = 0; i < packed.length; i++) {
      qh += packedHessian(p, packed[i]);
      qg += (packed[i] - packedHessian(p, packed[i])) / p.shift;
    }
    expect(packedHessian(p, forward)).toBe(qh);
    expect((forward - packedHessian(p, forward)) / p.shift).toBe(qg);
  });
});

describe('packedHistogramKernel + unpackFeature', () => {
  it('gives per bin the quantised gradient and hessian sums of the rows listed', () => {
    const rng = new Rng(11);
    const nF = 3;
    const nBins = [5, 2, 9];
    const n = 3000;
    const bins = new Uint8Array(n * nF);
    for (let i = 0; i < n; i++)
      for (let f = 0; f < nF; f++) bins[i * nF + f] = rng.next() < 0.1 ? MISSING_BIN : rng.int(nBins[f]);
    const { g, h } = gradients(n, 2, rng);
    const p = gradientPacking(n, 2);
    const packed = g.map((gi, i) => packGradient(p, gi, h[i]));
    // Every other row, in a shuffled order, over features 0 and 2.
    const rows = Uint32Array.from({ length: n / 2 }, (_, k) => 2 * k);
    for (let k = rows.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [rows[k], rows[j]] = [rows[j], rows[k]];
    }
    const hist = new Float64Array(nF * PACKED_STRIDE);
    packedHistogramKernel(nF, [0, 2])(bins, rows, packed, hist, 0, rows.length);
    const out = new Float64Array(nF * HIST_STRIDE);
    for (const f of [0, 2]) {
      unpackFeature(p, hist, f, nBins[f], out);
      for (const b of [...Array(nBins[f]).keys(), MISSING_BIN]) {
        let qg = 0;
        let qh = 0;
        for (const i of rows) {
          if (bins[i * nF + f] !== b) continue;
          qg += Math.round(g[i] * p.gScale);
          qh += Math.round(h[i] * p.hScale);
        }
        expect(out[f * HIST_STRIDE + 2 * b]).toBeCloseTo(qg / p.gScale, 12);
        expect(out[f * HIST_STRIDE + 2 * b + 1]).toBeCloseTo(qh / p.hScale, 12);
      }
    }
    // Feature 1 was not listed: its cells stay empty.
    expect(hist.subarray(PACKED_STRIDE, 2 * PACKED_STRIDE).every((v) => v === 0)).toBe(true);
  });
});
