import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChurnModel, EncodedRows } from '../src/model/index.js';
import { toXGBoostJsonString } from '../src/model/xgboost-export.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PARITY_SCRIPT = join(REPO, 'bench/python/xgb_parity.py');

/** What bench/python/xgb_parity.py prints. */
export interface ParityOutput {
  xgboost_version: string;
  feature_names: string[];
  probabilities: number[];
  margins?: number[];
  contribs?: number[][];
  leaves?: number[][];
  resave?: { path: string; max_abs_diff: number };
}

/** Encoded rows as CSV: header of feature names, numbers in shortest round-trip form, '' = missing. */
export function writeEncodedCsv(path: string, model: ChurnModel, rows: EncodedRows): void {
  const lines = [model.binning.map((b) => b.name).join(',')];
  for (let i = 0; i < rows.nRows; i++) {
    const cells: string[] = [];
    for (let f = 0; f < rows.nFeatures; f++) {
      const v = rows.x[i * rows.nFeatures + f];
      cells.push(Number.isNaN(v) ? '' : String(v));
    }
    lines.push(cells.join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/**
 * Runs exported models through the real xgboost in the project's virtualenv (scripts/pyenv.sh),
 * for the parity tests. Creating it throws, failing the suite, when Python or xgboost is missing:
 * these tests never skip.
 */
export class XGBoostHarness {
  private constructor(
    private readonly python: string,
    private readonly dir: string,
  ) {}

  /** May install the virtualenv on a cold machine. */
  static start(prefix: string): XGBoostHarness {
    const python = execFileSync('bash', [join(REPO, 'scripts/pyenv.sh')], {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    return new XGBoostHarness(python, mkdtempSync(join(tmpdir(), prefix)));
  }

  /** Export `model`, score `rows` with xgboost (extra `flags` such as --contribs), parse the output. */
  run(name: string, model: ChurnModel, rows: EncodedRows, flags: string[]): ParityOutput {
    const modelPath = join(this.dir, `${name}.json`);
    const csvPath = join(this.dir, `${name}.csv`);
    writeFileSync(modelPath, toXGBoostJsonString(model));
    writeEncodedCsv(csvPath, model, rows);
    const stdout = execFileSync(this.python, [PARITY_SCRIPT, modelPath, csvPath, ...flags], {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout) as ParityOutput;
  }

  /** A path in the harness's temporary folder. */
  path(name: string): string {
    return join(this.dir, name);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
