import {
  CUSTOMER_SCHEMA,
  type Dataset,
  type DriftReport,
  detectDrift,
  isDataError,
  loadCsv,
  prepareDriftReference,
  type TableSchema,
} from '@churn/ml';
import { ChurnError } from '../../errors/index.js';
import type { Command } from '../args.js';
import { readHeader } from '../data-files.js';
import { assertReadable, printResult } from '../io.js';

/** Load one side, naming the file (and the line and column the loader names) on bad data. */
async function load(
  path: string,
  schema: TableSchema | undefined,
): Promise<{ dataset: Dataset; schema: TableSchema }> {
  try {
    const { dataset, schema: used } = await loadCsv(path, { schema });
    return { dataset, schema: used };
  } catch (err) {
    if (isDataError(err)) throw new ChurnError('CHURN_ERR_BAD_DATA', `${path}: ${err.message}`);
    throw err;
  }
}

/** Both files must have the same columns (order may differ). */
function compareHeaders(refPath: string, ref: string[], curPath: string, cur: string[]): void {
  const r = new Set(ref);
  const c = new Set(cur);
  const onlyRef = ref.find((h) => !c.has(h));
  if (onlyRef !== undefined)
    throw new ChurnError('CHURN_ERR_BAD_DATA', `${curPath}: column "${onlyRef}" of ${refPath} is missing`);
  const onlyCur = cur.find((h) => !r.has(h));
  if (onlyCur !== undefined)
    throw new ChurnError('CHURN_ERR_BAD_DATA', `${curPath}: column "${onlyCur}" is not in ${refPath}`);
}

const num = (v: number, digits = 4): string =>
  Number.isNaN(v)
    ? '-'
    : Math.abs(v) > 0 && Math.abs(v) < 10 ** -digits
      ? v.toExponential(1)
      : v.toFixed(digits);

function table(report: DriftReport): string {
  const w = Math.max(7, ...report.features.map((f) => f.name.length));
  const lines = [
    `${'feature'.padEnd(w)}  test  statistic  p-value    p-adj      PSI     drift`,
    ...report.features.map(
      (f) =>
        `${f.name.padEnd(w)}  ${f.test.padEnd(4)}  ${num(f.statistic).padStart(9)}  ${num(f.p_value).padEnd(9)}  ${num(f.p_adjusted).padEnd(9)}  ${num(f.psi, 3).padStart(6)}  ${f.drift ? 'DRIFT' : ''}`,
    ),
    '',
    `severity: ${report.severity} (${report.summary}; ${report.correction} correction, alpha ${report.alpha}, minimum effect ${report.min_effect})`,
  ];
  return lines.join('\n');
}

export const driftCommand: Command = {
  name: 'drift',
  summary: 'Compare two tables feature by feature (KS, chi-square, PSI) and rate the drift.',
  options: {
    reference: {
      type: 'string',
      description: 'Reference CSV (e.g. the training data)',
      required: true,
      value: 'FILE',
    },
    current: {
      type: 'string',
      description: 'Current CSV (e.g. recent customers)',
      required: true,
      value: 'FILE',
    },
    schema: {
      type: 'string',
      description: 'Schema: customer, or infer from the reference (default: customer when the columns match)',
      choices: ['customer', 'infer'],
      value: 'NAME',
    },
    correction: {
      type: 'string',
      description: 'Multiple-testing correction',
      default: 'bonferroni',
      choices: ['bonferroni', 'benjamini-hochberg', 'none'],
      value: 'NAME',
    },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run(o) {
    const refPath = o.reference as string;
    const curPath = o.current as string;
    await assertReadable(refPath, 'reference');
    await assertReadable(curPath, 'current');
    const refHeader = await readHeader(refPath);
    compareHeaders(refPath, refHeader, curPath, await readHeader(curPath));
    const header = new Set(refHeader);
    const isCustomer = CUSTOMER_SCHEMA.features.every((f) => header.has(f.name));
    const mode = (o.schema as string | undefined) ?? (isCustomer ? 'customer' : 'infer');
    if (mode === 'customer' && !isCustomer) {
      const missing = CUSTOMER_SCHEMA.features.find((f) => !header.has(f.name))!.name;
      throw new ChurnError(
        'CHURN_ERR_BAD_DATA',
        `${refPath}: column "${missing}" of the customer schema is missing`,
      );
    }
    // The label is not a feature: the customer schema leaves it out; an inferred schema keeps
    // every column but the identifier, so the label's own drift shows too.
    const declared = mode === 'customer' ? { ...CUSTOMER_SCHEMA, target: undefined } : undefined;
    const ref = await load(refPath, declared);
    const cur = await load(curPath, ref.schema);
    const report = detectDrift(prepareDriftReference(ref.dataset), cur.dataset, {
      correction: o.correction as 'bonferroni' | 'benjamini-hochberg' | 'none',
    });
    const out = {
      reference: refPath,
      current: curPath,
      schema: mode === 'customer' ? 'customer' : 'inferred',
      rows: report.rows,
      severity: report.severity,
      summary: report.summary,
      drifted: report.drifted,
      correction: report.correction,
      alpha: report.alpha,
      min_effect: report.min_effect,
      features: report.features.map((f) => ({
        name: f.name,
        test: f.test,
        statistic: f.statistic,
        p_value: f.p_value,
        p_adjusted: f.p_adjusted,
        psi: f.psi,
        effect: f.effect,
        drift: f.drift,
      })),
    };
    printResult(Boolean(o.json), out, () => table(report));
  },
};
