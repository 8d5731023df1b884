import { ChurnError, type ErrorDetail } from '../errors/index.js';

export type StrategyKind = 'single' | 'shadow' | 'canary' | 'blue_green';
export const STRATEGY_KINDS: readonly StrategyKind[] = ['single', 'shadow', 'canary', 'blue_green'];

/**
 * What the router does, as stored and as set by `PUT /v1/routing`: one strategy at a time, with
 * the model versions it uses.
 */
export type RoutingSpec =
  | { readonly strategy: 'single'; readonly champion: number }
  /** The champion answers; the challenger scores every request off the response path. */
  | { readonly strategy: 'shadow'; readonly champion: number; readonly challenger: number }
  /** `percent` of customers (sticky by customer id) are answered by the challenger. */
  | {
      readonly strategy: 'canary';
      readonly champion: number;
      readonly challenger: number;
      readonly percent: number;
    }
  /** Both versions loaded and warm; the active color answers, the other stands by. */
  | {
      readonly strategy: 'blue_green';
      readonly blue: number;
      readonly green: number;
      readonly active: 'blue' | 'green';
    };

/** The spec with its generation and who set it: what a process applies. */
export interface RoutingState {
  readonly generation: number;
  readonly spec: RoutingSpec;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly reason: string;
}

/** The version that answers most customers (the champion alias follows it). */
export function servingVersion(spec: RoutingSpec): number {
  return spec.strategy === 'blue_green' ? spec[spec.active] : spec.champion;
}

/** The other version the spec uses (challenger, or blue-green standby), if any. */
export function candidateVersion(spec: RoutingSpec): number | null {
  if (spec.strategy === 'single') return null;
  if (spec.strategy === 'blue_green') return spec[spec.active === 'blue' ? 'green' : 'blue'];
  return spec.challenger;
}

/** Every version a spec needs loaded. */
export function specVersions(spec: RoutingSpec): number[] {
  const c = candidateVersion(spec);
  return c === null ? [servingVersion(spec)] : [servingVersion(spec), c];
}

/** The body of `PUT /v1/routing` (snake case, every field but `strategy` optional). */
export interface RoutingRequest {
  readonly strategy: StrategyKind;
  readonly champion?: number;
  readonly challenger?: number;
  readonly percent?: number;
  readonly blue?: number;
  readonly green?: number;
  readonly active?: 'blue' | 'green';
  readonly reason?: string;
}

/**
 * Turn a request into a spec. Versions left out default to the current aliases (champion and
 * challenger), so `{ "strategy": "canary", "percent": 10 }` canaries the challenger; blue and
 * green default to the current blue-green versions when the router is blue-green already, so
 * `{ "strategy": "blue_green", "active": "green" }` is a switch. Every problem
 * is reported at once, with its field path; unknown versions are checked against `exists`.
 */
export function resolveSpec(
  req: RoutingRequest,
  aliases: Readonly<Record<string, number>>,
  exists: (version: number) => boolean,
  current?: RoutingSpec,
): RoutingSpec {
  const problems: ErrorDetail[] = [];
  const version = (field: keyof RoutingRequest, fallback: number | undefined): number => {
    const v = (req[field] as number | undefined) ?? fallback;
    if (v === undefined) {
      const why = fallback === undefined && req[field] === undefined ? ' (and no alias to default to)' : '';
      problems.push({ path: `/${field}`, message: `is required for ${req.strategy}${why}` });
      return 0;
    }
    if (!exists(v)) problems.push({ path: `/${field}`, message: `model version ${v} does not exist` });
    return v;
  };
  const fields: Record<StrategyKind, readonly (keyof RoutingRequest)[]> = {
    single: ['champion'],
    shadow: ['champion', 'challenger'],
    canary: ['champion', 'challenger', 'percent'],
    blue_green: ['blue', 'green', 'active'],
  };
  for (const f of ['champion', 'challenger', 'percent', 'blue', 'green', 'active'] as const) {
    if (req[f] !== undefined && !fields[req.strategy].includes(f))
      problems.push({ path: `/${f}`, message: `is not used by the ${req.strategy} strategy` });
  }
  let spec: RoutingSpec;
  switch (req.strategy) {
    case 'single':
      spec = { strategy: 'single', champion: version('champion', aliases.champion) };
      break;
    case 'shadow':
    case 'canary': {
      const champion = version('champion', aliases.champion);
      const defaultChallenger = aliases.challenger !== champion ? aliases.challenger : undefined;
      const challenger = version('challenger', defaultChallenger);
      if (champion === challenger && champion !== 0)
        problems.push({ path: '/challenger', message: 'must differ from the champion' });
      if (req.strategy === 'shadow') spec = { strategy: 'shadow', champion, challenger };
      else {
        const percent = req.percent;
        if (percent === undefined) problems.push({ path: '/percent', message: 'is required for canary' });
        spec = { strategy: 'canary', champion, challenger, percent: percent ?? 0 };
      }
      break;
    }
    case 'blue_green': {
      // Flipping `active` alone keeps the colors' versions (the aliases follow the active one).
      const colors = current?.strategy === 'blue_green' ? current : null;
      const blue = version('blue', colors ? colors.blue : aliases.champion);
      const fallbackGreen = colors ? colors.green : aliases.challenger;
      const green = version('green', fallbackGreen !== blue ? fallbackGreen : undefined);
      if (blue === green && blue !== 0) problems.push({ path: '/green', message: 'must differ from blue' });
      spec = { strategy: 'blue_green', blue, green, active: req.active ?? 'blue' };
      break;
    }
  }
  if (problems.length > 0) {
    throw new ChurnError(
      'CHURN_ERR_VALIDATION',
      `invalid routing: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return spec;
}

/** The spec as the API shows it (snake case, the versions each strategy uses). */
export function specJson(spec: RoutingSpec): Record<string, unknown> {
  return { ...spec };
}

/** Read a spec back from its stored JSON (trusted: written by this module). */
export function specFromJson(json: unknown): RoutingSpec {
  const o = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>;
  const n = (k: string) => Number(o[k]);
  switch (o.strategy) {
    case 'single':
      return { strategy: 'single', champion: n('champion') };
    case 'shadow':
      return { strategy: 'shadow', champion: n('champion'), challenger: n('challenger') };
    case 'canary':
      return {
        strategy: 'canary',
        champion: n('champion'),
        challenger: n('challenger'),
        percent: n('percent'),
      };
    case 'blue_green':
      return {
        strategy: 'blue_green',
        blue: n('blue'),
        green: n('green'),
        active: o.active as 'blue' | 'green',
      };
    default:
      throw new Error(`unknown routing strategy in the database: ${String(o.strategy)}`);
  }
}
