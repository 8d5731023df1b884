import {
  type ChurnModel,
  CUSTOMER_SCHEMA,
  type Dataset,
  datasetRows,
  generateCustomers,
  trainModel,
} from '@churn/ml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, migrate, openPglite } from '../../src/db/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import {
  buildStrategy,
  InProcessNotifier,
  RoutingService,
  type RoutingSpec,
  type RoutingStrategy,
  servingVersion,
  specVersions,
} from '../../src/routing/index.js';
import { Scorer } from '../../src/scoring/index.js';

/** What a strategy case gives the suite: its spec for a champion/challenger pair and its promises. */
export interface StrategyCase {
  /** The spec routing between `a` (serving) and `b` (the other version). */
  readonly spec: (a: number, b: number) => RoutingSpec;
  /** The same strategy with the roles of the two versions exchanged (a blue-green switch, say). */
  readonly switched: (a: number, b: number) => RoutingSpec;
  /** Share of customers answered by `b`. */
  readonly share: number;
  /** Whether `b` scores every request off the response path. */
  readonly shadows: boolean;
}

let fixture: Promise<{ models: [ChurnModel, ChurnModel]; data: Dataset; db: Database }> | null = null;
/**
 * Two small models of different algorithms, registered (v1 champion, v2 challenger) in one
 * in-memory database: built once per test file, shared by its suites (each has its own router).
 */
function twoModels() {
  fixture ??= (async () => {
    const data = generateCustomers({ rows: 2000, seed: 77 });
    const a = await trainModel(data, CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 15, threads: 1 },
    });
    const b = await trainModel(data, CUSTOMER_SCHEMA, {
      algorithm: 'random-forest',
      forest: { nTrees: 8, maxDepth: 6, threads: 1 },
    });
    const db = await openPglite();
    await migrate(db);
    const registry = new ModelRegistry(db);
    await registry.register(a);
    await registry.register(b);
    await registry.setAlias('champion', 1);
    await registry.setAlias('challenger', 2);
    return { models: [a, b] as [ChurnModel, ChurnModel], data, db };
  })();
  return fixture;
}

const ids = (n: number, prefix = 'cus_') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/**
 * The one suite every routing strategy passes: it routes the share it promises, a customer always
 * gets the same model (in this process and in any other building the same spec), shadow scoring
 * never changes the served answer and feeds the comparison, and a switch between the two loaded
 * versions loads nothing and is seen whole by every request.
 */
export function routingStrategyContract(name: string, c: StrategyCase): void {
  describe(`RoutingStrategy contract: ${name}`, () => {
    let registry: ModelRegistry;
    let service: RoutingService;
    let rows: Record<string, number | string | null>[];
    let a: Scorer;
    let b: Scorer;
    let strategy: RoutingStrategy;

    beforeAll(async () => {
      const { models, data, db } = await twoModels();
      rows = datasetRows(data, 0, 300);
      registry = new ModelRegistry(db);
      a = new Scorer(models[0], 1);
      b = new Scorer(models[1], 2);
      strategy = buildStrategy(c.spec(1, 2), (v) => (v === 1 ? a : b));
      service = new RoutingService({ db, registry, notifier: new InProcessNotifier(), pollMs: 0 });
      await service.start();
    });
    afterAll(async () => {
      await service?.close();
    });

    it('answers the promised share of customers with each version', () => {
      const n = 20_000;
      let toB = 0;
      for (const id of ids(n)) {
        const s = strategy.route(id);
        expect(s === a || s === b).toBe(true);
        if (s === b) toB++;
      }
      expect(Math.abs(toB / n - c.share)).toBeLessThan(0.015);
      expect(strategy.primary).toBe(a);
      expect(strategy.shadow).toBe(c.shadows ? b : null);
    });

    it('is sticky: a customer gets the same version every time, in every process', () => {
      const again = buildStrategy(c.spec(1, 2), (v) =>
        v === 1 ? new Scorer(a.model, 1) : new Scorer(b.model, 2),
      );
      for (const id of ids(2_000, 'sticky_')) {
        const first = strategy.route(id).version;
        expect(strategy.route(id).version).toBe(first);
        expect(again.route(id).version).toBe(first);
      }
    });

    it('serves the routed version unchanged, and compares in shadow only when it promises to', async () => {
      const snap = await service.set(c.spec(1, 2), { actor: 'test', reason: 'contract' });
      expect(snap.spec).toEqual(c.spec(1, 2));
      const before = snap.stats?.count ?? 0;
      for (let i = 0; i < rows.length; i++) {
        const id = `served_${i}`;
        const scorer = snap.strategy.route(id);
        const served = scorer.score(rows[i]);
        service.shadow(snap, rows[i], served);
        // The served answer is exactly what the routed model alone gives.
        const alone = (scorer.version === 1 ? a : b).score(rows[i]);
        expect(served.probability).toBe(alone.probability);
        expect(served.riskLevel).toBe(alone.riskLevel);
      }
      await vi.waitFor(() => expect(service.shadowQueue.size).toBe(0));
      if (c.shadows) {
        const sum = snap.stats?.summary();
        expect(sum?.count).toBe(before + rows.length);
        const diffs = rows.map((r) => Math.abs(a.score(r).probability - b.score(r).probability));
        expect(sum?.mean_abs_difference).toBeCloseTo(diffs.reduce((x, y) => x + y, 0) / rows.length, 9);
        expect(sum?.correlation).toBeGreaterThan(0);
      } else expect(snap.stats).toBeNull();
    });

    it('switches between the two loaded versions without loading a model, in one swap', async () => {
      await service.set(c.spec(1, 2), { actor: 'test' });
      const load = vi.spyOn(registry, 'load');
      const seen: [number, number, number, boolean][] = [];
      let stop = false;
      // Requests running while the switch happens: each must see one whole state, old or new.
      const watcher = (async () => {
        while (!stop) {
          const s = service.snapshot;
          if (s)
            seen.push([
              s.generation,
              servingVersion(s.spec),
              s.strategy.primary.version,
              s.strategy.kind === s.spec.strategy,
            ]);
          await new Promise((r) => setImmediate(r));
        }
      })();
      const t0 = performance.now();
      const switched = await service.set(c.switched(1, 2), { actor: 'test', reason: 'switch' });
      const ms = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
      stop = true;
      await watcher;
      // Versions the strategy already holds are switched to as they are: nothing loads.
      const held = specVersions(c.spec(1, 2));
      if (specVersions(c.switched(1, 2)).every((v) => held.includes(v))) expect(load).not.toHaveBeenCalled();
      load.mockRestore();
      expect(switched.spec).toEqual(c.switched(1, 2));
      expect(ms).toBeLessThan(500);
      const generations = new Set(seen.map(([g]) => g));
      expect(generations.has(switched.generation)).toBe(true);
      for (const [, serving, primary, sameKind] of seen) {
        expect(primary).toBe(serving);
        expect(sameKind).toBe(true);
      }
      expect(service.snapshot?.strategy.primary.version).toBe(servingVersion(c.switched(1, 2)));
    });
  });
}
