import { assertModelSchema, type ChurnModel, loadModel } from '@churn/ml';
import { ChurnError } from '../errors/index.js';
import { assertReadable } from './io.js';

/**
 * Read the model file of `--model`: a missing file is CHURN_ERR_IO, a file that is not a model
 * CHURN_ERR_VALIDATION, a model whose binning disagrees with its schema CHURN_ERR_MODEL_MISMATCH —
 * bad input (exit 2) in every case, never an internal error.
 */
export async function readModelFile(path: string): Promise<ChurnModel> {
  await assertReadable(path, 'model');
  let model: ChurnModel;
  try {
    model = await loadModel(path);
  } catch (err) {
    if ((err as { code?: string }).code) throw err;
    throw new ChurnError('CHURN_ERR_VALIDATION', `--model ${path}: ${(err as Error).message}`);
  }
  try {
    assertModelSchema(model);
  } catch (err) {
    throw new ChurnError('CHURN_ERR_MODEL_MISMATCH', `--model ${path}: ${(err as Error).message}`);
  }
  return model;
}
