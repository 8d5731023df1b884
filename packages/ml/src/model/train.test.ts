import { beforeAll, describe, expect, it } from 'vitest';
import type { CategoricalColumn, Column, Dataset } from '../data/dataset.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import type { ChurnModel } from './model.js';
import { encodeDataset, predictDataset } from './predict.js';
import { datasetHash, type TrainOptions, trainModel } from './train.js';

const ds = generateCustomers({ rows: 1500, seed: 21 });
const forestOptions: TrainOptions = {
  algorithm: 'random-forest',
  forest: { nTrees: 30, maxDepth: 8, threads: 1 },
};
const boostOptions: TrainOptions = { algorithm: 'gradient-boosting', boosting: { nRounds: 30, threads: 1 } };
let forest: ChurnModel;
let boost: ChurnModel;
beforeAll(async () => {
  forest = await trainModel(ds, CUSTOMER_SCHEMA, forestOptions);
  boost = await trainModel(ds, CUSTOMER_SCHEMA, boostOptions);
}, 60_000);

/** The dataset with one column replaced. */
const withColumn = (d: Dataset, name: string, make: (c: Column) => Column): Dataset => ({
  ...d,
  columns: d.columns.map((c) => (c.name === name ? make(c) : c)),
});
const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('trainModel provenance', () => {
  it('records a data hash that follows the content (features and target)', () => {
    const again = generateCustomers({ rows: 1500, seed: 21 });
    expect(forest.training.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(forest.training.dataHash).toBe(datasetHash(ds));
    expect(boost.training.dataHash).toBe(forest.training.dataHash);
    expect(datasetHash(again)).toBe(forest.training.dataHash);
    const changes: Dataset[] = [
      withColumn(ds, 'total_orders', (c) => {
        const values = Float64Array.from((c as { values: Float64Array }).values);
        values[700] += 1;
        return { ...c, values } as Column;
      }),
      withColumn(ds, 'payment_method', (c) => {
        const k = c as CategoricalColumn;
        return { ...k, categories: k.categories.map((v, i) => (i === 0 ? `${v}_x` : v)) };
      }),
      { ...ds, target: ds.target!.map((v, i) => (i === 3 ? 1 - v : v)) },
      generateCustomers({ rows: 1499, seed: 21 }),
    ];
    for (const changed of changes) expect(datasetHash(changed)).not.toBe(forest.training.dataHash);
  });

  it('records the parameters, rows, positive rate and creation time', () => {
    const fp = forest.training.params;
    expect(fp).toMatchObject({
      nTrees: 30,
      maxDepth: 8,
      threads: 1,
      seed: 42,
      bootstrap: true,
      validationFraction: 0,
    });
    expect(fp.maxFeatures).toBe('sqrt');
    const bp = boost.training.params;
    expect(bp).toMatchObject({ nRounds: 30, learningRate: 0.1, maxDepth: 6, lambda: 1, roundsTrained: 30 });
    expect(boost.trees).toHaveLength(30);
    expect(forest.trees).toHaveLength(30);
    for (const m of [forest, boost]) {
      expect(m.training.rows).toBe(1500);
      expect(m.training.positiveRate).toBe(ds.target!.reduce((s, v) => s + v, 0) / 1500);
      expect(Date.parse(m.training.createdAt)).not.toBeNaN();
      expect(m.binning.map((b) => b.name)).toEqual(CUSTOMER_SCHEMA.features.map((f) => f.name));
    }
  });

  it('records feature importance: gain shares summing to 1, split counts from the trees', () => {
    for (const m of [forest, boost]) {
      const imp = m.training.importance;
      expect(imp.map((i) => i.feature).sort()).toEqual(m.binning.map((b) => b.name).sort());
      expect(imp.reduce((s, i) => s + i.gain, 0)).toBeCloseTo(1, 12);
      for (let k = 1; k < imp.length; k++) expect(imp[k].gain).toBeLessThanOrEqual(imp[k - 1].gain);
      const gain = new Map<string, number>();
      const splits = new Map<string, number>();
      let total = 0;
      for (const t of m.trees)
        for (let k = 0; k < t.nNodes; k++) {
          if (t.feature[k] < 0) continue;
          const name = m.binning[t.feature[k]].name;
          gain.set(name, (gain.get(name) ?? 0) + t.gain[k]);
          splits.set(name, (splits.get(name) ?? 0) + 1);
          total += t.gain[k];
        }
      for (const i of imp) {
        expect(i.splits).toBe(splits.get(i.feature) ?? 0);
        expect(i.gain).toBeCloseTo((gain.get(i.feature) ?? 0) / total, 12);
      }
    }
  });

  it('records timings', () => {
    for (const m of [forest, boost]) {
      const { binningMs, treesMs, totalMs } = m.training.timings;
      for (const t of [binningMs, treesMs, totalMs]) expect(Number.isFinite(t) && t >= 0).toBe(true);
      expect(totalMs).toBeGreaterThanOrEqual(treesMs);
    }
  });

  it('measures the forest out of bag, and nothing for boosting without a validation split', () => {
    expect(forest.training.metricsSource).toBe('out-of-bag');
    expect(forest.training.metrics!.n).toBeGreaterThanOrEqual(1490);
    expect(forest.training.metrics!.rocAuc).toBeGreaterThan(0.7);
    expect(boost.training.metrics).toBeUndefined();
    expect(boost.training.metricsSource).toBeUndefined();
  });

  it.each([
    { options: forestOptions, fraction: 0.25 },
    {
      options: { ...boostOptions, boosting: { nRounds: 200, threads: 1, earlyStoppingRounds: 5 } },
      fraction: 0.3,
    },
  ])(
    'measures on a validation split when validationFraction > 0 ($options.algorithm)',
    async ({ options, fraction }) => {
      const m = await trainModel(ds, CUSTOMER_SCHEMA, { ...options, validationFraction: fraction });
      expect(m.training.metricsSource).toBe('validation');
      const { n, rocAuc } = m.training.metrics!;
      expect(n).toBeGreaterThan(1500 * fraction * 0.85);
      expect(n).toBeLessThan(1500 * fraction * 1.15);
      expect(rocAuc).toBeGreaterThan(0.7);
      expect(m.training.params.validationFraction).toBe(fraction);
      expect(m.training.rows).toBe(1500);
      if (m.algorithm === 'gradient-boosting') {
        expect(m.trees.length).toBeLessThan(200);
        expect(m.training.params.roundsTrained).toBe(m.trees.length);
      }
    },
  );
});

describe('encodeDataset', () => {
  const permuted = (d: Dataset, name: string, order: (cats: readonly string[]) => string[]) =>
    withColumn(d, name, (c) => {
      const k = c as CategoricalColumn;
      const categories = order(k.categories);
      const codes = k.codes.map((code) => (code < 0 ? -1 : categories.indexOf(k.categories[code])));
      return { ...k, categories, codes };
    });

  it.each(['random-forest', 'gradient-boosting'])(
    'maps categories by name, whatever the dictionary and column order (%s)',
    (alg) => {
      const model = alg === 'random-forest' ? forest : boost;
      let other = permuted(ds, 'payment_method', (c) => [...c].reverse());
      other = permuted(other, 'favorite_category', (c) => [...c.slice(3), 'never-used', ...c.slice(0, 3)]);
      other = { ...other, columns: [...other.columns].reverse() };
      const a = encodeDataset(model, ds);
      const b = encodeDataset(model, other);
      expect(bytes(b.x).equals(bytes(a.x))).toBe(true);
      expect(b.unseenCategories).toEqual({});
      expect(bytes(predictDataset(model, other)).equals(bytes(predictDataset(model, ds)))).toBe(true);
    },
  );

  it.each(['random-forest', 'gradient-boosting'])(
    'scores an unseen category as missing and counts it (%s)',
    (alg) => {
      const model = alg === 'random-forest' ? forest : boost;
      const rows = [5, 17, 400, 1499];
      const unseen = withColumn(ds, 'shipping_method', (c) => {
        const k = c as CategoricalColumn;
        const codes = k.codes.map((code, i) => (rows.includes(i) ? k.categories.length : code));
        return { ...k, categories: [...k.categories, 'drone'], codes };
      });
      const missing = withColumn(ds, 'shipping_method', (c) => {
        const k = c as CategoricalColumn;
        return { ...k, codes: k.codes.map((code, i) => (rows.includes(i) ? -1 : code)) };
      });
      const enc = encodeDataset(model, unseen);
      expect(enc.unseenCategories).toEqual({ shipping_method: rows.length });
      const f = model.binning.findIndex((b) => b.name === 'shipping_method');
      for (const i of rows) expect(enc.x[i * enc.nFeatures + f]).toBeNaN();
      expect(bytes(predictDataset(model, unseen)).equals(bytes(predictDataset(model, missing)))).toBe(true);
    },
  );

  it('refuses data without a model column, or with a column of the wrong kind, naming it', () => {
    const without: Dataset = { ...ds, columns: ds.columns.filter((c) => c.name !== 'returns_count') };
    expect(() => encodeDataset(forest, without)).toThrow(/"returns_count"/);
    const asText = withColumn(ds, 'returns_count', (c) => ({
      kind: 'categorical',
      name: c.name,
      categories: ['1'],
      codes: new Int32Array(1500),
    }));
    expect(() => encodeDataset(forest, asText)).toThrow(/"returns_count" must be numeric/);
  });
});
