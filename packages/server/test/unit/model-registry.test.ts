import { type ChurnModel, CUSTOMER_SCHEMA, generateCustomers, modelToJson, trainModel } from '@churn/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrate, openPglite } from '../../src/db/index.js';
import { artifactParts, ModelRegistry } from '../../src/registry/index.js';

// Loading a version: one parse per version while the model is held, shared by every caller.
let db: Database;
let artifactReads = 0;
let trained: ChurnModel;
let version: number;

beforeAll(async () => {
  const inner = await openPglite();
  await migrate(inner);
  // Counts the statements that read an artifact, passing everything through.
  db = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'query')
        return (sql: string, params?: unknown[]) => {
          if (/FROM model_artifact_parts WHERE/.test(sql)) artifactReads++;
          return target.query(sql, params);
        };
      return Reflect.get(target, prop, receiver);
    },
  });
  trained = await trainModel(generateCustomers({ rows: 800, seed: 5 }), CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 5, threads: 1 },
  });
  version = await new ModelRegistry(db).register(trained);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

describe('ModelRegistry.load', () => {
  it('returns the stored model, and the same object to every caller while it is held', async () => {
    const registry = new ModelRegistry(db);
    const before = artifactReads;
    const [a, b] = await Promise.all([registry.load(version), registry.load(version)]);
    const c = await registry.load(version);
    expect(modelToJson(a)).toBe(modelToJson(trained));
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(artifactReads - before).toBe(1);
  });

  it('a failed load is not remembered: the next call asks the database again', async () => {
    const registry = new ModelRegistry(db);
    const before = artifactReads;
    await expect(registry.load(9999)).rejects.toMatchObject({ code: 'CHURN_ERR_NOT_FOUND' });
    await expect(registry.load(9999)).rejects.toMatchObject({ code: 'CHURN_ERR_NOT_FOUND' });
    expect(artifactReads - before).toBe(2);
  });

  it('registries do not share: another instance (another process) reads the artifact itself', async () => {
    const before = artifactReads;
    const a = await new ModelRegistry(db).load(version);
    const b = await new ModelRegistry(db).load(version);
    expect(b).not.toBe(a);
    expect(artifactReads - before).toBe(2);
  });
});

describe('artifact parts', () => {
  it('cut at the size, never inside a surrogate pair, and join back to the artifact', () => {
    expect(artifactParts('', 4)).toEqual(['']);
    expect(artifactParts('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    // '😀' is two UTF-16 units: a cut between them would store two invalid halves.
    const text = 'abc😀def😀😀g';
    for (const size of [1, 2, 3, 4, 5]) {
      const parts = artifactParts(text, size);
      expect(parts.join('')).toBe(text);
      for (const p of parts) {
        expect(p.length).toBeLessThanOrEqual(Math.max(size, 2));
        expect(p).toBe(Buffer.from(p, 'utf8').toString('utf8')); // well-formed on its own
      }
    }
  });

  it('a model stored in many parts, with non-ASCII category names, loads back the same', async () => {
    const ds = generateCustomers({ rows: 1500, seed: 8 });
    const col = ds.columns.find((c) => c.kind === 'categorical');
    if (col?.kind !== 'categorical') throw new Error('no categorical column');
    const renamed = { ...col, categories: col.categories.map((c, i) => `${c}-ünï😀${i}`) };
    const schema = {
      ...CUSTOMER_SCHEMA,
      features: CUSTOMER_SCHEMA.features.map((f) =>
        f.name === col.name && f.kind === 'categorical' ? { ...f, categories: renamed.categories } : f,
      ),
    };
    const model = await trainModel(
      { ...ds, columns: ds.columns.map((c) => (c === col ? renamed : c)) },
      schema,
      { algorithm: 'random-forest', forest: { nTrees: 60, maxDepth: 15, threads: 1 } },
    );
    const json = modelToJson(model);
    expect(json.length).toBeGreaterThan(1 << 20); // more than one part
    const v = await new ModelRegistry(db).register(model);
    expect(modelToJson(await new ModelRegistry(db).load(v))).toBe(json);
  }, 60_000);
});
