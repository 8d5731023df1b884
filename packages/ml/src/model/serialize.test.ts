import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../data/dataset.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import { Rng } from '../util/rng.js';
import { type Algorithm, type ChurnModel, MODEL_FORMAT_VERSION } from './model.js';
import { predictDataset } from './predict.js';
import { loadModel, modelFromJson, modelToJson, saveModel } from './serialize.js';
import { trainModel } from './train.js';

/** Customers with a share of numeric and categorical cells missing. */
function withMissing(rows: number, seed: number): Dataset {
  const ds = generateCustomers({ rows, seed });
  const rng = new Rng(seed + 1);
  const columns = ds.columns.map((c, f): Column => {
    if (f % 4 !== 1) return c;
    if (c.kind === 'numeric')
      return { ...c, values: c.values.map((v) => (rng.next() < 0.15 ? Number.NaN : v)) };
    return { ...c, codes: c.codes.map((k) => (rng.next() < 0.15 ? -1 : k)) };
  });
  return { ...ds, columns };
}

const dir = mkdtempSync(join(tmpdir(), 'churn-serialize-'));
let folders = 0;
const freshDir = () => {
  const d = join(dir, `case-${folders++}`);
  mkdirSync(d);
  return d;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const models = new Map<Algorithm, ChurnModel>();
const train = withMissing(1200, 3);
const score = withMissing(700, 4);

beforeAll(async () => {
  models.set(
    'random-forest',
    await trainModel(train, CUSTOMER_SCHEMA, {
      algorithm: 'random-forest',
      forest: { nTrees: 12, threads: 1 },
    }),
  );
  models.set(
    'gradient-boosting',
    await trainModel(train, CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 25, threads: 1 },
      validationFraction: 0.2,
    }),
  );
}, 60_000);

const ALGORITHMS: Algorithm[] = ['random-forest', 'gradient-boosting'];
const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('saveModel / loadModel', () => {
  it.each(ALGORITHMS)('round-trips a %s model: identical predictions, bit for bit', async (algorithm) => {
    const model = models.get(algorithm)!;
    const path = join(freshDir(), 'model.json');
    await saveModel(path, model);
    const loaded = await loadModel(path);
    for (const ds of [train, score]) {
      const before = predictDataset(model, ds);
      const after = predictDataset(loaded, ds);
      expect(bytes(after).equals(bytes(before))).toBe(true);
    }
    expect(loaded.algorithm).toBe(algorithm);
    expect(loaded.baseMargin).toBe(model.baseMargin);
    expect(loaded.trees).toHaveLength(model.trees.length);
    // Every typed array comes back with its type and its exact contents.
    loaded.trees.forEach((t, k) => {
      for (const [key, value] of Object.entries(model.trees[k]))
        expect(t[key as keyof typeof t], key).toEqual(value);
    });
    expect(loaded.binning).toEqual(model.binning);
    expect(loaded.schema).toEqual(model.schema);
    expect(loaded.training.importance).toEqual(model.training.importance);
    // A second trip gives the same file.
    expect(modelToJson(loaded)).toBe(readFileSync(path, 'utf8'));
  });

  it('writes the file atomically: only the model file is left, and it replaces an older one', async () => {
    const folder = freshDir();
    const path = join(folder, 'model.json');
    writeFileSync(path, 'old content');
    await saveModel(path, models.get('random-forest')!);
    expect(readdirSync(folder)).toEqual(['model.json']);
    expect(modelFromJson(readFileSync(path, 'utf8')).algorithm).toBe('random-forest');
  });

  it.each([
    {
      name: 'the target is a directory',
      target: (d: string) => {
        mkdirSync(join(d, 'm.json'));
        return join(d, 'm.json');
      },
    },
    { name: 'the folder does not exist', target: (d: string) => join(d, 'missing', 'm.json') },
  ])('leaves nothing behind when the write fails ($name)', async ({ target }) => {
    const folder = freshDir();
    const path = target(folder);
    const before = readdirSync(folder);
    await expect(saveModel(path, models.get('gradient-boosting')!)).rejects.toThrow();
    expect(readdirSync(folder)).toEqual(before);
    expect(existsSync(join(folder, 'missing'))).toBe(false);
  });

  it('leaves nothing behind when the model cannot be serialised', async () => {
    const folder = freshDir();
    const model = models.get('random-forest')!;
    const broken = { ...model, training: { ...model.training, params: { bad: 1n as unknown as number } } };
    await expect(saveModel(join(folder, 'm.json'), broken)).rejects.toThrow();
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('modelFromJson refuses what is not a model it can read', () => {
  const good = () => JSON.parse(modelToJson(models.get('gradient-boosting')!)) as Record<string, unknown>;
  it.each([
    { name: 'text that is not JSON', text: () => 'churn-model v1', message: /^model file: not valid JSON/ },
    {
      name: 'a truncated file',
      text: () => modelToJson(models.get('random-forest')!).slice(0, 500),
      message: /not valid JSON/,
    },
    { name: 'JSON null', text: () => 'null', message: /not a churn model \(format field\)/ },
    {
      name: 'another format',
      text: () => JSON.stringify({ ...good(), format: 'xgboost' }),
      message: /not a churn model/,
    },
    {
      name: 'a newer version',
      text: () => JSON.stringify({ ...good(), formatVersion: MODEL_FORMAT_VERSION + 1 }),
      message: new RegExp(
        `format version ${MODEL_FORMAT_VERSION + 1} is not supported \\(expected ${MODEL_FORMAT_VERSION}\\)`,
      ),
    },
    {
      name: 'no version',
      text: () => JSON.stringify({ ...good(), formatVersion: undefined }),
      message: /format version undefined is not supported/,
    },
    {
      name: 'a version as text',
      text: () => JSON.stringify({ ...good(), formatVersion: '1' }),
      message: /format version 1 is not supported/,
    },
    {
      name: 'a tree array of the wrong type',
      text: () => {
        const doc = good() as { trees: Record<string, unknown>[] };
        doc.trees[0].feature = { t: 'f64', b64: '' };
        return JSON.stringify(doc);
      },
      message: /^model file: expected a packed i32 array/,
    },
    {
      name: 'the right header but no trees or binning',
      text: () => JSON.stringify({ format: 'churn-model', formatVersion: MODEL_FORMAT_VERSION }),
      message: /^model file: /,
    },
  ])('refuses $name with a clear message', ({ text, message }) => {
    expect(() => modelFromJson(text())).toThrow(message);
  });

  it('loadModel refuses a file of another version, naming it', async () => {
    const path = join(freshDir(), 'old.json');
    writeFileSync(path, JSON.stringify({ format: 'churn-model', formatVersion: 0 }));
    await expect(loadModel(path)).rejects.toThrow(/format version 0 is not supported \(expected 1\)/);
  });
});
