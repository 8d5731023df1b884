import type { Dataset } from '../data/dataset.js';
import type { ChurnModel } from '../model/model.js';

/*
 * Refuse to explain what does not fit: a model file whose binning (the feature layout the trees
 * index) disagrees with its declared schema, or a dataset without the model's columns. Both report
 * every problem at once, naming the columns.
 */

/** Which check failed: the model file itself, or the data given to it. */
export type ExplainInputProblem = 'model-schema' | 'dataset-columns';

/** A model or dataset that cannot be explained; `problems` name each column at fault. */
export class ExplainInputError extends Error {
  readonly kind: ExplainInputProblem;
  readonly problems: readonly string[];

  constructor(kind: ExplainInputProblem, problems: readonly string[]) {
    const what =
      kind === 'model-schema'
        ? "the model's binning disagrees with its schema"
        : 'the data does not fit the model';
    super(`${what}: ${problems.join('; ')}`);
    this.name = 'ExplainInputError';
    this.kind = kind;
    this.problems = problems;
  }
}

/**
 * Problems between a model's `binning` (names and kinds, in the order the trees index them) and
 * its `schema.features`: missing or extra features, another order, another kind. Empty when they
 * agree.
 */
export function modelSchemaProblems(model: ChurnModel): string[] {
  const problems: string[] = [];
  const binning = model.binning ?? [];
  const features = model.schema?.features ?? [];
  const declared = new Map(features.map((f, i) => [f.name, { kind: f.kind, index: i }] as const));
  const binned = new Set(binning.map((b) => b.name));
  binning.forEach((b, i) => {
    const spec = declared.get(b.name);
    if (!spec) problems.push(`feature "${b.name}" is binned but not in the schema`);
    else if (spec.kind !== b.kind)
      problems.push(`feature "${b.name}" is ${b.kind} in the binning but ${spec.kind} in the schema`);
    else if (spec.index !== i)
      problems.push(`feature "${b.name}" is at position ${i} in the binning but ${spec.index} in the schema`);
  });
  for (const f of features)
    if (!binned.has(f.name)) problems.push(`feature "${f.name}" is in the schema but not binned`);
  let maxFeature = -1;
  for (const t of model.trees) for (const f of t.feature) maxFeature = Math.max(maxFeature, f);
  if (maxFeature >= binning.length)
    problems.push(`trees split on feature ${maxFeature}, the binning has ${binning.length}`);
  return problems;
}

/** Throw an {@link ExplainInputError} when {@link modelSchemaProblems} finds any. */
export function assertModelSchema(model: ChurnModel): void {
  const problems = modelSchemaProblems(model);
  if (problems.length > 0) throw new ExplainInputError('model-schema', problems);
}

/**
 * Problems between a dataset's columns and the model's features (matched by name): missing
 * columns and columns of the wrong kind. Extra columns are fine. Empty when the data fits.
 */
export function datasetColumnProblems(model: ChurnModel, ds: Dataset): string[] {
  const byName = new Map(ds.columns.map((c) => [c.name, c] as const));
  const missing: string[] = [];
  const problems: string[] = [];
  for (const b of model.binning) {
    const col = byName.get(b.name);
    if (!col) missing.push(b.name);
    else if (col.kind !== b.kind) problems.push(`column "${b.name}" must be ${b.kind}, it is ${col.kind}`);
  }
  if (missing.length > 0) {
    problems.unshift(
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
    );
  }
  return problems;
}

/** Throw an {@link ExplainInputError} when {@link datasetColumnProblems} finds any. */
export function assertDatasetColumns(model: ChurnModel, ds: Dataset): void {
  const problems = datasetColumnProblems(model, ds);
  if (problems.length > 0) throw new ExplainInputError('dataset-columns', problems);
}
