import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { Metrics } from '../plugins/metrics.js';
import type { ModelRegistry } from '../registry/index.js';
import { type FeatureValues, type Score, Scorer } from '../scoring/index.js';
import { type HealthCheckResult, healthCheck, probeRows } from './health-check.js';
import type { ChangeNotifier } from './notifier.js';
import { ProbabilityScorer } from './probability-scorer.js';
import { conflict, RoutingStore } from './routing-store.js';
import { ShadowQueue } from './shadow-queue.js';
import { ShadowStats, type ShadowSummary } from './shadow-stats.js';
import {
  candidateVersion,
  type RoutingRequest,
  type RoutingSpec,
  type RoutingState,
  resolveSpec,
  servingVersion,
  specVersions,
} from './spec.js';
import { buildStrategy } from './strategies.js';
import type { RoutingStrategy } from './strategy.js';

/** How long a scorer dropped from the routing state stays usable by requests already holding it. */
const SCORER_CLOSE_GRACE_MS = 60_000;

/** An applied routing state: immutable, with its strategy's scorers loaded and warm. */
export interface RoutingSnapshot extends RoutingState {
  readonly strategy: RoutingStrategy;
  /** The comparison the shadow strategy feeds, else null. */
  readonly stats: ShadowStats | null;
  /** The shadow model's probability-only scorer, else null. */
  readonly shadowScorer: ProbabilityScorer | null;
}

export interface RoutingServiceOptions {
  readonly db: Database;
  readonly registry: ModelRegistry;
  readonly notifier: ChangeNotifier;
  readonly metrics?: Metrics;
  readonly log?: Logger;
  /** Safety-net poll of the state row, in ms (0: none). */
  readonly pollMs?: number;
  /** Most shadow scorings waiting; more are dropped (counted). */
  readonly shadowQueueSize?: number;
}

/** Who asks for a change and why, for the audit log. */
export interface ChangeContext {
  readonly actor: string;
  readonly reason?: string;
}

/**
 * The model router. It serves from one immutable {@link RoutingSnapshot}; a change loads and warms
 * every scorer the new state needs first, then swaps the one reference, so no request ever sees a
 * half-switched router. Changes are stored (state, history, aliases, audit) in one transaction and
 * announced to the other processes, which reload the state and apply it if it is newer; a poll
 * catches anything a lost notification missed.
 */
export class RoutingService {
  private current: RoutingSnapshot | null = null;
  private readonly scorers = new Map<number, Promise<Scorer>>();
  private readonly stats = new Map<string, ShadowStats>();
  private readonly listeners: ((s: RoutingSnapshot) => void)[] = [];
  private applying: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly store: RoutingStore;
  readonly shadowQueue: ShadowQueue;

  constructor(private readonly options: RoutingServiceOptions) {
    this.store = new RoutingStore(options.db);
    this.shadowQueue = new ShadowQueue(options.shadowQueueSize ?? 10_000, 16, () => {
      options.metrics?.shadowDropped.inc();
    });
    options.metrics?.onScrape(() => this.exportMetrics());
  }

  /** The snapshot requests are served from (null before a champion exists). */
  get snapshot(): RoutingSnapshot | null {
    return this.current;
  }

  /** Call `listener` after every applied change (and now, if a snapshot exists). */
  onApply(listener: (s: RoutingSnapshot) => void): void {
    this.listeners.push(listener);
    if (this.current) listener(this.current);
  }

