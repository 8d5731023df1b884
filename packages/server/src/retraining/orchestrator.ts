import { type ChurnModel, predictDataset, rocAuc } from '@churn/ml';
import type { Logger } from 'pino';
import type { AlertService } from '../alerts/index.js';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import type { TrainingParams, TrainingService } from '../jobs/index.js';
import type { PerformanceTracker } from '../monitoring/index.js';
import type { Metrics } from '../plugins/metrics.js';
import type { ModelRegistry } from '../registry/index.js';
import { ProbabilityScorer, probeRows, type RoutingService, servingVersion } from '../routing/index.js';
import {
  canaryGate,
  type GateResult,
  type GateSettings,
  holdoutGate,
  observation,
  shadowGate,
} from './gates.js';
import { pairedEstimate } from './paired-estimate.js';
import { decide, type PolicySettings, type RetrainingTrigger } from './policy.js';
import {
  RETRAINING_ACTOR,
  type RetrainingRun,
  RetrainingRunStore,
  type RunChange,
  type RunStep,
} from './run-store.js';
import { armBetween, meanScoringMs, trafficByVersion } from './traffic.js';
import { prepareTrainingData, type TrainingDataSettings } from './training-data.js';

export interface RetrainingSettings {
  readonly policy: PolicySettings;
  readonly gates: GateSettings;
  readonly data: TrainingDataSettings;
  /** How often a step checks its traffic and the run's cancel flag, in ms. */
  readonly pollMs: number;
  /** A running run whose process shows no heartbeat for this long is failed (seconds). */
  readonly staleSeconds: number;
}

export interface RetrainingDeps {
  readonly db: Database;
  readonly registry: ModelRegistry;
  readonly routing: RoutingService;
  readonly training: TrainingService;
  readonly tracker: PerformanceTracker;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Make served predictions durable in the `predictions` table (log flush, bus flush). */
  readonly flushPredictions: () => Promise<void>;
  readonly alerts?: AlertService;
}

