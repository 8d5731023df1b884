import { type Algorithm, DRIFT_SCENARIOS, type TrainOptions } from '@churn/ml';
import { ChurnError, type ErrorDetail } from '../errors/index.js';

/** Learner parameters a training request may set; every one is optional. */
export interface TrainingParams {
  /** Trees (forest) or boosting rounds; default 100 / 200. */
  readonly trees?: number;
  /** Maximum tree depth; default 15 / 6. */
  readonly max_depth?: number;
  /** Boosting only: learning rate in (0, 1]; default 0.1. */
  readonly learning_rate?: number;
  /** Forest only: minimum samples per leaf; default 1. */
  readonly min_samples_leaf?: number;
  /** Boosting only: row subsampling per round in (0, 1]. */
  readonly subsample?: number;
  /** Boosting only: column subsampling per tree in (0, 1]. */
  readonly colsample_bytree?: number;
  /** Boosting only: weight of positive rows. */
  readonly scale_pos_weight?: number;
  /** Boosting only: stop after this many rounds without validation gain (needs a validation share). */
  readonly early_stopping?: number;
  /** Share of rows held out for metrics; default 0 for the forest (out-of-bag), 0.1 for boosting. */
  readonly validation_fraction?: number;
  /** Random seed; default 42. */
  readonly seed?: number;
}

/** A generated table: `rows` synthetic customers for `seed`, optionally under a drift scenario. */
export interface GeneratedDatasetSpec {
  readonly rows: number;
  readonly seed: number;
  /** A drift scenario name (see DRIFT_SCENARIOS); default `none`. */
  readonly scenario?: string;
}

/**
 * What to train: the body of `POST /v1/models`, and the argument of `TrainingService.submit`.
 * Exactly one of `dataset_id` (a stored dataset) and `dataset` (a table to generate and store).
 */
export interface TrainingRequest {
  readonly dataset_id?: string;
  readonly dataset?: GeneratedDatasetSpec;
  readonly algorithm: Algorithm;
  readonly params?: TrainingParams;
  /** Target column; default `churned`. */
  readonly target?: string;
  /** Target value meaning churned (e.g. `Yes`); default inferred. */
  readonly positive_label?: string;
  /** Parent version for the lineage; default the champion at submission. */
  readonly parent?: number;
  readonly description?: string;
  /** Point this alias at the new version when training succeeds. */
  readonly set_alias?: 'challenger';
}

const FOREST_ONLY = ['min_samples_leaf'] as const;
const BOOSTING_ONLY = [
  'learning_rate',
  'subsample',
  'colsample_bytree',
  'scale_pos_weight',
  'early_stopping',
] as const;

/** Rows a generated dataset may have (bounded: the table is built and kept in memory). */
export const MAX_GENERATED_ROWS = 200_000;

/** JSON Schema of a generated dataset spec. */
export const generatedDatasetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rows', 'seed'],
  properties: {
    rows: { type: 'integer', minimum: 100, maximum: MAX_GENERATED_ROWS },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 32 - 1 },
    scenario: { type: 'string', enum: Object.keys(DRIFT_SCENARIOS) },
  },
} as const;

/** JSON Schema of `POST /v1/models` (validation and OpenAPI). */
export const trainingRequestSchema = {
  type: 'object',
  additionalProperties: false,
  // Exactly one of dataset_id and dataset: checked by checkTrainingRequest, with a field path.
  required: ['algorithm'],
  properties: {
    dataset_id: { type: 'string', format: 'uuid', description: 'A stored dataset (POST /v1/datasets)' },
    dataset: { ...generatedDatasetSchema, description: 'Generate (and store) a synthetic table instead' },
    algorithm: { type: 'string', enum: ['random-forest', 'gradient-boosting'] },
    params: {
      type: 'object',
      additionalProperties: false,
      properties: {
        trees: { type: 'integer', minimum: 1, maximum: 5000 },
        max_depth: { type: 'integer', minimum: 1, maximum: 64 },
        learning_rate: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        min_samples_leaf: { type: 'integer', minimum: 1, maximum: 100_000 },
        subsample: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        colsample_bytree: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        scale_pos_weight: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
        early_stopping: { type: 'integer', minimum: 1, maximum: 1000 },
        validation_fraction: { type: 'number', minimum: 0, maximum: 0.9 },
        seed: { type: 'integer', minimum: 0, maximum: 2 ** 32 - 1 },
      },
    },
    target: { type: 'string', minLength: 1, maxLength: 200 },
    positive_label: { type: 'string', minLength: 1, maxLength: 200 },
    parent: { type: 'integer', minimum: 1 },
    description: { type: 'string', maxLength: 500 },
    set_alias: { type: 'string', enum: ['challenger'] },
  },
} as const;

