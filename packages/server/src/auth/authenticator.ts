import type { Logger } from 'pino';
import { apiKeyId, generateApiKey, keyDigest, type Role, verifyApiKey } from './api-key.js';
import type { ApiKeyStore, KeyRateLimit } from './api-key-store.js';

/** Who is calling: the key's id, name and role (never its secret). */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** A per-key rate limit, or null for the configured default. */
  readonly rateLimit: KeyRateLimit | null;
}

export interface AuthenticatorOptions {
  /** How long a verified key is trusted before its row is read again (revocation delay in other processes). */
  readonly ttlMs?: number;
  /** Most cached keys (verified and refused, each); the oldest go first. */
  readonly maxEntries?: number;
  /** Least time between two `last_used_at` updates of one key. */
  readonly touchIntervalMs?: number;
  /** Clock in milliseconds (tests). */
  readonly now?: () => number;
  readonly log?: Logger;
}

interface Entry {
  principal: Principal;
  checkedAt: number;
  touchedAt: number;
}

/**
 * Checks API keys without paying scrypt per request.
 *
 * A key is looked up by the id it carries and verified with scrypt once; then it is cached in
 * memory under a SHA-256 digest of the key (not the key itself) for `ttlMs` (10 s by default).
 * After that the row is read again (a primary-key lookup, no scrypt) to see a revocation. The
 * trade-off: a key revoked through another process keeps working there for up to `ttlMs`; a key
 * revoked through this process stops at once (`forget`). Refused keys are cached too, so that a
 * flood of wrong secrets costs no scrypt and no database round trip; concurrent checks of one
 * uncached key share a single verification.
 */
export class Authenticator {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly touchIntervalMs: number;
  private readonly now: () => number;
  private readonly verified = new Map<string, Entry>();
  private readonly refused = new Map<string, number>();
  private readonly pending = new Map<string, Promise<Principal | null>>();
  private readonly internal = new Map<string, Principal>();
  private readonly log?: Logger;

  constructor(
    private readonly store: ApiKeyStore,
    options: AuthenticatorOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  /** The key's principal, or null when the key is malformed, unknown, revoked or wrong. */
  async authenticate(key: string): Promise<Principal | null> {
    const id = apiKeyId(key);
    if (id === null) return null;
    const digest = keyDigest(key);
    const inProcess = this.internal.get(digest);
    if (inProcess) return inProcess;
    const now = this.now();
    const entry = this.verified.get(digest);
    if (entry && now - entry.checkedAt < this.ttlMs) {
      if (now - entry.touchedAt >= this.touchIntervalMs) {
        entry.touchedAt = now;
        this.touch(entry.principal.id);
      }
      return entry.principal;
    }
    const refusedUntil = this.refused.get(digest);
    if (refusedUntil !== undefined) {
      if (now < refusedUntil) return null;
      this.refused.delete(digest);
    }
    let check = this.pending.get(digest);
    if (!check) {
      check = this.check(id, key, digest, entry).finally(() => this.pending.delete(digest));
      this.pending.set(digest, check);
    }
    return check;
  }

  /** Drop a key from the cache at once (after revoking it). */
  forget(id: string): void {
    for (const [digest, entry] of this.verified) if (entry.principal.id === id) this.verified.delete(digest);
  }

  /**
   * A key valid in this process only, never stored: for in-process callers such as simulated
   * demo traffic injected into the app. It is rate-limited like any other key.
   */
  issueInternalKey(name: string, role: Role): string {
    const { id, key } = generateApiKey();
    this.internal.set(keyDigest(key), { id: `internal-${id}`, name, role, rateLimit: null });
    return key;
  }

  private async check(id: string, key: string, digest: string, known?: Entry): Promise<Principal | null> {
    const row = await this.store.find(id);
    // A key verified before needs no scrypt again: only whether its row still stands.
    const ok =
      row !== null &&
      row.revokedAt === null &&
      (known !== undefined || (await verifyApiKey(key, row.salt, row.hash)));
    const now = this.now();
    if (!ok || row === null) {
      this.verified.delete(digest);
      this.bounded(this.refused, digest, now + this.ttlMs);
      return null;
    }
    const principal: Principal = { id: row.id, name: row.name, role: row.role, rateLimit: row.rateLimit };
    this.bounded(this.verified, digest, { principal, checkedAt: now, touchedAt: known?.touchedAt ?? now });
    if (!known) this.touch(row.id);
    return principal;
  }

  private bounded<V>(map: Map<string, V>, digest: string, value: V): void {
    map.delete(digest);
    map.set(digest, value);
    if (map.size > this.maxEntries) map.delete(map.keys().next().value as string);
  }

  private touch(id: string): void {
    this.store.touch([id]).catch((err: unknown) => this.log?.warn({ err }, 'could not record API key use'));
  }
}
