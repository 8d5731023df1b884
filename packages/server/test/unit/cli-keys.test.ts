import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PATTERN } from '../../src/auth/index.js';
import { churnWith, requireBuiltCli } from '../helpers/cli.js';

// The built CLI on an embedded database of its own (CHURN_DATA_DIR), the way an operator runs it.
const dataDir = mkdtempSync(join(tmpdir(), 'churn-keys-'));
beforeAll(requireBuiltCli);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const churn = (...args: string[]) =>
  churnWith({ env: { DATABASE_URL: '', CHURN_DATA_DIR: dataDir } }, ...args);

// Each command opens the embedded database (seconds on a busy machine): generous timeouts.
const SLOW = 180_000;

describe('churn keys', () => {
  let adminKey: string;
  let shop: { id: string; key: string };
  let adminId: string;

  it(
    'creates keys, each shown once',
    () => {
      const admin = churn('keys', 'create', '--name', 'ops', '--role', 'admin');
      expect(admin.status, admin.stderr).toBe(0);
      const [line1, key] = admin.stdout.trim().split('\n');
      expect(line1).toMatch(/^Created API key [a-z0-9]+ \(ops, role admin\)/);
      expect(key).toMatch(API_KEY_PATTERN);
      adminKey = key;
      adminId = /^Created API key ([a-z0-9]+)/.exec(line1)?.[1] ?? '';

      const created = churn(
        'keys',
        'create',
        '--name',
        'shop',
        '--role',
        'predict',
        '--rps',
        '5',
        '--burst',
        '10',
        '--json',
      );
      expect(created.status, created.stderr).toBe(0);
      shop = JSON.parse(created.stdout);
      expect(shop).toMatchObject({
        name: 'shop',
        role: 'predict',
        revoked_at: null,
        rate_limit: { rps: 5, burst: 10 },
      });
      expect((shop as unknown as { created_by: string }).created_by).toMatch(/^cli:/);
      expect(shop.key.startsWith(`ck_${shop.id}_`)).toBe(true);
    },
    SLOW,
  );

  it(
    'lists keys without secrets',
    () => {
      const listed = churn('keys', 'list', '--json');
      expect(listed.status).toBe(0);
      const { keys } = JSON.parse(listed.stdout);
      expect(keys.map((k: { name: string }) => k.name).sort()).toEqual(['ops', 'shop']);
      expect(listed.stdout).not.toContain(shop.key.slice(-20));
      expect(listed.stdout).not.toContain(adminKey.slice(-20));
      expect(listed.stdout).not.toMatch(/"(hash|salt|key)"/);
    },
    SLOW,
  );

  it(
    'revokes by id once, and never the last active admin key',
    () => {
      const revoked = churn('keys', 'revoke', shop.id, '--json');
      expect(revoked.status, revoked.stderr).toBe(0);
      expect(JSON.parse(revoked.stdout).revoked_at).not.toBeNull();
      const table = churn('keys', 'list');
      expect(table.stdout).toMatch(new RegExp(`${shop.id}\\s+shop\\s+predict\\s+revoked `));

      const again = churn('keys', 'revoke', shop.id);
      expect([again.status, again.stderr]).toEqual([
        2,
        `churn keys revoke: API key ${shop.id} is already revoked [CHURN_ERR_CONFLICT]\n`,
      ]);
      const lastAdmin = churn('keys', 'revoke', adminId);
      expect(lastAdmin.status).toBe(2);
      expect(lastAdmin.stderr).toContain('last active admin key');
    },
    SLOW,
  );

  it.each([
    [['keys', 'create', '--name', 'x', '--role', 'root'], '--role must be one of predict, admin'],
    [['keys', 'create', '--role', 'admin'], 'missing required option --name'],
    [['keys', 'create', '--name', 'x', '--role', 'admin', '--rps', '5'], '--rps and --burst go together'],
    [['keys', 'revoke'], 'missing required option --id'],
    [['keys', 'revoke', 'a', 'b'], 'too many arguments'],
    [['keys', 'revoke', 'ffffffffffffffff'], 'API key ffffffffffffffff does not exist'],
  ])(
    'churn %j exits 2 with one line',
    (args, message) => {
      const r = churn(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    },
    SLOW,
  );
});