interface PropertySchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly properties?: Readonly<Record<string, PropertySchema>>;
  readonly required?: readonly string[];
}

/**
 * The schema's checks for callers that do not come through HTTP (where Fastify validates the
 * body first): types, enums, ranges and unknown fields of the request, its params and its
 * dataset spec. Only the keywords the request schema uses are implemented.
 */
function schemaProblems(value: unknown, schema: PropertySchema, path: string, out: ErrorDetail[]): void {
  if (schema.type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.push({ path, message: 'must be object' });
      return;
    }
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? [])
      if (record[name] === undefined) out.push({ path: `${path}/${name}`, message: 'is required' });
    for (const [name, v] of Object.entries(record)) {
      const sub = schema.properties?.[name];
      if (v === undefined) continue;
      if (!sub) out.push({ path: `${path}/${name}`, message: 'is not an accepted field' });
      else schemaProblems(v, sub, `${path}/${name}`, out);
    }
    return;
  }
  const at = (message: string) => out.push({ path, message });
  if (schema.type === 'string' && typeof value !== 'string') return void at('must be string');
  if (schema.type === 'integer' && !Number.isInteger(value)) return void at('must be integer');
  if (schema.type === 'number' && (typeof value !== 'number' || !Number.isFinite(value)))
    return void at('must be number');
  if (schema.enum && !schema.enum.includes(value))
    return void at(`must be equal to one of the allowed values: ${schema.enum.join(', ')}`);
  if (typeof value !== 'number') return;
  if (schema.minimum !== undefined && value < schema.minimum) at(`must be >= ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) at(`must be <= ${schema.maximum}`);
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
    at(`must be > ${schema.exclusiveMinimum}`);
}

/**
 * Check a training request completely: what the JSON Schema says (again, for programmatic
 * callers) and what it cannot express (parameters of the other learner, early stopping without
 * a validation share, exactly one dataset). Throws CHURN_ERR_VALIDATION with every field path.
 */
export function checkTrainingRequest(request: TrainingRequest): void {
  const problems: ErrorDetail[] = [];
  schemaProblems(request, trainingRequestSchema as PropertySchema, '', problems);
  const params = request.params ?? {};
  const other: readonly string[] = request.algorithm === 'random-forest' ? BOOSTING_ONLY : FOREST_ONLY;
  for (const name of other) {
    if (params[name as keyof TrainingParams] !== undefined)
      problems.push({ path: `/params/${name}`, message: `does not apply to ${request.algorithm}` });
  }
  if (params.early_stopping !== undefined && validationFraction(request) === 0) {
    problems.push({ path: '/params/early_stopping', message: 'needs validation_fraction > 0' });
  }
  if ((request.dataset_id === undefined) === (request.dataset === undefined)) {
    problems.push({ path: '/dataset_id', message: 'give exactly one of dataset_id and dataset' });
  }
  if (problems.length > 0) {
    throw new ChurnError(
      'CHURN_ERR_VALIDATION',
      `invalid training request: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  }
}

function validationFraction(request: TrainingRequest): number {
  return request.params?.validation_fraction ?? (request.algorithm === 'gradient-boosting' ? 0.1 : 0);
}

/** The learner options of a request, for `trainModel` (progress callback added by the caller). */
export function trainOptions(
  algorithm: Algorithm,
  params: TrainingParams,
  threads: number,
): Omit<TrainOptions, 'onProgress'> {
  const defined = <T extends object>(obj: T): Partial<T> =>
    Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    algorithm,
    validationFraction: validationFraction({ algorithm, params }),
    forest: defined({
      nTrees: params.trees,
      maxDepth: params.max_depth,
      minSamplesLeaf: params.min_samples_leaf,
      seed: params.seed,
      threads,
    }),
    boosting: defined({
      nRounds: params.trees,
      maxDepth: params.max_depth,
      learningRate: params.learning_rate,
      subsample: params.subsample,
      colsampleByTree: params.colsample_bytree,
      scalePosWeight: params.scale_pos_weight,
      earlyStoppingRounds: params.early_stopping,
      seed: params.seed,
      threads,
    }),
  };
}
