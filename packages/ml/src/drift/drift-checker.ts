import { Worker } from 'node:worker_threads';
import type { Column, Dataset } from '../data/dataset.js';
import { workerUrl } from '../util/worker-url.js';
import {
  type DriftOptions,
  type DriftReport,
  driftReport,
  type FeatureComparison,
  featureColumns,
} from './detect.js';
import type { DriftTestName } from './drift-test.js';
import type { KsReference } from './ks-test.js';
import { DRIFT_TESTS, type DriftReference } from './reference.js';

/*
 * Drift checks off the calling thread: worker threads hold the prepared references (each sent
 * once, with the test named instead of its code), every check sends them the current window's
 * columns (copied into fresh buffers and transferred, not cloned) and each worker tests a share of
 * the features. The shares are balanced by each feature's measured cost in the last checks of the
 * same reference; this thread only merges the per-feature results with the same code as
 * detectDrift (driftReport), so the report is the same whichever thread computed a feature.
 */

/** References each worker keeps prepared (least recently used dropped first). */
const WORKER_REFERENCES = 4;
/** Weight of the newest measurement in a feature's expected cost. */
const COST_SMOOTHING = 0.5;

/** A prepared reference feature as a worker receives it. */
export interface SentFeature {
  readonly name: string;
  readonly kind: Column['kind'];
  readonly test: DriftTestName;
  readonly prepared: unknown;
  readonly psiEdges: Float64Array;
  readonly psiCounts: Float64Array;
  readonly categories: readonly string[];
}

/** Messages to a check worker. */
export type CheckerMessage =
  | {
      readonly kind: 'reference';
      readonly ref: number;
      readonly features: readonly SentFeature[];
      readonly evict?: number;
    }
  | {
      readonly kind: 'check';
      readonly job: number;
      readonly ref: number;
      /** Indexes of the reference features to test, with their current columns in the same order. */
      readonly features: readonly number[];
      readonly columns: readonly Column[];
    }
  | { readonly kind: 'clear'; readonly job: number };

/** A worker's answer: one comparison per feature sent, with the milliseconds it took. */
export interface CheckerReply {
  readonly job: number;
  readonly compared?: readonly FeatureComparison[];
  readonly ms?: readonly number[];
  readonly error?: string;
}

interface CheckWorker {
  readonly worker: Worker;
  /** References sent to this worker, least recently used first (mirrors its cache). */
  readonly refs: number[];
  alive: boolean;
  /** Requests without an answer yet: the worker keeps the process alive only while there are some. */
  busy: number;
}

interface Pending {
  readonly worker: CheckWorker;
  resolve(reply: CheckerReply): void;
  reject(err: Error): void;
}

/** Options of {@link DriftChecker}. */
export interface DriftCheckerOptions {
  /** Worker threads the features are split over (default 2). */
  readonly threads?: number;
}

/**
 * Drift checks on worker threads, with the same report as {@link detectDrift}: for a server whose
 * thread also answers requests, where a 10 ms synchronous check would hold every request in
 * flight. Idle workers do not keep the process alive (a check in progress does); call
 * {@link close} when done.
 *
 * @example
 * ```ts
 * const checker = new DriftChecker();
 * const report = await checker.check(prepareDriftReference(training), window, { importance });
 * await checker.close();
 * ```
 */
export class DriftChecker {
  readonly threads: number;
  private readonly workers: CheckWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly refIds = new WeakMap<DriftReference, number>();
  private readonly costs = new WeakMap<DriftReference, Float64Array>();
  private nextRef = 0;
  private nextJob = 0;
  private closed = false;

  constructor(options: DriftCheckerOptions = {}) {
    const threads = options.threads ?? 2;
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    this.threads = threads;
  }

  /** Compare a current window with a prepared reference (see {@link detectDrift}). */
  async check(reference: DriftReference, current: Dataset, options: DriftOptions = {}): Promise<DriftReport> {
    if (this.closed) throw new Error('the drift checker is closed');
    const columns = featureColumns(reference, current);
    const ref = this.referenceId(reference);
    const cost = this.expectedCosts(reference);
    const shares = splitByCost(cost, this.threads);
    const compared = new Array<FeatureComparison>(columns.length);
    await Promise.all(
      shares.map(async (features, k) => {
        if (features.length === 0) return;
        const w = this.worker(k);
        this.sendReference(w, ref, reference);
        const sent = features.map((i) => detachedCopy(columns[i]));
        const reply = await this.request(
          w,
          { kind: 'check', job: this.nextJob++, ref, features, columns: sent },
          sent,
        );
        features.forEach((i, j) => {
          compared[i] = reply.compared![j];
          cost[i] = COST_SMOOTHING * reply.ms![j] + (1 - COST_SMOOTHING) * cost[i];
        });
      }),
    );
    return driftReport(reference, current.nRows, compared, options);
  }