  /** Apply the stored state (or the champion alone, if routing was never set) and start listening. */
  async start(): Promise<void> {
    const state = await this.store.current();
    if (state) await this.apply(state);
    else {
      const { champion } = await this.options.registry.aliases();
      if (champion !== undefined)
        await this.apply({
          generation: 0,
          spec: { strategy: 'single', champion },
          updatedAt: new Date().toISOString(),
          updatedBy: 'system',
          reason: 'no routing set: the champion serves',
        });
    }
    this.options.notifier.subscribe((generation) => {
      if (generation < 0 || generation > (this.current?.generation ?? -1)) void this.refresh();
    });
    const pollMs = this.options.pollMs ?? 2_000;
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.refresh(), pollMs);
      this.timer.unref();
    }
  }

  /** Queue the shadow scoring of a served request, if the snapshot shadows (never blocks). */
  shadow(snapshot: RoutingSnapshot, features: FeatureValues, served: Score): void {
    if (snapshot.shadowScorer && snapshot.stats)
      this.shadowQueue.enqueue(
        snapshot.shadowScorer,
        snapshot.stats,
        features,
        served.probability,
        served.riskLevel,
      );
  }

  /** The shadow comparison of the current pair, if shadowing. */
  shadowSummary(): ShadowSummary | null {
    return this.current?.stats?.summary() ?? null;
  }

  /** Every pair compared by this process since it started. */
  allShadowSummaries(): ShadowSummary[] {
    return [...this.stats.values()].map((s) => s.summary());
  }

  history(limit?: number) {
    return this.store.history(limit);
  }

  /** `PUT /v1/routing`: validate, load and warm the versions, store, apply, announce. */
  async set(req: RoutingRequest, by: ChangeContext): Promise<RoutingSnapshot> {
    const aliases = await this.options.registry.aliases();
    const versions = new Set((await this.options.registry.list()).map((m) => m.version));
    const spec = resolveSpec(req, aliases, (v) => versions.has(v), this.current?.spec);
    const scorers = await Promise.all(specVersions(spec).map((v) => this.scorer(v)));
    // Requests are validated against the schema the routes were built with: every routed model must share it.
    const reference = this.current?.strategy.primary ?? scorers[0];
    const names = (s: Scorer) => s.model.schema.features.map((f) => f.name).join(',');
    for (const s of scorers) {
      if (names(s) !== names(reference))
        throw new ChurnError(
          'CHURN_ERR_MODEL_MISMATCH',
          `model version ${s.version} has other features than v${reference.version}`,
          [{ path: `/${fieldOf(spec, s.version)}`, message: 'was trained on another schema' }],
        );
    }
    const state = await this.store.change('set', by.actor, by.reason ?? '', () => ({ spec }));
    return this.commit(state);
  }

  /**
   * `POST /v1/routing/promote`: health-check the candidate (the given version, else the
   * challenger or blue-green standby), then in one transaction make it the champion, the old
   * champion the challenger, and write the new routing state. Shadow stays shadow (roles swapped),
   * blue-green switches color, single and canary become single on the candidate.
   */
  async promote(
    version: number | undefined,
    by: ChangeContext,
  ): Promise<{ snapshot: RoutingSnapshot; check: HealthCheckResult }> {
    const snap = this.current;
    const aliases = await this.options.registry.aliases();
    const serving = snap ? servingVersion(snap.spec) : aliases.champion;
    const candidate = version ?? (snap ? candidateVersion(snap.spec) : null) ?? aliases.challenger;
    if (candidate === undefined || candidate === null || candidate === serving) {
      throw new ChurnError(
        'CHURN_ERR_CONFLICT',
        candidate === serving
          ? `model version ${candidate} already serves: nothing to promote`
          : 'nothing to promote: no challenger, standby or version given',
        [{ path: '/version', message: 'no candidate other than the serving version' }],
      );
    }
    if (!(await this.options.registry.list()).some((m) => m.version === candidate)) {
      throw new ChurnError('CHURN_ERR_VALIDATION', `model version ${candidate} does not exist`, [
        { path: '/version', message: `model version ${candidate} does not exist` },
      ]);
    }
    const scorer = await this.scorer(candidate);
    const champion = serving === undefined ? null : await this.scorer(serving);
    const probe = await probeRows(
      this.options.db,
      scorer.model.schema.features.map((f) => f.name),
    );
    const check = healthCheck(scorer, champion, probe);
    const state = await this.store.change('promote', by.actor, by.reason ?? '', ({ current }) => {
      const from = current?.spec;
      if (!from) return { spec: { strategy: 'single', champion: candidate } };
      const old = servingVersion(from);
      if (old === candidate) throw conflict(`model version ${candidate} already serves: nothing to promote`);
      return { spec: promotedSpec(from, candidate), aliases: { champion: candidate, challenger: old } };
    });
    return { snapshot: await this.commit(state), check };
  }

  /** `POST /v1/routing/rollback`: back to the state the current one replaced (aliases included). */
  async rollback(by: ChangeContext): Promise<RoutingSnapshot> {
    const state = await this.store.change(
      'rollback',
      by.actor,
      by.reason ?? '',
      async ({ current, entry }) => {
        const back = current?.previous === null || !current ? null : await entry(current.previous);
        if (!back) throw conflict('nothing to roll back to');
        return { spec: back.spec, previous: back.previous, aliases: back.aliases };
      },
    );
    return this.commit(state);
  }

  /** Re-read the stored generation and apply the state if it is newer (coalesces calls). */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          const generation = await this.store.generation();
          if (generation > (this.current?.generation ?? -1)) {
            const state = await this.store.current();
            if (state) await this.apply(state);
          }
        } while (this.refreshAgain);
      } catch (err) {
        this.options.log?.error({ err }, 'routing refresh failed');
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.options.notifier.close();
    await this.applying;
    const scorers = [...this.scorers.values()];
    this.scorers.clear();
    await Promise.all(scorers.map((p) => p.then((s) => s.close()).catch(() => {})));
  }

  private async commit(state: RoutingState): Promise<RoutingSnapshot> {
    const snap = await this.apply(state);
    await this.options.notifier
      .publish(state.generation)
      .catch((err: unknown) => this.options.log?.warn({ err }, 'routing change notification failed'));
    return snap;
  }

  /** Build the snapshot fully (scorers loaded and warm), then swap; never goes back a generation. */
  private apply(state: RoutingState): Promise<RoutingSnapshot> {
    const run = this.applying.then(async () => {
      const cur = this.current;
      if (cur && state.generation <= cur.generation) return cur;
      const versions = specVersions(state.spec);
      const loaded = new Map<number, Scorer>();
      for (const v of versions) loaded.set(v, await this.scorer(v));
      const strategy = buildStrategy(state.spec, (v) => loaded.get(v) as Scorer);
      const shadow = strategy.shadow;
      const stats = shadow ? this.statsFor(strategy.primary.version, shadow.version) : null;
      const shadowScorer = shadow
        ? cur?.shadowScorer?.model === shadow.model
          ? cur.shadowScorer
          : new ProbabilityScorer(shadow.model, shadow.version)
        : null;
      const snap: RoutingSnapshot = { ...state, strategy, stats, shadowScorer };
      this.current = snap;
      // Keep the previous state's scorers too: a rollback is then as instant as a switch.
      const keep = new Set([...versions, ...(cur ? specVersions(cur.spec) : [])]);
      for (const [v, p] of this.scorers) {
        if (keep.has(v)) continue;
        this.scorers.delete(v);
        // Requests that took the old snapshot may still be explaining with it: close it later.
        setTimeout(() => void p.then((s) => s.close()).catch(() => {}), SCORER_CLOSE_GRACE_MS).unref();
      }
      this.options.log?.info(
        { generation: snap.generation, ...snap.spec, by: snap.updatedBy },
        'routing state applied',
      );
      for (const l of this.listeners) l(snap);
      return snap;
    });
    this.applying = run.catch(() => {});
    return run;
  }

  private scorer(version: number): Promise<Scorer> {
    let p = this.scorers.get(version);
    if (!p) {
      p = this.options.registry.load(version).then((model) => new Scorer(model, version));
      p.catch(() => this.scorers.delete(version));
      this.scorers.set(version, p);
    }
    return p;
  }

  private statsFor(champion: number, challenger: number): ShadowStats {
    const key = `${champion}:${challenger}`;
    let s = this.stats.get(key);
    if (!s) {
      s = new ShadowStats(champion, challenger);
      this.stats.set(key, s);
    }
    return s;
  }

  private exportMetrics(): void {
    const m = this.options.metrics;
    const snap = this.current;
    if (!m || !snap) return;
    m.routingState.reset();
    m.routingState
      .labels({
        strategy: snap.spec.strategy,
        champion: String(servingVersion(snap.spec)),
        challenger: String(candidateVersion(snap.spec) ?? ''),
      })
      .set(1);
    m.routingGeneration.set(snap.generation);
    for (const s of this.stats.values()) {
      const sum = s.summary();
      const labels = { champion: String(sum.champion), challenger: String(sum.challenger) };
      m.shadowComparisons.labels(labels).set(sum.count);
      if (sum.agreement_rate !== null) m.shadowAgreement.labels(labels).set(sum.agreement_rate);
      if (sum.correlation !== null) m.shadowCorrelation.labels(labels).set(sum.correlation);
      if (sum.mean_abs_difference !== null) m.shadowMeanAbsDiff.labels(labels).set(sum.mean_abs_difference);
    }
  }
}

/** The spec after promoting `candidate` over the serving version of `from`. */
function promotedSpec(from: RoutingSpec, candidate: number): RoutingSpec {
  const old = servingVersion(from);
  switch (from.strategy) {
    case 'shadow':
      return { strategy: 'shadow', champion: candidate, challenger: old };
    case 'blue_green': {
      const standby = from.active === 'blue' ? 'green' : 'blue';
      return { ...from, [standby]: candidate, active: standby };
    }
    default:
      return { strategy: 'single', champion: candidate };
  }
}

/** The request field that named `version` in a spec (for error paths). */
function fieldOf(spec: RoutingSpec, version: number): string {
  const entry = Object.entries(spec).find(([k, v]) => v === version && k !== 'percent');
  return entry ? entry[0] : 'strategy';
}
