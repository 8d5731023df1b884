import { userInfo } from 'node:os';
import { type ApiKeyRecord, ApiKeyStore, ROLES, type Role } from '../../auth/index.js';
import { loadConfig } from '../../config/index.js';
import { type Database, openDatabase } from '../../db/index.js';
import { ChurnError } from '../../errors/index.js';
import type { Command } from '../args.js';
import { printResult } from '../io.js';

/**
 * Run `fn` on the configured database: PostgreSQL at DATABASE_URL, else the embedded PGlite in
 * CHURN_DATA_DIR (stop `npm start` first: an embedded database has one user at a time).
 */
async function withStore<T>(fn: (store: ApiKeyStore) => Promise<T>): Promise<T> {
  const db: Database = await openDatabase(loadConfig(process.env));
  try {
    return await fn(new ApiKeyStore(db));
  } finally {
    await db.close();
  }
}

const actor = (): string => `cli:${userInfo().username}`;

const toJson = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  created_at: k.createdAt,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
  created_by: k.createdBy,
  rate_limit: k.rateLimit,
});

export const keysCreateCommand: Command = {
  name: 'keys create',
  summary: 'Create an API key on the configured database; the key is printed once.',
  options: {
    name: { type: 'string', description: 'Who or what the key is for', required: true, value: 'NAME' },
    role: { type: 'string', description: 'What it may do', required: true, choices: ROLES, value: 'ROLE' },
    rps: { type: 'number', description: 'Own rate limit: requests per second', min: 0.001, value: 'N' },
    burst: { type: 'int', description: 'Own rate limit: burst (with --rps)', min: 1, value: 'N' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run(o) {
    if ((o.rps === undefined) !== (o.burst === undefined))
      throw new ChurnError(
        'CHURN_ERR_USAGE',
        '--rps and --burst go together (see: churn keys create --help)',
      );
    const rateLimit = o.rps === undefined ? undefined : { rps: o.rps as number, burst: o.burst as number };
    const { record, key } = await withStore((store) =>
      store.create({ name: o.name as string, role: o.role as Role, createdBy: actor(), rateLimit }),
    );
    printResult(Boolean(o.json), { ...toJson(record), key }, () =>
      [
        `Created API key ${record.id} (${record.name}, role ${record.role}). It is shown once: store it now.`,
        key,
      ].join('\n'),
    );
  },
};

export const keysListCommand: Command = {
  name: 'keys list',
  summary: 'List API keys (never their secrets), active and revoked.',
  options: { json: { type: 'boolean', description: 'Print JSON' } },
  async run(o) {
    const keys = await withStore((store) => store.list());
    printResult(Boolean(o.json), { keys: keys.map(toJson) }, () => {
      if (keys.length === 0) return 'No API keys.';
      const rows = keys.map((k) => [
        k.id,
        k.name,
        k.role,
        k.revokedAt ? `revoked ${k.revokedAt}` : 'active',
        k.createdAt,
        k.lastUsedAt ?? 'never',
      ]);
      const all = [['ID', 'NAME', 'ROLE', 'STATUS', 'CREATED', 'LAST USED'], ...rows];
      const widths = all[0].map((_, c) => Math.max(...all.map((r) => r[c].length)));
      return all
        .map((r) =>
          r
            .map((cell, c) => cell.padEnd(widths[c]))
            .join('  ')
            .trimEnd(),
        )
        .join('\n');
    });
  },
};

export const keysRevokeCommand: Command = {
  name: 'keys revoke',
  summary: 'Revoke an API key by id (churn keys revoke ID).',
  positional: 'id',
  options: {
    id: { type: 'string', description: 'The key id (from churn keys list)', required: true, value: 'ID' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run(o) {
    const record = await withStore((store) => store.revoke(o.id as string, actor()));
    printResult(
      Boolean(o.json),
      toJson(record),
      () =>
        `Revoked API key ${record.id} (${record.name}). Running servers refuse it within seconds (at once when revoked through the API).`,
    );
  },
};
