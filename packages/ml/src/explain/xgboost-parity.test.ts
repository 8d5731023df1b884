import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column } from '../data/dataset.js';
import type { ChurnModel } from '../model/model.js';
import { type EncodedRows, encodeDataset } from '../model/predict.js';
import { trainModel } from '../model/train.js';
import { toXGBoostJsonString } from '../model/xgboost-export.js';
import { CUSTOMER_SCHEMA } from '../schema/customer-schema.js';
import { generateCustomers } from '../synth/index.js';
import { TreeExplainer } from './tree-explainer.js';

/*
 * Parity with XGBoost's own TreeSHAP (`predict(pred_contribs=True)`): export a boosting model in
 * XGBoost's format, score the same encoded rows with the venv's xgboost (bench/python/
 * xgb_parity.py, as model/xgboost-export.test.ts does) and compare every feature's value and the
 * bias column. XGBoost holds leaf values and covers as float32, hence the 1e-5 tolerance. Needs
 * Python + xgboost via scripts/pyenv.sh; when they are unavailable the suite fails (no skip).
 */

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const PARITY_SCRIPT = join(REPO, 'bench/python/xgb_parity.py');

let python = '';
let dir = '';
let model: ChurnModel;

beforeAll(async () => {
  python = execFileSync('bash', [join(REPO, 'scripts/pyenv.sh')], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
  dir = mkdtempSync(join(tmpdir(), 'churn-shap-parity-'));
  model = await trainModel(generateCustomers({ rows: 3000, seed: 31 }), CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 30, maxDepth: 6, threads: 1 },
  });
}, 900_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Encoded rows as CSV: feature-name header, shortest round-trip numbers, '' = missing. */
function writeRows(path: string, rows: EncodedRows): void {
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

describe('TreeSHAP parity with xgboost pred_contribs', () => {
  it('gives the same per-feature values and bias, incl. missing values and unseen categories', () => {
    const ds = generateCustomers({ rows: 400, seed: 32 });
    const columns = ds.columns.map((c): Column => {
      if (c.kind === 'categorical' && c.name === 'shipping_method') {
        const codes = Int32Array.from(c.codes);
        for (let i = 0; i < codes.length; i += 9) codes[i] = i % 2 ? -1 : c.categories.length;
        return { ...c, codes, categories: [...c.categories, 'drone'] };
      }
      if (c.kind === 'numeric' && c.name === 'total_orders') {
        const values = Float64Array.from(c.values);
        for (let i = 4; i < values.length; i += 6) values[i] = Number.NaN;
        return { ...c, values };
      }
      return c;
    });
    const rows = encodeDataset(model, { ...ds, columns });
    expect(rows.missingRows).toBeGreaterThan(0);
    expect(rows.unseenCategories.shipping_method).toBeGreaterThan(0);

    const modelPath = join(dir, 'model.json');
    const rowsPath = join(dir, 'rows.csv');
    writeFileSync(modelPath, toXGBoostJsonString(model));
    writeRows(rowsPath, rows);
    const stdout = execFileSync(python, [PARITY_SCRIPT, modelPath, rowsPath, '--contribs'], {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = JSON.parse(stdout) as { feature_names: string[]; contribs: number[][] };
    expect(out.feature_names).toEqual(model.binning.map((b) => b.name));

    const explainer = new TreeExplainer(model);
    const values = explainer.shapBatch(rows);
    const nF = rows.nFeatures;
    expect(out.contribs).toHaveLength(rows.nRows);
    let worst = 0;
    let worstBias = 0;
    let nonZero = 0;
    for (let i = 0; i < rows.nRows; i++) {
      const c = out.contribs[i];
      expect(c).toHaveLength(nF + 1);
      for (let f = 0; f < nF; f++) {
        worst = Math.max(worst, Math.abs(c[f] - values[i * nF + f]));
        if (Math.abs(c[f]) > 1e-3) nonZero++;
      }
      worstBias = Math.max(worstBias, Math.abs(c[nF] - explainer.expectedValue));
    }
    expect(nonZero).toBeGreaterThan(rows.nRows * 5);
    expect(worst).toBeLessThan(1e-5);
    expect(worstBias).toBeLessThan(1e-5);
  });
});
