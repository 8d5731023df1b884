import { describe, expect, it } from 'vitest';
import type { BinnedData } from '../binning/bin-mapper.js';
import { HIST_STRIDE } from '../tree/split.js';
import { type ShardMemory, shardRoot } from './shard-ops.js';

/*
 * The root step's gradients come from exp(−margin) kept per row (updated by multiplication as
 * leaves are added); values that underflowed, overflowed or were never set are recomputed from
 * the margin, so the gradients are the log-loss gradients at the margin either way.
 */

function memory(margin: number[], expNeg: number[], y: number[]): ShardMemory {
  const n = margin.length;
  const data: BinnedData = {
    features: [],
    nRows: n,
    nFeatures: 1,
    bins: new Uint8Array(n),
    cols: new Uint8Array(n),
  };
  return {
    data,
    rows: Uint32Array.from({ length: n }, (_, i) => i),
    gh: new Float64Array(2 * n),
    margin: Float64Array.from(margin),
    expNeg: Float64Array.from(expNeg),
    y: Uint8Array.from(y),
    hists: [new Float64Array(HIST_STRIDE)],
    scratch: new Uint32Array(n),
    side: new Uint8Array(256),
    features: new Int32Array(0),
    kernel: () => {},
  };
}

describe('shardRoot', () => {
  it('computes log-loss gradients from the kept exp(−margin), repairing values out of range', () => {
    const margin = [0.3, -2, 5, 800, -1.5, 0.7];
    // Kept values: two exact, one drifted by rounding, one underflowed to 0 (the margin passed
    // 745 and came back to 800 here), one overflowed, one never set.
    const expNeg = [Math.exp(-0.3), Math.exp(2), Math.exp(-5) * (1 + 2e-16), 0, Number.POSITIVE_INFINITY, 0];
    const y = [1, 0, 1, 0, 1, 0];
    const m = memory(margin, expNeg, y);
    const [G, H] = shardRoot(m, 0, margin.length, 2, 0);
    let wantG = 0;
    let wantH = 0;
    margin.forEach((mg, i) => {
      const p = 1 / (1 + Math.exp(-mg));
      const w = y[i] ? 2 : 1;
      const g = (p - y[i]) * w;
      const h = Math.max(p * (1 - p), 1e-16) * w;
      expect(m.gh[2 * i]).toBeCloseTo(g, 14);
      expect(m.gh[2 * i + 1]).toBeCloseTo(h, 14);
      wantG += g;
      wantH += h;
    });
    expect(G).toBeCloseTo(wantG, 13);
    expect(H).toBeCloseTo(wantH, 13);
    // Repaired in place from the margins: the never-set row, the overflowed one; the underflowed
    // row's margin (800) underflows again and stays a valid 0-probability case.
    expect(m.expNeg[5]).toBe(Math.exp(-0.7));
    expect(m.expNeg[4]).toBe(Math.exp(1.5));
    expect(m.expNeg[3]).toBe(Math.exp(-800));
    expect(m.expNeg[0]).toBe(Math.exp(-0.3));
  });
});