  /** Forget the memoised exact KS probabilities in every worker (for cold-start benchmarks). */
  async clearKsCache(): Promise<void> {
    await Promise.all(
      this.workers
        .filter((w) => w.alive)
        .map((w) => this.request(w, { kind: 'clear', job: this.nextJob++ }, [])),
    );
  }

  /** Stop the workers; checks still running are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('the drift checker is closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private referenceId(reference: DriftReference): number {
    let id = this.refIds.get(reference);
    if (id === undefined) {
      for (const f of reference.features)
        if (f.test !== DRIFT_TESTS[f.kind])
          throw new Error(
            `drift checker: feature "${f.name}" uses a custom test; workers run the built-in tests only`,
          );
      id = this.nextRef++;
      this.refIds.set(reference, id);
    }
    return id;
  }

  /** Expected milliseconds per feature: measured in earlier checks, first guessed from the kind. */
  private expectedCosts(reference: DriftReference): Float64Array {
    let cost = this.costs.get(reference);
    if (!cost) {
      // A KS feature places every current value and usually counts lattice paths (about 0.3–1 ms
      // at 10,000 × 5,000 rows); a chi-square feature only counts categories.
      cost = Float64Array.from(reference.features, (f) =>
        f.kind === 'numeric' ? 0.5 + (f.prepared as KsReference).distinct.length / 20_000 : 0.1,
      );
      this.costs.set(reference, cost);
    }
    return cost;
  }

  /** The k-th worker, started (again, if it died) on demand. */
  private worker(k: number): CheckWorker {
    const known = this.workers[k];
    if (known?.alive) return known;
    const worker = new Worker(workerUrl(import.meta.url, './drift-checker-worker.js'));
    const w: CheckWorker = { worker, refs: [], alive: true, busy: 0 };
    worker.on('message', (reply: CheckerReply) => {
      const p = this.pending.get(reply.job);
      if (!p) return;
      this.settle(reply.job, p);
      if (reply.error === undefined) p.resolve(reply);
      else p.reject(new Error(reply.error));
    });
    const lost = (err: Error): void => {
      w.alive = false;
      for (const [job, p] of this.pending)
        if (p.worker === w) {
          this.settle(job, p);
          p.reject(err);
        }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`drift checker worker exited with code ${code}`)));
    worker.unref();
    this.workers[k] = w;
    return w;
  }

  private sendReference(w: CheckWorker, ref: number, reference: DriftReference): void {
    const at = w.refs.indexOf(ref);
    if (at >= 0) {
      w.refs.splice(at, 1);
      w.refs.push(ref);
      return;
    }
    w.refs.push(ref);
    const evict = w.refs.length > WORKER_REFERENCES ? w.refs.shift() : undefined;
    const features = reference.features.map(
      (f): SentFeature => ({
        name: f.name,
        kind: f.kind,
        test: f.test.name,
        prepared: f.prepared,
        psiEdges: f.psiEdges,
        psiCounts: f.psiCounts,
        categories: f.categories,
      }),
    );
    w.worker.postMessage({ kind: 'reference', ref, features, evict } satisfies CheckerMessage);
  }

  private request(
    w: CheckWorker,
    message: CheckerMessage & { job: number },
    sent: readonly Column[],
  ): Promise<CheckerReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(message.job, { worker: w, resolve, reject });
      if (w.busy++ === 0) w.worker.ref();
      // The copies' own buffers (never shared), handed over rather than cloned.
      w.worker.postMessage(
        message,
        sent.map((c) => (c.kind === 'numeric' ? c.values.buffer : c.codes.buffer) as ArrayBuffer),
      );
    });
  }

  private settle(job: number, p: Pending): void {
    this.pending.delete(job);
    if (--p.worker.busy === 0) p.worker.worker.unref();
  }

  private failAll(err: Error): void {
    for (const [job, p] of this.pending) {
      this.settle(job, p);
      p.reject(err);
    }
  }
}

/**
 * Feature indexes per thread, largest expected cost first onto the least loaded thread (LPT).
 * Ties go to the lower thread, so the split is deterministic for given costs.
 */
export function splitByCost(cost: ArrayLike<number>, threads: number): number[][] {
  const order = Array.from({ length: cost.length }, (_, i) => i).sort((a, b) => cost[b] - cost[a] || a - b);
  const shares = Array.from({ length: threads }, () => [] as number[]);
  const load = new Float64Array(threads);
  for (const i of order) {
    let k = 0;
    for (let t = 1; t < threads; t++) if (load[t] < load[k]) k = t;
    shares[k].push(i);
    load[k] += cost[i];
  }
  for (const s of shares) s.sort((a, b) => a - b);
  return shares;
}

/** A column whose values sit in a buffer of their own, to transfer without touching the caller's. */
function detachedCopy(c: Column): Column {
  return c.kind === 'numeric' ? { ...c, values: c.values.slice() } : { ...c, codes: c.codes.slice() };
}
