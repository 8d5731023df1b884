/**
 * The declarative description of a table: identifier, label and features with their types,
 * units, valid ranges and categories. One schema drives validation, training, the dashboard's
 * form and the API docs; it is either declared (the customer schema) or inferred from a CSV.
 */

export interface NumericFeature {
  readonly kind: 'numeric';
  readonly name: string;
  /** Human label, e.g. "Days since last order". */
  readonly label?: string;
  /** One-line description for docs and forms. */
  readonly description?: string;
  /** Unit, e.g. "days", "USD", "ratio". */
  readonly unit?: string;
  /** Inclusive valid range; values outside are rejected by validation and flagged by monitors. */
  readonly min?: number;
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
}

export interface CategoricalFeature {
  readonly kind: 'categorical';
  readonly name: string;
  readonly label?: string;
  readonly description?: string;
  /** Known categories; an unseen one is scored (as missing) and flagged, never refused. */
  readonly categories: readonly string[];
}

export type FeatureSpec = NumericFeature | CategoricalFeature;

/**
 * How to say in plain words what a feature's value means for a customer: `above` / `below` the
 * typical value (numeric), `is` (categorical), `missing`. Placeholders: {value}, {typical}.
 */
export interface ReasonTemplate {
  readonly above?: string;
  readonly below?: string;
  readonly is?: string;
  readonly missing?: string;
}

export interface TableSchema {
  /** Identifier column (kept out of the features), e.g. customer_id. */
  readonly id?: string;
  /** Label column, e.g. churned. */
  readonly target?: string;
  /** Target value counted as the positive class when the label is text (e.g. "Yes"). */
  readonly positiveLabel?: string;
  readonly features: readonly FeatureSpec[];
  /** Plain-language reason templates by feature name (optional; generic wording otherwise). */
  readonly reasons?: Readonly<Record<string, ReasonTemplate>>;
}

/** The names of a schema's features, in order. */
export function featureNames(schema: TableSchema): string[] {
  return schema.features.map((f) => f.name);
}

/**
 * A stable fingerprint of the feature layout (names, kinds, categories) used to refuse a model
 * file that was trained on another schema.
 */
export function schemaFingerprint(schema: Pick<TableSchema, 'features'>): string {
  const text = schema.features
    .map((f) => (f.kind === 'numeric' ? `${f.name}:n` : `${f.name}:c[${f.categories.join('|')}]`))
    .join(';');
  // FNV-1a 32-bit, hex: enough to tell layouts apart, no crypto dependency in the ML package.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
