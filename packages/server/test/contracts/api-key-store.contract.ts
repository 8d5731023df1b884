import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, ApiKeyStore, bootstrapAdminKey } from '../../src/auth/index.js';
import type { Database } from '../../src/db/index.js';

const silent = pino({ level: 'silent' });

/**
 * The one suite the API key store passes on every Database (PGlite, PostgreSQL). `open` gives an
 * open, migrated database of the suite's own.
 */
export function apiKeyStoreContract(
  name: string,
  open: () => Promise<Database>,
  close?: () => Promise<void>,
): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    let db: Database;
    let store: ApiKeyStore;
    beforeAll(async () => {
      db = await open();
      store = new ApiKeyStore(db);
    });
    afterAll(async () => {
      await db?.close();
      await close?.();
    });

    it('creates a key shown once and stores only a salted scrypt hash, audited', async () => {
      const { record, key } = await store.create({ name: 'ci', role: 'predict', createdBy: 'test:suite' });
      expect(key).toMatch(API_KEY_PATTERN);
      expect(key.startsWith(`ck_${record.id}_`)).toBe(true);
      expect(record).toMatchObject({
        name: 'ci',
        role: 'predict',
        revokedAt: null,
        lastUsedAt: null,
        rateLimit: null,
      });
      expect(record).not.toHaveProperty('hash');
      const [row] = await db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [
        record.id,
      ]);
      const secret = key.slice(`ck_${record.id}_`.length);
      for (const value of Object.values(row)) {
        expect(String(value)).not.toContain(secret);
        expect(String(value)).not.toContain(key);
      }
      expect(row.salt).toMatch(/^[0-9a-f]{32}$/);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      const audit = await db.query<{ actor: string; after: { id: string } }>(
        "SELECT actor, after FROM audit_log WHERE action = 'api_key.create' AND after->>'id' = $1",
        [record.id],
      );
      expect(audit).toEqual([
        { actor: 'test:suite', after: expect.objectContaining({ id: record.id, role: 'predict' }) },
      ]);
      expect(JSON.stringify(audit)).not.toContain(secret);
    });

    it('salts: the same key twice gives two different hashes', async () => {
      const a = await store.create({ name: 'a', role: 'predict', createdBy: 't' });
      const b = await store.create({ name: 'b', role: 'predict', createdBy: 't' });
      const rows = await db.query<{ hash: string }>('SELECT hash FROM api_keys WHERE id IN ($1, $2)', [
        a.record.id,
        b.record.id,
      ]);
      expect(new Set(rows.map((r) => r.hash)).size).toBe(2);
    });

    it('stores a given key once, with its own rate limit, and refuses its id again', async () => {
      const key = 'ck_given0001_abcdefghijklmnopqrstuvwxyz012345';
      const { record } = await store.create({
        name: 'given',
        role: 'admin',
        createdBy: 't',
        key,
        rateLimit: { rps: 2.5, burst: 7 },
      });
      expect(record).toMatchObject({ id: 'given0001', role: 'admin', rateLimit: { rps: 2.5, burst: 7 } });
      await expect(store.create({ name: 'again', role: 'admin', createdBy: 't', key })).rejects.toMatchObject(
        {
          code: 'CHURN_ERR_CONFLICT',
        },
      );
      await expect(store.create({ name: ' ', role: 'admin', createdBy: 't' })).rejects.toMatchObject({
        code: 'CHURN_ERR_VALIDATION',
      });
    });

    it('lists keys without secrets and finds one with its hash', async () => {
      const list = await store.list();
      expect(list.length).toBeGreaterThanOrEqual(4);
      for (const k of list) {
        expect(Object.keys(k).sort()).toEqual(
          ['createdAt', 'createdBy', 'id', 'lastUsedAt', 'name', 'rateLimit', 'revokedAt', 'role'].sort(),
        );
      }
      const found = await store.find('given0001');
      expect(found?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.find('nosuchkey')).toBeNull();
    });

    it('records use lazily and revokes once, audited, with 404 and 409 otherwise', async () => {
      const { record } = await store.create({ name: 'gone', role: 'predict', createdBy: 't' });
      await store.touch([record.id]);
      expect((await store.find(record.id))?.lastUsedAt).not.toBeNull();
      const revoked = await store.revoke(record.id, 'key:x (ops)');
      expect(revoked.revokedAt).not.toBeNull();
      await expect(store.revoke(record.id, 'key:x (ops)')).rejects.toMatchObject({
        code: 'CHURN_ERR_CONFLICT',
      });
      await expect(store.revoke('nosuchkey', 'key:x (ops)')).rejects.toMatchObject({
        code: 'CHURN_ERR_NOT_FOUND',
      });
      const audit = await db.query<{
        actor: string;
        before: { revokedAt: null };
        after: { revokedAt: string };
      }>("SELECT actor, before, after FROM audit_log WHERE action = 'api_key.revoke' AND after->>'id' = $1", [
        record.id,
      ]);
      expect(audit).toHaveLength(1);
      expect(audit[0].actor).toBe('key:x (ops)');
      expect(audit[0].before.revokedAt).toBeNull();
      expect(audit[0].after.revokedAt).toBe(revoked.revokedAt);
    });

    it('never revokes the last active admin key', async () => {
      const admins = (await store.list()).filter((k) => k.role === 'admin' && k.revokedAt === null);
      for (const k of admins.slice(1)) await store.revoke(k.id, 't');
      expect(await store.activeAdminCount()).toBe(1);
      await expect(store.revoke(admins[0].id, 't')).rejects.toMatchObject({ code: 'CHURN_ERR_CONFLICT' });
    });

    it('bootstraps a configured admin key idempotently, and refuses one whose id is taken', async () => {
      const key = 'ck_boot0001_0123456789abcdefghij';
      const printed: string[] = [];
      const print = (line: string) => printed.push(line);
      expect(await bootstrapAdminKey(store, key, silent, print)).toBe('configured-created');
      expect(await bootstrapAdminKey(store, key, silent, print)).toBe('configured-present');
      expect((await store.list()).filter((k) => k.id === 'boot0001')).toHaveLength(1);
      await expect(
        bootstrapAdminKey(store, 'ck_boot0001_another-secret-entirely', silent, print),
      ).rejects.toMatchObject({ code: 'CHURN_ERR_CONFIG' });
      expect(printed).toEqual([]);
    });

    it('generates and prints an admin key once when none is active, and a revoked bootstrap key stays revoked', async () => {
      await db.query("UPDATE api_keys SET revoked_at = now() WHERE role = 'admin'");
      const printed: string[] = [];
      const print = (line: string) => printed.push(line);
      expect(await bootstrapAdminKey(store, 'ck_boot0001_0123456789abcdefghij', silent, print)).toBe(
        'generated',
      );
      expect(printed).toHaveLength(1);
      const key = /(ck_\S+)$/.exec(printed[0])?.[1] ?? '';
      expect(key).toMatch(API_KEY_PATTERN);
      expect((await store.find('boot0001'))?.revokedAt).not.toBeNull();
      expect(await bootstrapAdminKey(store, undefined, silent, print)).toBe('admin-present');
      expect(printed).toHaveLength(1);
      expect(await store.activeAdminCount()).toBe(1);
    });
  });
}
