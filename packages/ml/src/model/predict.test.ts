import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import type { TableSchema } from '../schema/feature-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { randomTree as randomTreeOf } from '../tree/random-tree.fixture.js';
import { leafOfRow, type Tree } from '../tree/tree.js';
import { Rng } from '../util/rng.js';
import { CompiledEnsemble } from './compiled-ensemble.js';
import type { ChurnModel } from './model.js';
import { type EncodedRows, encodeDataset, predictEncoded, predictRow } from './predict.js';
import type { ScoringJob } from './scoring-pool.js';
import { type TrainOptions, trainModel } from './train.js';
import { sumGroups } from './tree-codegen.js';

const WORKER = fileURLToPath(new URL('../../dist/model/scoring-worker.js', import.meta.url));

const ds = generateCustomers({ rows: 3000, seed: 31 });
const REGIONS = Array.from({ length: 40 }, (_, k) => `r${k}`);
/** Customers plus a 40-category column (too many for the one-word category mask) and gaps. */
const withRegion = (data: Dataset): Dataset => ({
  ...data,
  columns: [
    ...data.columns.map((c) =>
      c.kind === 'numeric' && c.name === 'total_orders'
        ? { ...c, values: c.values.map((v, i) => (i % 7 === 0 ? Number.NaN : v)) }
        : c,
    ),
    {
      kind: 'categorical',
      name: 'region',
      categories: REGIONS,
      codes: Int32Array.from({ length: data.nRows }, (_, i) =>
        i % 11 === 0 ? -1 : (i * 7 + data.target![i] * 3) % 40,
      ),
    },
  ],
});
const wide = withRegion(ds);
const wideSchema: TableSchema = {
  ...CUSTOMER_SCHEMA,
  features: [...CUSTOMER_SCHEMA.features, { name: 'region', kind: 'categorical', categories: REGIONS }],
};

const cases: { name: string; data: Dataset; schema: TableSchema; options: TrainOptions }[] = [
  {
    name: 'boosting, depth 6 (complete-tree kernel)',
    data: ds,
    schema: CUSTOMER_SCHEMA,
    options: { algorithm: 'gradient-boosting', boosting: { nRounds: 40, maxDepth: 6, threads: 1 } },
  },
  {
    name: 'boosting, depth 10 (generated code, a row at a time)',
    data: ds,
    schema: CUSTOMER_SCHEMA,
    options: { algorithm: 'gradient-boosting', boosting: { nRounds: 15, maxDepth: 10, threads: 1 } },
  },
  {
    name: 'boosting, a 40-category feature and missing values',
    data: wide,
    schema: wideSchema,
    options: {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 30, maxDepth: 4, maxCatOneHot: 1, threads: 1 },
    },
  },
  {
    // Trees of more than 1,024 nodes: the record layout, walked 16 trees at a time (18 = 16 + 2).
    name: 'random forest, depth 15 (node walk)',
    data: generateCustomers({ rows: 12_000, seed: 32 }),
    schema: CUSTOMER_SCHEMA,
    options: { algorithm: 'random-forest', forest: { nTrees: 18, maxDepth: 15, threads: 1 } },
  },
  {
    name: 'random forest, a 40-category feature and missing values (node walk)',
    data: withRegion(generateCustomers({ rows: 12_000, seed: 33 })),
    schema: wideSchema,
    options: { algorithm: 'random-forest', forest: { nTrees: 9, maxDepth: 15, threads: 1 } },
  },
];

const models = new Map<string, ChurnModel>();
beforeAll(async () => {
  for (const c of cases) models.set(c.name, await trainModel(c.data, c.schema, c.options));
}, 60_000);

/** Encoded rows of `data`, repeated to `rows`, with missing and out-of-range values mixed in. */
function stressRows(model: ChurnModel, data: Dataset, rows: number): EncodedRows {
  const enc = encodeDataset(model, data);
  const nF = enc.nFeatures;
  const x = new Float64Array(rows * nF);
  for (let i = 0; i < rows; i++) {
    const src = (i % enc.nRows) * nF;
    for (let f = 0; f < nF; f++) {
      let v = enc.x[src + f];
      const categorical = model.binning[f].kind === 'categorical';
      if ((i + f) % 13 === 0) v = Number.NaN;
      else if (!categorical && (i + f) % 17 === 0) v = (i % 2 === 0 ? 1 : -1) * 1e300;
      else if (!categorical && (i + f) % 19 === 0) v = i % 2 === 0 ? Number.POSITIVE_INFINITY : -0;
      x[i * nF + f] = v;
    }
  }
  return { x, nRows: rows, nFeatures: nF, missingRows: 0, unseenCategories: {} };
}

