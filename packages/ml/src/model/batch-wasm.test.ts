import { describe, expect, it } from 'vitest';
import type { FeatureBinning } from '../binning/bin-mapper.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { scoringKernels } from './batch-kernel.js';
import { lockstepModule, lockstepWalker } from './batch-wasm.js';
import { CompiledEnsemble } from './compiled-ensemble.js';
import { encodeDataset } from './predict.js';
import { trainModel } from './train.js';

const sameBits = (a: Float64Array, b: Float64Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('lockstep batch walk in WebAssembly', () => {
  it('assembles a valid module for every depth the complete layout allows', () => {
    for (let depth = 1; depth <= 8; depth++)
      expect(WebAssembly.validate(lockstepModule(depth, 8 * 256 * 21)), `depth ${depth}`).toBe(true);
    expect(() => lockstepModule(0, 0)).toThrow(/bad depth/);
  });

  it('walks two hand-made trees: thresholds, categories, missing values both ways, padding', () => {
    // Depth 2, 2 features (0 numeric, 1 categorical); slot i's children are 2i + 1 and 2i + 2.
    // Tree 0: slot 0 splits x0 at 1.5 (missing right); slot 1 sends categories {2, 5} of x1 right
    // (missing left); slot 2 is padding (always left). Tree 1: slot 0 sends category 0 right
    // (missing right); slots 1 and 2 split x0 at -1 (missing left, then right).
    const trees = {
      depth: 2,
      nTrees: 2,
      meta: Int32Array.from([(0 << 1) | 1, (1 << 1) | 0, 0, (1 << 1) | 1, 0 << 1, (0 << 1) | 1]),
      thr: Float64Array.from([1.5, Infinity, Infinity, Infinity, -1, -1]),
      catMask: Int32Array.from([0, (1 << 2) | (1 << 5), 0, 1, 0, 0]),
      leaf: Float64Array.from([1, 2, 3, 4, 10, 20, 30, 40]),
    };
    const binning: FeatureBinning[] = [
      { kind: 'numeric', name: 'x0', thresholds: Float64Array.from([-1, 1.5]), nBins: 3, upper: 10 },
      { kind: 'categorical', name: 'x1', categories: ['a', 'b', 'c', 'd', 'e', 'f'], nBins: 6, otherBin: 5 },
    ];
    const walker = lockstepWalker(trees, binning, 16);
    expect(walker).not.toBeNull();
    // [x0, x1, expected sum], worked out by hand from the trees above.
    const rows: [number, number, number][] = [
      [0, 2, 2 + 20],
      [2, 0, 3 + 40],
      [Number.NaN, 3, 3 + 10],
      [1, Number.NaN, 1 + 40],
      [-5, 5, 2 + 10],
      [Number.NaN, Number.NaN, 3 + 40],
      [1.5, 0, 1 + 40],
      [-1, 1, 1 + 10],
      [7, 5, 3 + 20],
    ];
    walker!.load(Float64Array.from(rows.flatMap((r) => r.slice(0, 2))), 0, rows.length);
    walker!.acc.fill(0);
    walker!.walk(0, 2, rows.length);
    expect(Array.from(walker!.acc.subarray(0, rows.length))).toEqual(rows.map((r) => r[2]));
  });

  it('gives the JavaScript walker’s exact sums on a trained model, at every block remainder', async () => {
    const ds = generateCustomers({ rows: 4000, seed: 7 });
    const model = await trainModel(ds, CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 30, maxDepth: 6, threads: 1 },
    });
    expect(model.trees.some((t) => Array.from(t.catOffset).some((c) => c >= 0))).toBe(true);
    const enc = encodeDataset(model, ds);
    for (let i = 0; i < enc.x.length; i += 11) enc.x[i] = Number.NaN;
    const wasm = scoringKernels(model.trees, model.binning, new CompiledEnsemble(model.trees), true).batch;
    const js = scoringKernels(model.trees, model.binning, new CompiledEnsemble(model.trees), false).batch;
    for (const [start, end] of [
      [0, 4000],
      [3, 3 + 257],
      [100, 107],
      [0, 1],
    ]) {
      const a = new Float64Array(enc.nRows);
      const b = new Float64Array(enc.nRows);
      wasm(enc.x, enc.nFeatures, start, end, a);
      js(enc.x, enc.nFeatures, start, end, b);
      expect(sameBits(a, b), `rows ${start}..${end}`).toBe(true);
      expect(a[start]).not.toBe(0);
    }
  });
});
