import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the built CLI end to end (`node packages/server/bin/churn.js …`): train both learners and
// export each to XGBoost JSON. That XGBoost scores the files as we do is checked in @churn/ml
// (model/xgboost-export.test.ts, against the real library).
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'packages/server/bin/churn.js');
const BUILT_MAIN = join(ROOT, 'packages/server/dist/cli/main.js');

function churn(...args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (result.error) throw result.error;
  return result;
}

function ok(...args: string[]): string {
  const r = churn(...args);
  expect(r.status, `churn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

let dir: string;
const models = { 'random-forest': '', 'gradient-boosting': '' };

beforeAll(() => {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`${BUILT_MAIN} is missing: build first with \`npx tsc -b packages/ml packages/server\``);
  }
  dir = mkdtempSync(join(tmpdir(), 'churn-cli-export-'));
  const train = join(dir, 'train.csv');
  ok('generate', '--rows', '800', '--seed', '9', '--out', train);
  const common = ['--data', train, '--target', 'churned', '--threads', '1', '--max-depth', '5'];
  models['random-forest'] = join(dir, 'forest.json');
  models['gradient-boosting'] = join(dir, 'boosting.json');
  ok('train', ...common, '--algorithm', 'random-forest', '--trees', '4', '--out', models['random-forest']);
  ok(
    'train',
    ...common,
    '--algorithm',
    'gradient-boosting',
    '--trees',
    '6',
    '--out',
    models['gradient-boosting'],
  );
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
