import {
  assertDatasetColumns,
  type ChurnModel,
  type CsvColumn,
  csvField,
  type Dataset,
  type LoadResult,
} from '@churn/ml';
import { ChurnError } from '../errors/index.js';
import type { OptionSpec, ParsedOptions } from './args.js';
import { loadTable } from './data-files.js';
import { assertWritable } from './io.js';
import { readModelFile } from './model-files.js';

/** The options of the commands that run a model over a CSV table (`predict`, `explain`). */
export function scoringOptions(rows: string): Record<string, OptionSpec> {
  return {
    model: { type: 'string', description: 'Model file', required: true, value: 'FILE' },
    data: { type: 'string', description: rows, required: true, value: 'FILE' },
    out: { type: 'string', description: 'Output CSV file', required: true, value: 'FILE' },
    json: { type: 'boolean', description: 'Print a JSON summary' },
  };
}

/**
 * What those commands start from: the output path (checked writable before any work), the model,
 * and the table read with the model's schema and checked against its features, every problem a
 * CHURN_ERR_BAD_DATA naming the file.
 */
export async function readScoringInput(
  o: ParsedOptions,
): Promise<LoadResult & { readonly out: string; readonly model: ChurnModel }> {
  const out = o.out as string;
  await assertWritable(out);
  const model = await readModelFile(o.model as string);
  const loaded = await loadTable(o.data as string, { schema: model.schema, requireTarget: false });
  try {
    assertDatasetColumns(model, loaded.dataset);
  } catch (err) {
    throw new ChurnError('CHURN_ERR_BAD_DATA', `--data ${o.data as string}: ${(err as Error).message}`);
  }
  return { ...loaded, out, model };
}

/**
 * The input's identifier column, to lead the output (one output row per input row, same order),
 * quoted as CSV needs: an id may hold a comma or a quote. Empty when the input has none.
 */
export function idColumns(dataset: Dataset): CsvColumn[] {
  const { ids, idName } = dataset;
  return ids && idName ? [{ name: idName, cell: (i) => csvField(ids[i]) }] : [];
}
