import { HIST_STRIDE } from './split.js';

/**
 * The histogram inner loop, generated for one feature layout. V8 runs a loop over features
 * several times slower than the same statements written out with constant offsets (measured: 4.3
 * vs 1.8 ns a cell on the customer table), so we write them out once per layout, as Fastify's
 * serializers do. Only integers from the layout enter the generated source.
 */
export type HistogramKernel = (
  bins: Uint8Array,
  rows: Uint32Array,
  g: Float64Array,
  h: Float64Array,
  hist: Float64Array,
  start: number,
  end: number,
) => void;

const kernels = new Map<string, HistogramKernel>();

/**
 * The kernel accumulating features `features` of a row-major table with `nFeatures` columns.
 * Gradients are read in row order (`g[k]` for the k-th listed row).
 */
export function histogramKernel(nFeatures: number, features: ArrayLike<number>): HistogramKernel {
  const list = Array.from(features);
  const key = `${nFeatures}:${list.join(',')}`;
  let kernel = kernels.get(key);
  if (kernel) return kernel;
  for (const f of list)
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) throw new Error(`bad feature index ${f}`);
  const lines = [
    'for (let k = start; k < end; k++) {',
    `  const gi = g[k]; const hi = h[k]; const b = rows[k] * ${nFeatures | 0}; let p = 0;`,
    ...list.map((f) => `  p = ${f * HIST_STRIDE} + (bins[b + ${f}] << 1); hist[p] += gi; hist[p + 1] += hi;`),
    '}',
  ];
  kernel = new Function(
    'bins',
    'rows',
    'g',
    'h',
    'hist',
    'start',
    'end',
    lines.join('\n'),
  ) as HistogramKernel;
  kernels.set(key, kernel);
  return kernel;
}

/** A packed-gradient histogram loop: one number a row (see boosting/gradient-packing.ts). */
export type PackedHistogramKernel = (
  bins: Uint8Array,
  rows: Uint32Array,
  packed: Float64Array,
  hist: Float64Array,
  start: number,
  end: number,
) => void;

const packedKernels = new Map<string, PackedHistogramKernel>();

/**
 * The kernel adding `packed[rows[k]]` into cell `f * 256 + bin` of features `features` of a
 * row-major table with `nFeatures` columns: a single add a cell, so half the histogram traffic
 * of {@link histogramKernel}, written out per layout for the same reason.
 */
export function packedHistogramKernel(nFeatures: number, features: ArrayLike<number>): PackedHistogramKernel {
  const list = Array.from(features);
  const key = `${nFeatures}:${list.join(',')}`;
  let kernel = packedKernels.get(key);
  if (kernel) return kernel;
  for (const f of list)
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) throw new Error(`bad feature index ${f}`);
  const lines = [
    'for (let k = start; k < end; k++) {',
    `  const i = rows[k]; const v = packed[i]; const b = i * ${nFeatures | 0};`,
    ...list.map((f) => `  hist[${f * 256} + bins[b + ${f}]] += v;`),
    '}',
  ];
  kernel = new Function(
    'bins',
    'rows',
    'packed',
    'hist',
    'start',
    'end',
    lines.join('\n'),
  ) as PackedHistogramKernel;
  packedKernels.set(key, kernel);
  return kernel;
}
