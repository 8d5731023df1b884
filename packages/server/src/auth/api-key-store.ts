import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import { apiKeyId, generateApiKey, hashApiKey, type Role } from './api-key.js';

/** A per-key override of the default rate limit. */
export interface KeyRateLimit {
  /** Tokens added per second. */
  readonly rps: number;
  /** Bucket size: the most requests allowed at once. */
  readonly burst: number;
}

/** An API key as listed: never its secret nor its hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly createdBy: string;
  readonly rateLimit: KeyRateLimit | null;
}

/** A key's row with its salt and scrypt hash, for verification only. */
export interface StoredApiKey extends ApiKeyRecord {
  readonly salt: string;
  readonly hash: string;
}

export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  /** Who creates it, for the audit log: `key:<id> (<name>)`, `cli:<user>`, `bootstrap`. */
  readonly createdBy: string;
  /** A given key (the bootstrap admin key); by default a fresh one is generated. */
  readonly key?: string;
  readonly rateLimit?: KeyRateLimit;
}

interface Row extends Record<string, unknown> {
  id: string;
  name: string;
  role: Role;
  salt: string;
  hash: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
  created_by: string;
  rate_limit_rps: number | null;
  rate_limit_burst: number | null;
}

const COLUMNS =
  'id, name, role, salt, hash, created_at, last_used_at, revoked_at, created_by, rate_limit_rps, rate_limit_burst';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toStored(r: Row): StoredApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    createdAt: iso(r.created_at) as string,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
    createdBy: r.created_by,
    rateLimit:
      r.rate_limit_rps !== null && r.rate_limit_burst !== null
        ? { rps: Number(r.rate_limit_rps), burst: Number(r.rate_limit_burst) }
        : null,
    salt: r.salt,
    hash: r.hash,
  };
}

/** The listed face of a stored key: the salt and hash stay inside the store. */
export function publicRecord(k: StoredApiKey): ApiKeyRecord {
  const { salt: _salt, hash: _hash, ...record } = k;
  return record;
}

/**
 * API keys in the database, hashed with scrypt, with every creation and revocation written to
 * the audit log in the same transaction. Works on any `Database` (PGlite, PostgreSQL).
 *
 * @example
 * const { key } = await store.create({ name: 'ci', role: 'predict', createdBy: 'cli:ops' });
 * // `key` is shown once; only its salted hash is stored.
 */
export class ApiKeyStore {
  constructor(private readonly db: Database) {}

  /** Create a key; returns its record and the key itself (the only time it is available). */
  async create(input: NewApiKey): Promise<{ record: ApiKeyRecord; key: string }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100)
      throw new ChurnError('CHURN_ERR_VALIDATION', 'a key name has 1 to 100 characters', [
        { path: '/name', message: 'must have 1 to 100 characters' },
      ]);
    let id: string;
    let key: string;
    if (input.key !== undefined) {
      const given = apiKeyId(input.key);
      if (given === null)
        throw new ChurnError('CHURN_ERR_VALIDATION', 'the key is not of the form ck_<id>_<secret>');
      [id, key] = [given, input.key];
    } else {
      ({ id, key } = generateApiKey());
    }
    const { salt, hash } = await hashApiKey(key);
    const row = await this.db.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `INSERT INTO api_keys (id, name, role, salt, hash, created_by, rate_limit_rps, rate_limit_burst)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          id,
          name,
          input.role,
          salt,
          hash,
          input.createdBy,
          input.rateLimit?.rps ?? null,
          input.rateLimit?.burst ?? null,
        ],
      );
      if (rows.length === 0)
        throw new ChurnError('CHURN_ERR_CONFLICT', `an API key with id ${id} already exists`);
      const record = publicRecord(toStored(rows[0]));
      await tx.query('INSERT INTO audit_log (actor, action, after) VALUES ($1, $2, $3)', [
        input.createdBy,
        'api_key.create',
        JSON.stringify(record),
      ]);
      return rows[0];
    });
    return { record: publicRecord(toStored(row)), key };
  }

  /** Every key, newest first, active and revoked, without secrets. */
  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`);
    return rows.map((r) => publicRecord(toStored(r)));
  }

  /** One key's row with its salt and hash (for verification), or null. */
  async find(id: string): Promise<StoredApiKey | null> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return rows.length === 0 ? null : toStored(rows[0]);
  }

  /**
   * Revoke an active key (404 when unknown, 409 when already revoked). The last active admin key
   * cannot be revoked: that would lock every administrator out of the API.
   */
  async revoke(id: string, actor: string): Promise<ApiKeyRecord> {
    return this.db.transaction(async (tx) => {
      const [before] = await tx.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) throw new ChurnError('CHURN_ERR_NOT_FOUND', `API key ${id} does not exist`);
      if (before.revoked_at !== null)
        throw new ChurnError('CHURN_ERR_CONFLICT', `API key ${id} is already revoked`);
      if (before.role === 'admin') {
        const [{ n }] = await tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL",
        );
        if (Number(n) <= 1)
          throw new ChurnError(
            'CHURN_ERR_CONFLICT',
            `API key ${id} is the last active admin key: create another first`,
          );
      }
      const [after] = await tx.query<Row>(
        `UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      );
      const record = publicRecord(toStored(after));
      await tx.query('INSERT INTO audit_log (actor, action, before, after) VALUES ($1, $2, $3, $4)', [
        actor,
        'api_key.revoke',
        JSON.stringify(publicRecord(toStored(before))),
        JSON.stringify(record),
      ]);
      return record;
    });
  }

  /** Number of active admin keys. */
  async activeAdminCount(): Promise<number> {
    const [{ n }] = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL",
    );
    return Number(n);
  }

  /** Record that keys were used (called lazily by the authenticator, not per request). */
  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = ANY($1::text[])', [ids]);
  }
}
