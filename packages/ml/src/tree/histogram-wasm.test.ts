import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { histogramKernel } from './histogram-kernel.js';
import { arenaMemory, type PairArena, pairHistogramKernel, pairHistogramModule } from './histogram-wasm.js';
import { HIST_STRIDE } from './split.js';

/*
 * The WebAssembly pair kernel against the JavaScript kernels: the same histogram, bit for bit, for
 * every bin value, feature subsets, rows in any order and ranges of them.
 */

const N = 3000;
const NF = 7;

/** An arena of random bins and pairs, rows shuffled, and a histogram block after them in the same memory. */
function arena(rng: Rng): PairArena & { g: Float64Array; h: Float64Array; hist: Float64Array } {
  const rowsAt = Math.ceil((N * NF) / 16) * 16;
  const histAt = rowsAt + 4 * N + 16 * N;
  const { memory, buffer } = arenaMemory(histAt + 8 * NF * HIST_STRIDE);
  const bins = new Uint8Array(buffer, 0, N * NF);
  const rows = new Uint32Array(buffer, rowsAt, N);
  const gh = new Float64Array(buffer, rowsAt + 4 * N, 2 * N);
  const hist = new Float64Array(buffer, histAt, NF * HIST_STRIDE);
  const g = new Float64Array(N);
  const h = new Float64Array(N);
  for (let i = 0; i < N * NF; i++) bins[i] = rng.int(256);
  for (let i = 0; i < N; i++) {
    // Values whose sums round differently in another order.
    g[i] = (rng.next() - 0.5) * 10 ** rng.int(6);
    h[i] = rng.next() * 10 ** -rng.int(6);
    gh[2 * i] = g[i];
    gh[2 * i + 1] = h[i];
  }
  // Rows in a shuffled order, as partitions leave them.
  for (let i = 0; i < N; i++) rows[i] = i;
  for (let i = N - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return { memory, bins, rows, gh, g, h, hist };
}

describe('pairHistogramKernel', () => {
  it('runs as WebAssembly in this runtime (a shared WebAssembly memory and a module that compiles)', () => {
    expect(arenaMemory(1024).memory).not.toBeNull();
    expect(() => new WebAssembly.Module(pairHistogramModule(NF, [0, 3, 6]))).not.toThrow();
  });

  it('adds the same pairs as the JavaScript kernels, bit for bit', () => {
    const a = arena(new Rng(5));
    const { bins, rows, hist } = a;
    for (const features of [[0, 1, 2, 3, 4, 5, 6], [1, 4, 6], [5]]) {
      for (const [start, end] of [
        [0, N],
        [17, 1234],
        [N - 1, N],
        [40, 40],
      ]) {
        hist.fill(0);
        pairHistogramKernel(a, NF, features)(hist, start, end);
        const wasm = Float64Array.from(hist);
        hist.fill(0);
        pairHistogramKernel(a, NF, features, true)(hist, start, end);
        const js = Float64Array.from(hist);
        // The row-order kernel of the single-threaded grower, fed the gradients in row order.
        const order = rows.subarray(start, end);
        const g = Float64Array.from(order, (i) => a.g[i]);
        const h = Float64Array.from(order, (i) => a.h[i]);
        const plain = new Float64Array(NF * HIST_STRIDE);
        histogramKernel(NF, features)(bins, order, g, h, plain, 0, order.length);
        expect(Array.from(wasm)).toEqual(Array.from(js));
        expect(Array.from(js)).toEqual(Array.from(plain));
        if (end > start) expect(js.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  it('refuses a feature outside the table', () => {
    const a = arena(new Rng(1));
    expect(() => pairHistogramKernel(a, NF, [NF])).toThrow(/bad feature index/);
  });
});
