import { beforeAll, describe, expect, it } from 'vitest';
import { detectDrift } from '../drift/detect.js';
import { detectOutliers } from '../outliers/detect-outliers.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/generator.js';
import type { ChurnModel } from './model.js';
import { modelFromJson, modelToJson } from './serialize.js';
import { trainModel } from './train.js';

// The optional monitoring fields of the training metadata: the reference sample and the
// Isolation Forest, stored in the model file and absent from older files.
describe('training.reference and training.outliers', () => {
  const data = generateCustomers({ rows: 8000, seed: 21 });
  const train = () =>
    trainModel(data, CUSTOMER_SCHEMA, { algorithm: 'random-forest', forest: { nTrees: 5, maxDepth: 6 } });
  let a: ChurnModel;
  let b: ChurnModel;
  beforeAll(async () => {
    a = await train();
    b = await train();
  });

  it('stores a deterministic sample of at most 5,000 training rows and a fitted forest', () => {
    const ref = a.training.reference!;
    expect(ref.nRows).toBe(5000);
    expect(ref.columns.map((c) => c.name)).toEqual(CUSTOMER_SCHEMA.features.map((f) => f.name));
    expect(b.training.reference).toEqual(ref);
    expect(a.training.outliers?.threshold).toBe(b.training.outliers?.threshold);
    // The sample is the training population: no drift against fresh rows of it.
    expect(detectDrift(ref, generateCustomers({ rows: 3000, seed: 22 })).drifted).toEqual([]);
  });

  it('round-trips through the model file, and older files without the fields still load', () => {
    const model = a;
    const text = modelToJson(model);
    const back = modelFromJson(text);
    expect(back.training.reference).toEqual(model.training.reference);
    const probe = generateCustomers({ rows: 200, seed: 23 });
    expect(Array.from(detectOutliers(back.training.outliers!, probe).scores)).toEqual(
      Array.from(detectOutliers(model.training.outliers!, probe).scores),
    );
    const old = JSON.parse(text);
    delete old.training.reference;
    delete old.training.outliers;
    const oldText = JSON.stringify(old);
    const loaded = modelFromJson(oldText);
    expect(loaded.training.reference).toBeUndefined();
    expect(loaded.training.outliers).toBeUndefined();
    expect(loaded.trees.length).toBe(model.trees.length);
    // Growth: 5,000 rows x 21 columns as base64 (whole numbers as int32) plus the forest.
    expect(text.length - oldText.length).toBeLessThan(1_000_000);
  });

  it('refuses a reference column of the wrong length', () => {
    const doc = JSON.parse(modelToJson(a));
    doc.training.reference.nRows = 4999;
    expect(() => modelFromJson(JSON.stringify(doc))).toThrow(
      /reference column .* has 5000 rows, expected 4999/,
    );
  });
});
