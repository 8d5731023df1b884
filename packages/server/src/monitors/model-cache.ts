import { ChurnError } from '../errors/index.js';
import type { ModelRegistry } from '../registry/index.js';
import { type MonitoredModel, monitoredModel, useShapImportance } from './monitored-model.js';

/** How long "this version is not registered" is remembered before the registry is asked again. */
const NOT_FOUND_TTL_MS = 30_000;

/**
 * Model versions as the monitors need them, loaded from the registry once per version (shared by
 * the drift and outlier monitors of a process). An unknown version is remembered for a while so
 * that a stream of events naming it does not become a stream of queries.
 */
export class MonitoredModels {
  private readonly loaded = new Map<number, Promise<MonitoredModel>>();
  private readonly missing = new Map<number, number>();

  constructor(
    private readonly registry: Pick<ModelRegistry, 'load'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The version's monitoring view, or a string saying why there is none (not registered).
   * Other failures (the database is down) throw, so the batch is retried.
   */
  async get(version: number): Promise<MonitoredModel | string> {
    const gone = this.missing.get(version);
    if (gone !== undefined && this.now() - gone < NOT_FOUND_TTL_MS)
      return `/payload/model_version: model version ${version} is not registered`;
    let p = this.loaded.get(version);
    if (!p) {
      p = this.registry.load(version).then((m) => {
        const monitored = monitoredModel(version, m);
        // Models made elsewhere (CLI, older files) lack it: computed in the background, the drift
        // monitor weighing by gain until it is done.
        if (monitored.importanceSource !== 'mean_abs_shap') useShapImportance(monitored, m).catch(() => {});
        return monitored;
      });
      this.loaded.set(version, p);
    }
    try {
      const m = await p;
      this.missing.delete(version);
      return m;
    } catch (err) {
      this.loaded.delete(version);
      if (err instanceof ChurnError && err.code === 'CHURN_ERR_NOT_FOUND') {
        this.missing.set(version, this.now());
        return `/payload/model_version: model version ${version} is not registered`;
      }
      throw err;
    }
  }
}