/** Why a run stopped before the end: the gate or request that stopped it. */
class Stop extends Error {
  constructor(
    readonly status: 'rejected' | 'rolled_back' | 'failed' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

interface Active {
  readonly id: string;
  cancelled: string | null;
  jobId: string | null;
  /** The routing was changed by the run: a stop returns it to the champion alone. */
  routed: boolean;
  readonly done: Promise<void>;
}

/**
 * The closed retraining loop. A trigger (drift alert, low AUC, admin) that the policy accepts
 * starts a run, driven here step by step and stored in `retraining_runs` with an audit row per
 * step: train a challenger on recent labelled data plus the champion's training sample (a
 * training job, visible at /v1/jobs) → holdout gate → register it as the challenger → shadow →
 * canary 10 % → canary 50 % → promote. A failed gate, an error or a cancel in a routing step
 * sends the routing back to the champion alone (status `rolled_back`, `failed`, `cancelled`).
 *
 * @example
 * const run = await retraining.startManual({ actor: 'key:abc (ops)', reason: 'new season' });
 * await retraining.wait(run.id); // status 'promoted', 'rejected', 'rolled_back', …
 */
export class RetrainingOrchestrator {
  readonly store: RetrainingRunStore;
  private active: Active | null = null;
  private deciding: Promise<unknown> = Promise.resolve();
  private closed = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: RetrainingDeps,
    readonly settings: RetrainingSettings,
  ) {
    this.store = new RetrainingRunStore(deps.db);
  }

  /** Fail runs a stopped process left running (now and periodically). */
  start(): void {
    const sweep = () =>
      this.store
        .failStale(this.settings.staleSeconds, this.active?.id ?? null)
        .then((ids) => {
          if (ids.length > 0)
            this.deps.log.warn({ runs: ids }, 'retraining runs orphaned by a stopped process');
        })
        .catch((err: unknown) => this.deps.log.error({ err }, 'retraining sweep failed'));
    void sweep();
    this.sweeper = setInterval(sweep, Math.max(1000, (this.settings.staleSeconds * 1000) / 2));
    this.sweeper.unref();
  }

  /**
   * Hand a trigger to the policy; starts a run when it says so. Decisions are taken one at a
   * time, so two triggers arriving together start one run.
   */
  consider(trigger: RetrainingTrigger): Promise<RetrainingRun | null> {
    const next = this.deciding.then(() => this.decideAndStart(trigger));
    this.deciding = next.catch(() => {});
    return next;
  }

  /** An admin's run: starts unless one is running (CHURN_ERR_CONFLICT). Gate overrides are recorded. */
  async startManual(o: {
    actor: string;
    reason: string;
    gates?: Partial<GateSettings>;
  }): Promise<RetrainingRun> {
    const trigger: RetrainingTrigger = { kind: 'manual', actor: o.actor, reason: o.reason };
    const next = this.deciding.then(() => this.decideAndStart(trigger, o.gates ?? {}, true));
    this.deciding = next.catch(() => {});
    return (await next) as RetrainingRun;
  }

  get(id: string): Promise<RetrainingRun> {
    return this.store.get(id);
  }

  list(options: Parameters<RetrainingRunStore['list']>[0] = {}): Promise<RetrainingRun[]> {
    return this.store.list(options);
  }

  /** Resolve once the run driven here has finished (at once for another process's run). */
  async wait(id: string): Promise<RetrainingRun> {
    if (this.active?.id === id) await this.active.done;
    return this.store.get(id);
  }

  /** Cancel a running run: its training job is cancelled, routing goes back to the champion. */
  async cancel(id: string, actor: string): Promise<RetrainingRun> {
    const run = await this.store.get(id);
    if (run.status !== 'running')
      throw new ChurnError(
        'CHURN_ERR_CONFLICT',
        `retraining run ${id} is ${run.status} and cannot be cancelled`,
        [{ path: '/id', message: `the run is ${run.status}` }],
      );
    const a = this.active;
    if (a?.id !== id) {
      // Driven by a process that is gone or elsewhere: mark it; that process stops at its next check.
      return this.store.change(
        id,
        'cancelled',
        { status: 'cancelled', error: `cancelled by ${actor}` },
        actor,
      );
    }
    a.cancelled = `cancelled by ${actor}`;
    if (a.jobId) await this.deps.training.cancel(a.jobId).catch(() => {});
    await a.done;
    return this.store.get(id);
  }

  /** Stop driving: a run in progress is stopped as failed and the routing left to the champion. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const a = this.active;
    if (a) {
      // The run stops as failed at its next check (see checkCancelled), routing to the champion.
      if (a.jobId) await this.deps.training.cancel(a.jobId).catch(() => {});
      await a.done;
    }
    await this.deciding;
  }

  private async decideAndStart(
    trigger: RetrainingTrigger,
    gates: Partial<GateSettings> = {},
    manual = false,
  ): Promise<RetrainingRun | null> {
    if (this.closed) throw new ChurnError('CHURN_ERR_UNAVAILABLE', 'retraining is shutting down');
    const snap = this.deps.routing.snapshot;
    const champion = snap ? servingVersion(snap.spec) : null;
    const running = (await this.store.running()) !== null || this.active !== null;
    const decision = decide(
      trigger,
      { running, lastAutomaticStart: await this.store.lastAutomaticStart(), champion },
      this.settings.policy,
      new Date(),
    );
    if (!decision.start) {
      this.deps.log.info({ trigger: trigger.kind, why: decision.reason }, 'retraining not started');
      if (manual)
        throw new ChurnError('CHURN_ERR_CONFLICT', decision.reason, [
          { path: '/', message: decision.reason },
        ]);
      return null;
    }
    if (champion === null)
      throw new ChurnError('CHURN_ERR_CONFLICT', 'no champion serves: nothing to retrain', [
        { path: '/', message: 'register a champion first' },
      ]);
    const overrides = Object.keys(gates).length > 0 ? { gate_overrides: gates } : {};
    const run = await this.store.insert({ ...trigger, decision: decision.reason, ...overrides }, champion);
    this.deps.log.info({ run: run.id, champion, why: decision.reason }, 'retraining run started');
    let finish = () => {};
    const active: Active = {
      id: run.id,
      cancelled: null,
      jobId: null,
      routed: false,
      done: new Promise<void>((resolve) => {
        finish = resolve;
      }),
    };
    this.active = active;
    void this.drive(run, champion, { ...this.settings.gates, ...gates }, active).finally(() => {
      this.active = null;
      finish();
    });
    return run;
  }

  /** Run the steps; every stop is recorded, and the routing is left to the champion. */
  private async drive(run: RetrainingRun, champion: number, gates: GateSettings, a: Active): Promise<void> {
    const { metrics, log } = this.deps;
    const heartbeat = setInterval(() => void this.store.heartbeat(run.id).catch(() => {}), 5_000);
    heartbeat.unref();
    let status: RetrainingRun['status'] = 'failed';
    try {
      await this.steps(run.id, champion, gates, a);
      status = 'promoted';
    } catch (err) {
      const stop =
        err instanceof Stop
          ? err
          : a.cancelled
            ? new Stop('cancelled', a.cancelled)
            : new Stop('failed', (err as Error)?.message ?? String(err));
      status = stop.status;
      if (!(err instanceof Stop)) log.warn({ run: run.id, err }, 'retraining run failed');
      let reason = stop.message;
      if (a.routed) {
        try {
          await this.deps.routing.set(
            { strategy: 'single', champion },
            { actor: RETRAINING_ACTOR, reason: `run ${run.id}: ${reason}` },
          );
        } catch (rollbackErr) {
          reason += `; the rollback to v${champion} failed: ${(rollbackErr as Error).message}`;
        }
      }
      await this.store
        .change(run.id, stop.status, { status: stop.status, error: reason }, reason)
        .catch((e: unknown) =>
          log.error({ err: e, run: run.id }, 'retraining run could not be marked finished'),
        );
    } finally {
      clearInterval(heartbeat);
      metrics.retrainingRuns.labels({ status }).inc();
      metrics.retrainingStep.remove({ run: run.id });
    }
    const finished = await this.store.get(run.id).catch(() => null);
    log.info({ run: run.id, status, error: finished?.error }, 'retraining run finished');
    if (this.deps.alerts && finished) {
      await this.deps.alerts
        .raise({
          kind: 'retraining',
          severity: status === 'rolled_back' || status === 'failed' ? 'medium' : 'low',
          dedup_key: `retraining:${run.id}`,
          title:
            status === 'promoted'
              ? `retraining promoted v${finished.challenger_version} over v${champion}`
              : `retraining run ${status}: ${finished.error ?? ''}`.slice(0, 300),
          details: { run: run.id, status, champion, challenger: finished.challenger_version },
        })
        .catch(() => {});
    }
  }

  private async steps(id: string, champion: number, gates: GateSettings, a: Active): Promise<void> {
    const { registry, training, routing, tracker, metrics } = this.deps;
    const step = async (name: RunStep, action: string, change: RunChange, reason: string) => {
      this.checkCancelled(id, a);
      metrics.retrainingStep.labels({ run: id }).set(stepNumber(name));
      return this.store.change(id, action, { ...change, step: name }, reason);
    };
    const judge = async (name: RunStep, gate: GateResult, failStatus: 'rejected' | 'rolled_back') => {
      await this.store.change(id, `gate.${name}`, { step: name, gate: [name, gate] }, gate.reason);
      if (!gate.passed) throw new Stop(failStatus, `${name} gate failed: ${gate.reason}`);
    };

    // 1. Train: the data, then a training job (progress visible at /v1/jobs/{id}).
    const championModel = await registry.load(champion);
    await this.deps.flushPredictions();
    const data = await prepareTrainingData(
      { db: this.deps.db, datasets: training.datasets },
      { id, champion, championModel },
      this.settings.data,
    );
    await step('train', 'data', { data: data.summary }, `training data: ${String(data.summary.reference)}`);
    const job = await training.submit(
      {
        dataset_id: data.trainingDatasetId,
        algorithm: championModel.algorithm,
        params: inheritedParams(championModel),
        parent: champion,
        description: `challenger of v${champion}, retraining run ${id}`,
      },
      { createdBy: RETRAINING_ACTOR },
    );
    a.jobId = job.id;
    await step('train', 'train', { job_id: job.id }, `training job ${job.id} submitted`);
    const done = await training.wait(job.id);
    a.jobId = null;
    this.checkCancelled(id, a);
    if (done.status !== 'succeeded' || done.modelVersion === null)
      throw new Stop('failed', `training job ${job.id} ${done.status}: ${done.error ?? ''}`);
    const challenger = done.modelVersion;
    await step(
      'train',
      'trained',
      { challenger_version: challenger },
      `v${challenger} trained by job ${job.id}`,
    );

    // 2. Holdout gate: both models on the recent rows the challenger never saw.
    const challengerModel = await registry.load(challenger);
    const y = data.holdout.target as Uint8Array;
    const pChampion = predictDataset(championModel, data.holdout);
    const pChallenger = predictDataset(challengerModel, data.holdout);
    const holdoutScores = { y, champion: pChampion, challenger: pChallenger };
    const scorers = {
      champion: new ProbabilityScorer(championModel, champion),
      challenger: new ProbabilityScorer(challengerModel, challenger),
    };
    // The holdout calibrates the challenger's CBPE estimates in the canary steps.
    tracker.setReference(challenger, { y, p: pChallenger });
    await step('holdout_gate', 'holdout', {}, `judging v${challenger} against v${champion} on the holdout`);
    await judge(
      'holdout_gate',
      holdoutGate(
        { rows: y.length, championAuc: auc(y, pChampion), challengerAuc: auc(y, pChallenger) },
        gates,
      ),
      'rejected',
    );

    // 3. Register: the job stored the version (lineage parent = champion); it becomes the challenger.
    await registry.setAlias('challenger', challenger);
    await step('register', 'register', {}, `v${challenger} (parent v${champion}) is the challenger`);

    // 4. Shadow: the champion answers, the challenger is compared on every request.
    a.routed = true;
    const rolloutFrom = new Date();
    await step('shadow', 'shadow', {}, `shadowing v${challenger} beside v${champion}`);
    await routing.set(
      { strategy: 'shadow', champion, challenger },
      { actor: RETRAINING_ACTOR, reason: `run ${id}: shadow` },
    );
    const failedBefore = routing.shadowQueue.failed;
    await this.observe(id, a, gates, () => routing.shadowSummary()?.count ?? 0);
    const summary = routing.shadowSummary();
    const snap = routing.snapshot;
    const candidate = snap?.strategy.candidate;
    if (!summary || !candidate || candidate.version !== challenger)
      throw new Stop('rolled_back', 'the routing changed during the shadow step');
    const probe = await probeRows(
      this.deps.db,
      challengerModel.schema.features.map((f) => f.name),
    );
    await judge(
      'shadow',
      shadowGate(
        {
          comparisons: summary.count,
          agreement: summary.agreement_rate,
          correlation: summary.correlation,
          meanAbsDifference: summary.mean_abs_difference,
          errors: routing.shadowQueue.failed - failedBefore,
          latencyMs: meanScoringMs(candidate, probe),
        },
        gates,
      ),
      'rolled_back',
    );

    // 5–6. Canary 10 % then 50 %: real answers from the challenger to a sticky share of customers.
    for (const percent of [10, 50] as const) {
      const name: RunStep = percent === 10 ? 'canary_10' : 'canary_50';
      await step(name, name, {}, `canary: ${percent} % of customers to v${challenger}`);
      await routing.set(
        { strategy: 'canary', champion, challenger, percent },
        { actor: RETRAINING_ACTOR, reason: `run ${id}: canary ${percent} %` },
      );
      const before = await trafficByVersion(metrics);
      await this.observe(id, a, gates, async () => {
        const now = await trafficByVersion(metrics);
        return (now.get(challenger)?.requests ?? 0) - (before.get(challenger)?.requests ?? 0);
      });
      const after = await trafficByVersion(metrics);
      await this.deps.flushPredictions();
      // Both models score the same rows, so who served them does not matter: every row since the
      // rollout began counts, and later steps judge on more of them.
      const paired = await pairedEstimate(
        this.deps.db,
        { from: rolloutFrom, to: new Date() },
        scorers,
        holdoutScores,
      );
      await judge(
        name,
        canaryGate(
          percent,
          {
            challenger: armBetween(before, after, challenger, paired.challenger),
            champion: armBetween(before, after, champion, paired.champion),
            estimateRows: paired.rows,
          },
          gates,
        ),
        'rolled_back',
      );
    }

    // 7. Promote: health check, then one atomic swap of champion and challenger.
    await step('promote', 'promote', {}, `promoting v${challenger}`);
    const { check } = await routing.promote(challenger, {
      actor: RETRAINING_ACTOR,
      reason: `run ${id}: every gate passed`,
    });
    a.routed = false;
    const result: GateResult = {
      passed: true,
      reason: `health check passed on ${check.rows} probe rows`,
      observed: {
        rows: check.rows,
        agreement: check.agreement_rate,
        mean_abs_difference: check.mean_abs_difference,
      },
      thresholds: {},
      at: new Date().toISOString(),
    };
    await this.store.change(
      id,
      'promoted',
      { status: 'promoted', step: 'done', gate: ['promote', result] },
      `v${challenger} is the champion (v${champion} the challenger)`,
    );
  }

  /** Wait until the step has seen enough traffic for long enough; fail it when traffic is too thin. */
  private async observe(
    id: string,
    a: Active,
    gates: GateSettings,
    requests: () => number | Promise<number>,
  ): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      this.checkCancelled(id, a);
      const seen = await requests();
      const verdict = observation({ elapsedSeconds: (Date.now() - t0) / 1000, requests: seen }, gates);
      if (verdict === 'judge') return;
      if (verdict === 'too-little-traffic')
        throw new Stop(
          'rolled_back',
          `only ${seen} requests in ${gates.stepMaxSeconds} s (at least ${gates.minRequests} needed to judge)`,
        );
      await new Promise((resolve) => setTimeout(resolve, this.settings.pollMs));
      // A cancel from another process is seen in the table.
      if ((await this.store.get(id)).status !== 'running') a.cancelled ??= 'cancelled';
    }
  }

  private checkCancelled(id: string, a: Active): void {
    if (a.cancelled) throw new Stop('cancelled', a.cancelled);
    if (this.closed) throw new Stop('failed', `run ${id}: the server shut down during the run`);
  }
}

