import { DRIFT_SCENARIOS, datasetCsvColumns, generateCustomers, writeCsv } from '@churn/ml';
import type { Command } from '../args.js';
import { assertWritable, printResult } from '../io.js';
import { Progress } from '../progress.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Write a realistic synthetic customer table (customer_id, 21 features, churned).',
  options: {
    rows: {
      type: 'int',
      description: 'Number of customers',
      default: 10000,
      min: 1,
      max: 50_000_000,
      value: 'N',
    },
    seed: {
      type: 'int',
      description: 'Random seed (same seed, same table)',
      default: 42,
      min: 0,
      max: 2 ** 32 - 1,
      value: 'S',
    },
    out: { type: 'string', description: 'Output CSV file', required: true, value: 'FILE' },
    drift: {
      type: 'string',
      description: 'Drift scenario',
      default: 'none',
      choices: Object.keys(DRIFT_SCENARIOS),
      value: 'SCENARIO',
    },
    json: { type: 'boolean', description: 'Print a JSON summary' },
  },
  async run(o) {
    const out = o.out as string;
    await assertWritable(out);
    const started = performance.now();
    const rows = o.rows as number;
    const ds = generateCustomers({ rows, seed: o.seed as number, drift: o.drift as string });
    const bar = new Progress('writing', rows);
    await writeCsv(out, datasetCsvColumns(ds), ds.nRows, (n) => bar.update(n));
    bar.done();
    let positives = 0;
    for (const v of ds.target!) positives += v;
    const summary = {
      out,
      rows,
      seed: o.seed,
      drift: o.drift,
      churn_rate: positives / rows,
      seconds: (performance.now() - started) / 1000,
    };
    printResult(
      Boolean(o.json),
      summary,
      () =>
        `wrote ${rows} customers to ${out} (churn rate ${(summary.churn_rate * 100).toFixed(1)} %, drift ${o.drift}) in ${summary.seconds.toFixed(2)} s`,
    );
  },
};
