import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { ChurnError, type ErrorDetail } from '../errors/index.js';
import type { Metrics } from '../plugins/metrics.js';
import type { ModelRegistry } from '../registry/index.js';
import { DatasetStore } from './dataset-store.js';
import { FINISHED, type JobStatus, JobStore, type TrainingJob } from './job-store.js';
import type { TrainedArtifact } from './tasks.js';
import { checkTrainingRequest, type TrainingRequest } from './training-request.js';
import { runOnWorker, TaskCancelledError, type TaskHandle } from './worker-client.js';

export interface TrainingServiceOptions {
  readonly db: Database;
  readonly registry: ModelRegistry;
  readonly log: Logger;
  readonly datasets?: DatasetStore;
  readonly metrics?: Metrics;
  /**
   * Threads the learner may use inside the job's worker; default 1, which leaves the other cores
   * to serving.
   */
  readonly threads?: number;
  /** How often a running job's progress is written to the database; default 1 s. */
  readonly persistEveryMs?: number;
  /**
   * A running job whose process has not shown a heartbeat for this long is failed; default 30 s.
   * Its process refreshes it every few seconds, so jobs of other live processes are left alone.
   */
  readonly staleAfterSeconds?: number;
}

/** The job currently on the worker thread, with its live progress. */
interface Current {
  readonly id: string;
  handle: TaskHandle<TrainedArtifact> | null;
  progress: number;
  stage: string;
  /** Why the job is being stopped, once it is. */
  stopping: 'cancelled' | 'shutdown' | null;
}

const RESTARTED = 'the server stopped while the job was running; submit it again';
const HEARTBEAT_MS = 5_000;

/**
 * Trains models in the background, one job at a time, each on its own worker thread so that the
 * serving thread never waits for it. A job reads a stored dataset (or generates one), trains,
 * and registers the new version with its lineage — parent (the given one, else the champion at
 * submission), data hash, parameters, metrics — and optionally points `challenger` at it.
 * Jobs and their progress are kept in the database: a job left `running` by a stopped process
 * is marked failed when the service starts again.
 *
 * @example
 * const job = await training.submit({ dataset_id, algorithm: 'gradient-boosting', set_alias: 'challenger' });
 * const done = await training.wait(job.id); // done.status === 'succeeded', done.modelVersion === 3
 */
