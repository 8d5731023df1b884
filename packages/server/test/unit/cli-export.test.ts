import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn, type Learner, ok, requireBuiltCli, trainEachLearner } from '../helpers/cli.js';

// Runs the built CLI end to end (`node packages/server/bin/churn.js …`): train both learners and
// export each to XGBoost JSON. That XGBoost scores the files as we do is checked in @churn/ml
// (model/xgboost-export.test.ts, against the real library).

let dir: string;
let models: Record<Learner, string>;

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'churn-cli-export-'));
  const train = join(dir, 'train.csv');
  ok('generate', '--rows', '800', '--seed', '9', '--out', train);
  models = trainEachLearner(dir, train, {
    'random-forest': ['--max-depth', '5', '--trees', '4'],
    'gradient-boosting': ['--max-depth', '5', '--trees', '6'],
  });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('churn export --format xgboost', () => {
  it.each([
    ['random-forest', 'reg:squarederror', 4],
    ['gradient-boosting', 'binary:logistic', 6],
  ] as const)('%s: writes an XGBoost JSON model with objective %s', (algorithm, objective, trees) => {
    const sub = mkdtempSync(join(dir, `${algorithm}-`));
    const out = join(sub, 'model.xgb.json');
    const r = churn('export', '--model', models[algorithm], '--format', 'xgboost', '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ out, format: 'xgboost', objective, trees });
    expect(readdirSync(sub)).toEqual(['model.xgb.json']);

    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.learner.objective.name).toBe(objective);
    expect(doc.learner.gradient_booster.model.trees).toHaveLength(trees);
    const baseScore = Number(doc.learner.learner_model_param.base_score);
    // The forest's output is the mean of its trees, with no intercept; boosting's starts from
    // the base rate.
    if (algorithm === 'random-forest') expect(baseScore).toBe(0);
    else expect(baseScore).toBeGreaterThan(0);
  });

  it('says what predict gives without --json', () => {
    const out = join(dir, 'human.xgb.json');
    const stdout = ok('export', '--model', models['random-forest'], '--format', 'xgboost', '--out', out);
    expect(stdout).toMatch(
      /^wrote 4 trees in XGBoost JSON \(reg:squarederror; predict gives the churn probability\) to .*human\.xgb\.json\n/,
    );
  });
});
