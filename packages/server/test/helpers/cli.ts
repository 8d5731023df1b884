import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'packages/server/bin/churn.js');
const BUILT_MAIN = join(ROOT, 'packages/server/dist/cli/main.js');

/** Where and with what environment a command runs, when not the way a user runs `npx churn`. */
export interface CliOptions {
  /** The working directory; the repository root by default. */
  cwd?: string;
  /** Variables set on top of the test process's environment (`''` to blank one). */
  env?: Record<string, string>;
}

/**
 * Run the built CLI the way a user does (`node packages/server/bin/churn.js …` in a process of its
 * own, no colours), from the repository root; returns its exit status and output. The end-to-end
 * CLI tests go through here so that they all exercise the same entry point.
 *
 * @example
 * const r = churn('generate', '--rows', '10', '--out', out);
 * expect(r.status).toBe(2);
 */
export function churn(...args: string[]): SpawnSyncReturns<string> {
  return churnWith({}, ...args);
}

/**
 * {@link churn} in another working directory or with extra environment variables.
 *
 * @example
 * const keys = (...args: string[]) => churnWith({ env: { CHURN_DATA_DIR: dataDir } }, 'keys', ...args);
 */
export function churnWith(options: CliOptions, ...args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    // spawnSync blocks the test's thread, so vitest's own timeout cannot stop a hung command: this
    // does, with room for a busy machine (commands that open the embedded database take seconds).
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  if (result.error) throw result.error;
  return result;
}

/** Run a command that must exit 0 (the failure names the command and its stderr); returns its stdout. */
export function ok(...args: string[]): string {
  const r = churn(...args);
  expect(r.status, `churn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The learners `churn train --algorithm` offers. */
export type Learner = 'random-forest' | 'gradient-boosting';

/**
 * Train one model per learner on `data` (target `churned`, one thread) into `dir` as forest.json and
 * boosting.json, each learner with its own options; returns the files. For suites that check a
 * command on both kinds of model.
 *
 * @example
 * models = trainEachLearner(dir, train, { 'random-forest': ['--trees', '4'], 'gradient-boosting': [] });
 */
export function trainEachLearner(
  dir: string,
  data: string,
  options: Record<Learner, string[]>,
): Record<Learner, string> {
  const models = {
    'random-forest': join(dir, 'forest.json'),
    'gradient-boosting': join(dir, 'boosting.json'),
  };
  for (const learner of ['random-forest', 'gradient-boosting'] as const) {
    const args = ['--data', data, '--target', 'churned', '--threads', '1', '--algorithm', learner];
    ok('train', ...args, ...options[learner], '--out', models[learner]);
  }
  return models;
}

/** The one-line stderr of a failed command, checked to be exactly one line ending in a newline. */
export function oneLine(stderr: string): string {
  expect(stderr.endsWith('\n'), `stderr: ${JSON.stringify(stderr)}`).toBe(true);
  const lines = stderr.slice(0, -1).split('\n');
  expect(lines, `stderr: ${JSON.stringify(stderr)}`).toHaveLength(1);
  return lines[0];
}

/**
 * Fail a suite at once, saying what to do, when the CLI has not been built: the tests run the
 * compiled `dist/`, never the sources, and would otherwise fail one by one with a module error.
 */
export function requireBuiltCli(): void {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(
      `${BUILT_MAIN} is missing: build first with \`npx tsc -b packages/ml packages/server\` (npm test does this)`,
    );
  }
}
