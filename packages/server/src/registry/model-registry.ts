import { type ChurnModel, modelFromJson, modelToJson } from '@churn/ml';
import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';

/** A registered model version as listed by the registry (without its artifact). */
export interface ModelVersion {
  readonly version: number;
  readonly algorithm: string;
  readonly parent: number | null;
  readonly dataHash: string;
  readonly params: Record<string, unknown>;
  readonly metrics: Record<string, unknown> | null;
  readonly createdAt: string;
  readonly description: string;
  readonly aliases: string[];
}

export type Alias = 'champion' | 'challenger';

/** What the registry records about a model besides its artifact. */
export interface ModelLineage {
  readonly algorithm: string;
  readonly dataHash: string;
  readonly params: Record<string, unknown>;
  readonly metrics: Record<string, unknown> | null;
}

/** A trained model's lineage: data hash, parameters, held-out metrics (with their source). */
export function modelLineage(model: ChurnModel): ModelLineage {
  const t = model.training;
  return {
    algorithm: model.algorithm,
    dataHash: t.dataHash,
    params: { ...t.params },
    metrics: t.metrics ? { ...t.metrics, source: t.metricsSource } : null,
  };
}

interface Row extends Record<string, unknown> {
  version: number;
  algorithm: string;
  parent: number | null;
  data_hash: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  created_at: Date | string;
  description: string;
}

/**
 * Model versions with their lineage (data hash, parameters, metrics, parent) and aliases, the
 * artifacts stored in the database beside them.
 */
/**
 * Characters of an artifact per stored part (db/migrations/009_artifact_parts.sql): the database
 * handles a large model one part at a time.
 */
const ARTIFACT_PART = 1 << 20;

/**
 * The artifact cut into parts of at most `size` UTF-16 units (2 when `size` is 1 and a surrogate
 * pair starts a part), never inside a surrogate pair.
 */
export function artifactParts(artifact: string, size = ARTIFACT_PART): string[] {
  const parts: string[] = [];
  let start = 0;
  do {
    let end = Math.min(artifact.length, start + size);
    const last = artifact.charCodeAt(end - 1);
    // Never end on the first half of a pair: end before it, or after it when it starts the part.
    if (end < artifact.length && last >= 0xd800 && last <= 0xdbff) end += end - start > 1 ? -1 : 1;
    parts.push(artifact.slice(start, end));
    start = end;
  } while (start < artifact.length);
  return parts;
}

export class ModelRegistry {
  /**
   * Models loaded by this registry, by version, while anything still holds them. A version's
   * artifact never changes, so the router's scorers, the monitors and the retraining
   * orchestrator share one copy (the 100-tree forest is tens of MB of typed arrays, and parsing
   * its artifact leaves about as much garbage) instead of each loading its own.
   */
  private readonly loaded = new Map<number, WeakRef<ChurnModel> | Promise<ChurnModel>>();
  private readonly forget = new FinalizationRegistry<number>((version) => {
    const entry = this.loaded.get(version);
    if (entry instanceof WeakRef && entry.deref() === undefined) this.loaded.delete(version);
  });

  constructor(private readonly db: Database) {}

  /** Register a trained model; returns its new version number. */
  async register(
    model: ChurnModel,
    options: { parent?: number; description?: string } = {},
  ): Promise<number> {
    return this.registerArtifact(modelLineage(model), modelToJson(model), options);
  }

  /**
   * Register an already serialized model (`modelToJson`) with its lineage: lets a training
   * worker thread do the serializing, so the serving thread only stores text.
   */
  async registerArtifact(
    lineage: ModelLineage,
    artifact: string,
    options: { parent?: number; description?: string } = {},
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [{ next }] = await tx.query<{ next: number }>(
        'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM models',
      );
      await tx.query(
        `INSERT INTO models (version, algorithm, parent, data_hash, params, metrics, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          next,
          lineage.algorithm,
          options.parent ?? null,
          lineage.dataHash,
          JSON.stringify(lineage.params),
          lineage.metrics ? JSON.stringify(lineage.metrics) : null,
          options.description ?? '',
        ],
      );
      // One statement per part: the database never holds more than one part of it at once.
      const parts = artifactParts(artifact);
      for (let part = 0; part < parts.length; part++) {
        await tx.query('INSERT INTO model_artifact_parts (version, part, body) VALUES ($1, $2, $3)', [
          next,
          part,
          parts[part],
        ]);
      }
      return Number(next);
    });
  }

  async list(): Promise<ModelVersion[]> {
    const rows = await this.db.query<Row>(
      'SELECT version, algorithm, parent, data_hash, params, metrics, created_at, description FROM models ORDER BY version',
    );
    const aliases = await this.aliases();
    return rows.map((r) => toVersion(r, aliases));
  }

  async get(version: number): Promise<ModelVersion> {
    const rows = await this.db.query<Row>(
      'SELECT version, algorithm, parent, data_hash, params, metrics, created_at, description FROM models WHERE version = $1',
      [version],
    );
    if (rows.length === 0)
      throw new ChurnError('CHURN_ERR_NOT_FOUND', `model version ${version} does not exist`);
    return toVersion(rows[0], await this.aliases());
  }

  /**
   * A version's model, from its stored artifact. Callers share the returned object: it must not
   * be modified.
   */
  async load(version: number): Promise<ChurnModel> {
    const entry = this.loaded.get(version);
    const held = entry instanceof WeakRef ? entry.deref() : entry;
    if (held) return held;
    const loading = this.loadArtifact(version);
    this.loaded.set(version, loading);
    try {
      const model = await loading;
      this.loaded.set(version, new WeakRef(model));
      this.forget.register(model, version);
      return model;
    } catch (err) {
      this.loaded.delete(version);
      throw err;
    }
  }

  private async loadArtifact(version: number): Promise<ChurnModel> {
    const parts = await this.db.query<{ body: string }>(
      'SELECT body FROM model_artifact_parts WHERE version = $1 ORDER BY part',
      [version],
    );
    if (parts.length === 0)
      throw new ChurnError('CHURN_ERR_NOT_FOUND', `model version ${version} does not exist`);
    return modelFromJson(parts.length === 1 ? parts[0].body : parts.map((p) => p.body).join(''));
  }

  async setAlias(alias: Alias, version: number): Promise<void> {
    await this.get(version);
    await this.db.query(
      `INSERT INTO model_aliases (alias, version) VALUES ($1, $2)
       ON CONFLICT (alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
      [alias, version],
    );
  }

  async removeAlias(alias: Alias): Promise<void> {
    await this.db.query('DELETE FROM model_aliases WHERE alias = $1', [alias]);
  }

  /** alias → version. */
  async aliases(): Promise<Record<string, number>> {
    const rows = await this.db.query<{ alias: string; version: number }>(
      'SELECT alias, version FROM model_aliases',
    );
    return Object.fromEntries(rows.map((r) => [r.alias, Number(r.version)]));
  }
}

function toVersion(r: Row, aliases: Record<string, number>): ModelVersion {
  return {
    version: Number(r.version),
    algorithm: r.algorithm,
    parent: r.parent === null ? null : Number(r.parent),
    dataHash: r.data_hash,
    params: r.params,
    metrics: r.metrics,
    createdAt: new Date(r.created_at).toISOString(),
    description: r.description,
    aliases: Object.entries(aliases)
      .filter(([, v]) => v === Number(r.version))
      .map(([a]) => a)
      .sort(),
  };
}