const sameBits = (a: Float64Array, b: Float64Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('predictEncoded', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    'gives predictRow’s exact bits on every row: %s',
    (_name, c) => {
      const model = models.get(c.name)!;
      // 1,000 rows score on this thread; 9,000 are shared with the scoring pool's worker.
      for (const n of [1000, 9000]) {
        const enc = stressRows(model, c.data, n);
        const batch = predictEncoded(model, enc);
        const rows = Float64Array.from({ length: n }, (_, i) => predictRow(model, enc.x, i * enc.nFeatures));
        expect(batch).toHaveLength(n);
        expect(sameBits(batch, rows)).toBe(true);
        expect(sameBits(predictEncoded(model, enc), batch)).toBe(true);
      }
    },
  );

  it.each(cases.map((c) => [c.name, c] as const))(
    'predictRow adds the leaves of the plain tree walk, in tree order: %s',
    (_name, c) => {
      const model = models.get(c.name)!;
      const enc = stressRows(model, c.data, 2000);
      const groups = sumGroups(model.trees);
      // Generated code (all trees of at most 1,024 nodes) adds per group; the node walk in one run.
      const grouped = model.trees.every((t) => t.nNodes <= 1024);
      expect(grouped).toBe(!c.name.includes('node walk'));
      for (let i = 0; i < enc.nRows; i++) {
        const o = i * enc.nFeatures;
        let s = 0;
        if (grouped) {
          for (let g = 0; g + 1 < groups.length; g++) {
            let part = 0;
            for (let t = groups[g]; t < groups[g + 1]; t++)
              part += model.trees[t].value[leafOfRow(model.trees[t], enc.x, o)];
            s += part;
          }
        } else for (const t of model.trees) s += t.value[leafOfRow(t, enc.x, o)];
        const expected =
          model.algorithm === 'random-forest'
            ? s / model.trees.length
            : 1 / (1 + Math.exp(-(model.baseMargin + s)));
        expect(Object.is(predictRow(model, enc.x, o), expected)).toBe(true);
      }
    },
  );

  it('scores unseen categories as missing on the record walk, in batches and row by row', () => {
    const name = 'random forest, a 40-category feature and missing values (node walk)';
    const model = models.get(name)!;
    const region = model.binning.findIndex((b) => b.name === 'region');
    expect(
      model.trees.some((t) => Array.from(t.feature).some((f, i) => f === region && t.catOffset[i] >= 0)),
    ).toBe(true);
    const data = generateCustomers({ rows: 600, seed: 34 });
    const unseen = withRegion(data);
    const col = unseen.columns.at(-1)!;
    if (col.kind !== 'categorical') throw new Error('region must be categorical');
    const data2: Dataset = {
      ...unseen,
      columns: [
        ...unseen.columns.slice(0, -1),
        {
          ...col,
          categories: [...REGIONS, 'r40', 'r41'],
          codes: col.codes.map((c, i) => (i % 3 === 0 ? 40 + (i % 2) : c)),
        },
      ],
    };
    const enc = encodeDataset(model, data2);
    expect(enc.unseenCategories.region).toBe(200);
    const batch = predictEncoded(model, enc);
    for (let i = 0; i < enc.nRows; i++) {
      const o = i * enc.nFeatures;
      if (i % 3 === 0) expect(enc.x[o + region]).toBeNaN();
      let s = 0;
      for (const t of model.trees) s += t.value[leafOfRow(t, enc.x, o)];
      expect(Object.is(predictRow(model, enc.x, o), s / model.trees.length)).toBe(true);
      expect(Object.is(batch[i], s / model.trees.length)).toBe(true);
    }
  });

  it('scores the chunks a worker claims with the same bits (scoring worker alone)', async () => {
    if (!existsSync(WORKER))
      throw new Error(`${WORKER} is missing: build first with \`npx tsc -b packages/ml\``);
    const model = models.get(cases[0].name)!;
    const enc = stressRows(model, ds, 3000);
    const x = new Float64Array(new SharedArrayBuffer(8 * enc.x.length));
    x.set(enc.x);
    const chunkRows = 256;
    const nChunks = Math.ceil(enc.nRows / chunkRows);
    const job: ScoringJob = {
      model: 1,
      trees: model.trees,
      binning: model.binning,
      x,
      out: new Float64Array(new SharedArrayBuffer(8 * enc.nRows)),
      ctl: new Int32Array(new SharedArrayBuffer(4 * (1 + nChunks))),
      nRows: enc.nRows,
      nFeatures: enc.nFeatures,
      chunkRows,
    };
    const worker = new Worker(WORKER);
    try {
      worker.postMessage(job);
      const deadline = Date.now() + 30_000;
      while (job.ctl.subarray(1).some((v) => v === 0)) {
        if (Date.now() > deadline) throw new Error('the scoring worker did not finish');
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await worker.terminate();
    }
    const p = predictEncoded(model, enc);
    const fromWorker = job.out.map((s) => 1 / (1 + Math.exp(-(model.baseMargin + s))));
    expect(sameBits(Float64Array.from(fromWorker), p)).toBe(true);
  });
});