export class TrainingService {
  readonly datasets: DatasetStore;
  private readonly jobs: JobStore;
  private readonly listeners = new Set<(job: TrainingJob) => void>();
  private current: Current | null = null;
  private loop: Promise<void> | null = null;
  private started = false;
  private closed = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly options: TrainingServiceOptions) {
    this.datasets = options.datasets ?? new DatasetStore(options.db);
    this.jobs = new JobStore(options.db);
  }

  /**
   * Mark jobs a stopped process left running as failed (now, and from time to time after, for a
   * process that stopped only just before), then run the queued ones.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.sweep();
    const staleMs = (this.options.staleAfterSeconds ?? 30) * 1000;
    this.sweeper = setInterval(() => void this.sweep().catch(() => {}), Math.max(1000, staleMs / 2));
    this.sweeper.unref();
    this.kick();
  }

  private async sweep(): Promise<void> {
    const own = this.current?.id ?? null;
    const stale = await this.jobs.failStale(RESTARTED, this.options.staleAfterSeconds ?? 30, own);
    if (stale.length > 0)
      this.options.log.warn({ jobs: stale }, 'training jobs interrupted by a stopped process');
    for (const id of stale) this.emit(await this.jobs.get(id));
  }

  /**
   * Check and queue a training request; returns the queued job at once. Bad requests (unknown
   * dataset, target or parent; parameters of the other learner) throw CHURN_ERR_VALIDATION with
   * the field path.
   */
  async submit(request: TrainingRequest, options: { createdBy?: string } = {}): Promise<TrainingJob> {
    if (this.closed) throw new ChurnError('CHURN_ERR_UNAVAILABLE', 'the training service is shutting down');
    checkTrainingRequest(request);
    const target = request.target ?? 'churned';
    const problems: ErrorDetail[] = [];
    if (request.dataset_id !== undefined) {
      const info = await this.datasets.get(request.dataset_id).catch(() => null);
      if (!info)
        problems.push({ path: '/dataset_id', message: `dataset ${request.dataset_id} does not exist` });
      else if (!info.columns.includes(target))
        problems.push({ path: '/target', message: `"${target}" is not a column of dataset ${info.id}` });
    } else if (target !== 'churned') {
      problems.push({ path: '/target', message: 'a generated dataset has the target "churned"' });
    }
    let parent = request.parent ?? null;
    if (parent !== null) {
      const exists = await this.options.registry.get(parent).then(
        () => true,
        () => false,
      );
      if (!exists) problems.push({ path: '/parent', message: `model version ${parent} does not exist` });
    } else parent = (await this.options.registry.aliases()).champion ?? null;
    if (problems.length > 0) {
      throw new ChurnError(
        'CHURN_ERR_VALIDATION',
        `invalid training request: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
        problems,
      );
    }
    const job = await this.jobs.insert({
      datasetId: request.dataset_id ?? null,
      datasetSpec: request.dataset ?? null,
      algorithm: request.algorithm,
      params: request.params ?? {},
      target,
      positiveLabel: request.positive_label ?? null,
      description: request.description ?? '',
      setAlias: request.set_alias ?? null,
      parentVersion: parent,
      createdBy: options.createdBy ?? '',
    });
    this.emit(job);
    if (this.started) this.kick();
    return job;
  }

  /** A job, with the live progress when it is running here. */
  async get(id: string): Promise<TrainingJob> {
    return this.live(await this.jobs.get(id));
  }

  /** Recent jobs, newest first. */
  async list(options: { status?: JobStatus; limit?: number } = {}): Promise<TrainingJob[]> {
    return (await this.jobs.list(options)).map((j) => this.live(j));
  }

  /** Resolve with the job once it has finished (succeeded, failed or cancelled). */
  async wait(id: string, options: { timeoutMs?: number } = {}): Promise<TrainingJob> {
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const job = await this.get(id);
      if (FINISHED.includes(job.status)) return job;
      if (Date.now() > deadline)
        throw new ChurnError('CHURN_ERR_UNAVAILABLE', `training job ${id} did not finish in time`);
      // Woken by this service's own changes; the poll covers jobs run by another process.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 500);
        const off = this.onChange((j) => {
          if (j.id === id && FINISHED.includes(j.status)) done();
        });
        function done() {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    }
  }

  /** Cancel a queued or running job. A finished job cannot be: CHURN_ERR_CONFLICT. */
  async cancel(id: string): Promise<TrainingJob> {
    const job = await this.jobs.get(id);
    if (this.current?.id === id) {
      this.current.stopping = 'cancelled';
      await this.current.handle?.cancel();
      return this.wait(id);
    }
    const cancelled = await this.jobs.finish(id, ['queued'], {
      status: 'cancelled',
      error: 'cancelled before it started',
    });
    if (!cancelled) {
      throw new ChurnError(
        'CHURN_ERR_CONFLICT',
        `training job ${id} is ${job.status} and cannot be cancelled`,
      );
    }
    this.emit(cancelled);
    return cancelled;
  }

  /** Listen to job changes (queued, progress, finished); returns the unsubscribe function. */
  onChange(listener: (job: TrainingJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop: a running job is stopped and marked failed; queued jobs stay queued for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.current) {
      this.current.stopping = 'shutdown';
      await this.current.handle?.cancel();
    }
    await this.loop;
  }

  private live(job: TrainingJob): TrainingJob {
    const c = this.current;
    return c && c.id === job.id && job.status === 'running'
      ? { ...job, progress: c.progress, stage: c.stage }
      : job;
  }

  private emit(job: TrainingJob): void {
    for (const l of this.listeners) {
      try {
        l(job);
      } catch (err) {
        this.options.log.error({ err }, 'training job listener failed');
      }
    }
  }

  /** Run queued jobs until none is left (one loop at a time). */
  private kick(): void {
    if (this.loop || this.closed) return;
    this.loop = (async () => {
      try {
        for (;;) {
          if (this.closed) return;
          const job = await this.jobs.claimNext();
          if (!job) return;
          await this.run(job);
        }
      } catch (err) {
        this.options.log.error({ err }, 'training job loop failed');
      } finally {
        this.loop = null;
      }
    })();
  }

  private async run(job: TrainingJob): Promise<void> {
    const { log, metrics, registry } = this.options;
    const t0 = performance.now();
    const current: Current = { id: job.id, handle: null, progress: 0, stage: 'starting', stopping: null };
    this.current = current;
    this.emit({ ...job });
    let persisted = 0;
    let writes = Promise.resolve();
    const progress = (stage: string, value: number) => {
      current.stage = stage;
      current.progress = Math.max(current.progress, Math.min(1, value));
      this.emit({ ...job, status: 'running', progress: current.progress, stage });
      const now = Date.now();
      if (now - persisted < (this.options.persistEveryMs ?? 1000)) return;
      persisted = now;
      writes = writes
        .then(() => this.jobs.progress(job.id, current.progress, stage))
        .catch((err: unknown) => log.error({ err }, 'training progress write failed'));
    };
    const heartbeat = setInterval(
      () => void this.jobs.heartbeat(job.id).catch((err: unknown) => log.error({ err }, 'heartbeat failed')),
      HEARTBEAT_MS,
    );
    heartbeat.unref();
    let outcome: Parameters<JobStore['finish']>[2];
    try {
      let datasetId = job.datasetId;
      if (!datasetId) {
        if (!job.datasetSpec) throw new Error('the job has neither a dataset nor a dataset spec');
        progress('generating data', 0);
        datasetId = (await this.datasets.generate(job.datasetSpec, { createdBy: job.createdBy })).id;
        await this.jobs.setDataset(job.id, datasetId);
      }
      const csvGzip = await this.datasets.content(datasetId);
      if (current.stopping) throw new TaskCancelledError('stopped before training');
      current.handle = runOnWorker<TrainedArtifact>(
        {
          kind: 'train',
          csvGzip,
          algorithm: job.algorithm,
          params: job.params,
          target: job.target,
          positiveLabel: job.positiveLabel ?? undefined,
          threads: this.options.threads ?? 1,
        },
        progress,
      );
      const trained = await current.handle.result;
      progress('registering the model', 0.98);
      const version = await registry.registerArtifact(trained.lineage, trained.artifact, {
        parent: job.parentVersion ?? undefined,
        description: job.description || `${job.algorithm} trained by job ${job.id}`,
      });
      if (job.setAlias) await registry.setAlias(job.setAlias, version);
      outcome = { status: 'succeeded', modelVersion: version, metrics: trained.lineage.metrics };
      log.info(
        { job: job.id, version, seconds: (performance.now() - t0) / 1000, rows: trained.rows },
        'training job succeeded',
      );
    } catch (err) {
      if (err instanceof TaskCancelledError || current.stopping) {
        outcome =
          current.stopping === 'shutdown'
            ? { status: 'failed', error: 'the server shut down during training; submit it again' }
            : { status: 'cancelled', error: 'cancelled while running' };
      } else {
        // Data problems name their line and column; anything else is reported as it came.
        outcome = { status: 'failed', error: (err as Error).message || String(err) };
        log.warn({ job: job.id, err }, 'training job failed');
      }
    }
    clearInterval(heartbeat);
    await writes;
    const finished = await this.jobs.finish(job.id, ['running'], outcome);
    this.current = null;
    metrics?.trainingJobs.labels({ status: outcome.status, algorithm: job.algorithm }).inc();
    if (outcome.status === 'succeeded')
      metrics?.trainingDuration.labels({ algorithm: job.algorithm }).observe((performance.now() - t0) / 1000);
    if (finished) this.emit(finished);
  }
}
