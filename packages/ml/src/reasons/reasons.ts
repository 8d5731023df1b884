import type { FeatureBinning } from '../binning/bin-mapper.js';
import type { FeatureProfile } from '../model/profile.js';
import type { FeatureSpec, TableSchema } from '../schema/feature-schema.js';

/** One factor behind a customer's risk, in numbers and in words. */
export interface Reason {
  readonly feature: string;
  readonly label: string;
  /** The customer's value (category name for categoricals), null when missing. */
  readonly value: number | string | null;
  /** The typical training customer's value (median or most frequent category). */
  readonly typical: number | string | null;
  /** SHAP contribution in the model's output space; > 0 raises the risk. */
  readonly contribution: number;
  readonly direction: 'raises' | 'lowers';
  readonly text: string;
}

export interface ReasonContext {
  readonly schema: TableSchema;
  readonly binning: readonly FeatureBinning[];
  readonly profile: readonly FeatureProfile[];
}

/** Format a value for people, using the feature's unit. */
export function formatValue(spec: FeatureSpec | undefined, v: number | string | null): string {
  if (v === null) return 'missing';
  if (typeof v === 'string') return v.replaceAll('_', ' ');
  if (spec?.kind === 'numeric') {
    if (spec.unit === 'ratio') return `${Math.round(v * 100)}%`;
    if (spec.unit === 'USD') return `$${v.toFixed(2)}`;
    if (spec.integer) return String(Math.round(v));
  }
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

/**
 * Words a model's reasons. Built once per model (the lookups by feature are prepared here), then
 * `top` costs a partial sort of the contributions and the text of the k reasons it returns: the
 * API calls it on every prediction.
 */
export class ReasonWriter {
  private readonly specs: (FeatureSpec | undefined)[];
  private readonly typicals: (number | string | null)[];

  constructor(private readonly ctx: ReasonContext) {
    const specs = new Map(ctx.schema.features.map((f) => [f.name, f] as const));
    const profiles = new Map(ctx.profile.map((p) => [p.feature, p] as const));
    this.specs = ctx.binning.map((fb) => specs.get(fb.name));
    this.typicals = ctx.binning.map((fb) => {
      const p = profiles.get(fb.name);
      const typical = p ? (p.kind === 'numeric' ? p.median : p.mode) : null;
      return typical === null || (typeof typical === 'number' && Number.isNaN(typical)) ? null : typical;
    });
  }

  /**
   * The top factors raising and lowering a customer's risk, from one encoded row and its SHAP
   * values, worded from the schema's templates ("No order for 94 days — typical customers last
   * ordered 21 days ago") or generically for inferred schemas.
   */
  top(
    x: ArrayLike<number>,
    offset: number,
    shap: ArrayLike<number>,
    k = 3,
  ): { raising: Reason[]; lowering: Reason[] } {
    const up: number[] = [];
    const down: number[] = [];
    for (let f = 0; f < this.specs.length; f++) {
      if (shap[f] > 0) up.push(f);
      else if (shap[f] < 0) down.push(f);
    }
    // Ties keep feature order, as a stable sort of all reasons did.
    up.sort((a, b) => shap[b] - shap[a] || a - b);
    down.sort((a, b) => shap[a] - shap[b] || a - b);
    return {
      raising: up.slice(0, k).map((f) => this.reason(x, offset, shap, f)),
      lowering: down.slice(0, k).map((f) => this.reason(x, offset, shap, f)),
    };
  }

  private reason(x: ArrayLike<number>, offset: number, shap: ArrayLike<number>, f: number): Reason {
    const fb = this.ctx.binning[f];
    const raw = x[offset + f];
    const value: number | string | null = Number.isNaN(raw)
      ? null
      : fb.kind === 'categorical'
        ? (fb.categories[raw] ?? null)
        : raw;
    const spec = this.specs[f];
    const typical = this.typicals[f];
    const contribution = shap[f];
    return {
      feature: fb.name,
      label: spec?.label ?? fb.name,
      value,
      typical,
      contribution,
      direction: contribution > 0 ? 'raises' : 'lowers',
      text: reasonText(this.ctx.schema, spec, fb.name, value, typical),
    };
  }
}

/** One-off form of {@link ReasonWriter.top}; prefer a writer kept with the model on hot paths. */
export function topReasons(
  ctx: ReasonContext,
  x: ArrayLike<number>,
  offset: number,
  shap: ArrayLike<number>,
  k = 3,
): { raising: Reason[]; lowering: Reason[] } {
  return new ReasonWriter(ctx).top(x, offset, shap, k);
}

function reasonText(
  schema: TableSchema,
  spec: FeatureSpec | undefined,
  name: string,
  value: number | string | null,
  typical: number | string | null,
): string {
  const t = schema.reasons?.[name];
  const label = spec?.label ?? name;
  const fill = (template: string) =>
    template
      .replaceAll('{value}', formatValue(spec, value))
      .replaceAll('{typical}', formatValue(spec, typical));
  if (value === null) return t?.missing ?? `${label} is unknown`;
  if (typeof value === 'string') return t?.is ? fill(t.is) : `${label}: ${formatValue(spec, value)}`;
  if (typeof typical === 'number' && !Number.isNaN(typical)) {
    if (value > typical && t?.above) return fill(t.above);
    if (value < typical && t?.below) return fill(t.below);
    // At the floor of the range (no open tickets, no failed payments) "below" reads right.
    if (value === typical && spec?.kind === 'numeric' && value === spec.min && t?.below) return fill(t.below);
    if (value === typical) return `${label} is ${formatValue(spec, value)}, as for a typical customer`;
    return `${label} is ${formatValue(spec, value)} (typical: ${formatValue(spec, typical)})`;
  }
  return `${label} is ${formatValue(spec, value)}`;
}