function auc(y: Uint8Array, p: Float64Array): number | null {
  let positives = 0;
  for (const v of y) positives += v;
  return positives === 0 || positives === y.length ? null : rocAuc(y, p);
}

/** The champion's learner settings that a challenger keeps: trees or rounds, depth, leaf size, learning rate, seed. */
function inheritedParams(model: ChurnModel): TrainingParams {
  const p = model.training.params;
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
  const trees = model.algorithm === 'random-forest' ? num('nTrees') : num('nRounds');
  const params: Record<string, number | undefined> = {
    trees,
    max_depth: num('maxDepth'),
    min_samples_leaf: model.algorithm === 'random-forest' ? num('minSamplesLeaf') : undefined,
    learning_rate: model.algorithm === 'gradient-boosting' ? num('learningRate') : undefined,
    seed: num('seed'),
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as TrainingParams;
}

const STEP_NUMBERS: Readonly<Record<RunStep, number>> = {
  train: 1,
  holdout_gate: 2,
  register: 3,
  shadow: 4,
  canary_10: 5,
  canary_50: 6,
  promote: 7,
  done: 8,
};

/** The step's position in the run (1 train … 7 promote, 8 done), for the step gauge. */
export function stepNumber(step: RunStep): number {
  return STEP_NUMBERS[step];
}