describe('sumGroups', () => {
  const tree = (nNodes: number) => ({ nNodes }) as Tree;
  it.each([
    { sizes: [], groups: [0] },
    { sizes: [5], groups: [0, 1] },
    { sizes: [1000, 400, 100, 1], groups: [0, 3, 4] },
    { sizes: [1500, 1, 1499, 1500], groups: [0, 1, 3, 4] },
    { sizes: [2000, 10], groups: [0, 1, 2] },
  ])('cuts the trees where a generated function would fill up: $sizes', ({ sizes, groups }) => {
    expect(sumGroups(sizes.map(tree))).toEqual(groups);
  });
});

/**
 * A random tree over features 0..3 (3 categorical with 40 bins: bitset words beyond the first),
 * splitting with probability `pSplit` down to `maxDepth`: unbalanced, with lone leaves possible.
 */
const randomTree = (rng: Rng, maxDepth: number, pSplit: number): Tree =>
  randomTreeOf(rng, {
    maxDepth,
    pSplit,
    nFeatures: 4,
    categorical: 3,
    catWords: (r) => Array.from({ length: 8 }, (_, w) => (w < 2 ? r.nextUint32() : 0)),
    threshold: (r, kind) => (kind === 'numeric' ? r.int(5) - 2 + (r.next() < 0.5 ? 0 : 0.5) : 0),
    leafValue: (r) => r.next(),
  });

describe('CompiledEnsemble (record layout)', () => {
  // One tree over 1,024 nodes puts the whole ensemble on records: trees of every depth (a lone
  // leaf, shallower than the hot levels, deeper), a group of 16 and a tail of three.
  const rng = new Rng(35);
  const trees: Tree[] = [randomTree(rng, 14, 0.97)];
  for (let k = 0; k < 18; k++) trees.push(randomTree(rng, k % 6 === 0 ? 0 : 2 + (k % 13), 0.8));
  const special = [
    Number.NaN,
    -0,
    0,
    0.5,
    -2,
    2.5,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e300,
  ];
  const nRows = 3000;
  const x = new Float64Array(nRows * 4);
  for (let i = 0; i < x.length; i++) {
    const f = i % 4;
    if (rng.next() < 0.1) x[i] = Number.NaN;
    else if (f === 3) x[i] = rng.int(40);
    else x[i] = rng.next() < 0.3 ? special[rng.int(special.length)] : rng.normal() * 2;
  }

  it.each([
    ['webassembly', true],
    ['javascript', false],
  ] as const)(
    'adds the leaves of the plain tree walk in tree order, row by row and in blocks (%s)',
    (walks, wasm) => {
      const ensemble = new CompiledEnsemble(trees, wasm);
      expect(ensemble.walks).toBe(walks);
      expect(trees[0].nNodes).toBeGreaterThan(1024);
      expect(trees.some((t) => t.nNodes === 1)).toBe(true);
      const out = new Float64Array(nRows);
      ensemble.sumRows(x, 4, 0, nRows, out);
      const part = new Float64Array(nRows);
      ensemble.sumRows(x, 4, 5, 1234, part);
      for (let i = 0; i < nRows; i++) {
        let s = 0;
        for (const t of trees) s += t.value[leafOfRow(t, x, i * 4)];
        expect(Object.is(ensemble.sum(x, i * 4), s)).toBe(true);
        expect(Object.is(out[i], s)).toBe(true);
        if (i >= 5 && i < 1234) expect(Object.is(part[i], s)).toBe(true);
        else expect(part[i]).toBe(0);
      }
    },
  );
});
