import type { Logger } from 'pino';
import { ChurnError } from '../errors/index.js';
import { apiKeyId, verifyApiKey } from './api-key.js';
import type { ApiKeyStore } from './api-key-store.js';

export type BootstrapOutcome = 'configured-created' | 'configured-present' | 'generated' | 'admin-present';

/**
 * Make sure an administrator can reach the API at start-up. With CHURN_BOOTSTRAP_ADMIN_KEY, that
 * key is stored as an admin key unless it already is (idempotent across restarts; a revoked
 * bootstrap key stays revoked). Otherwise, when no active admin key exists, one is generated and
 * printed once through `print`, never logged: only its id goes to the log.
 */
export async function bootstrapAdminKey(
  store: ApiKeyStore,
  configuredKey: string | undefined,
  log: Logger,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<BootstrapOutcome> {
  if (configuredKey !== undefined) {
    const id = apiKeyId(configuredKey);
    if (id === null)
      throw new ChurnError(
        'CHURN_ERR_CONFIG',
        'CHURN_BOOTSTRAP_ADMIN_KEY is not of the form ck_<id>_<secret>',
      );
    let row = await store.find(id);
    if (row === null) {
      try {
        await store.create({
          name: 'bootstrap-admin',
          role: 'admin',
          createdBy: 'bootstrap',
          key: configuredKey,
        });
        log.info({ key_id: id }, 'bootstrap admin key from CHURN_BOOTSTRAP_ADMIN_KEY stored');
        return 'configured-created';
      } catch (err) {
        // Another instance starting at the same time stored it first.
        if (!(err instanceof ChurnError && err.code === 'CHURN_ERR_CONFLICT')) throw err;
        row = await store.find(id);
      }
    }
    if (row === null || !(await verifyApiKey(configuredKey, row.salt, row.hash)) || row.role !== 'admin') {
      throw new ChurnError(
        'CHURN_ERR_CONFIG',
        `CHURN_BOOTSTRAP_ADMIN_KEY: the id ${id} belongs to another API key: choose another id`,
        [{ path: 'CHURN_BOOTSTRAP_ADMIN_KEY', message: 'its id belongs to another API key' }],
      );
    }
    if (row.revokedAt === null) return 'configured-present';
    log.warn({ key_id: id }, 'CHURN_BOOTSTRAP_ADMIN_KEY was revoked: it is not reinstated');
  }
  if ((await store.activeAdminCount()) > 0) return 'admin-present';
  const { record, key } = await store.create({
    name: 'bootstrap-admin',
    role: 'admin',
    createdBy: 'bootstrap',
  });
  log.info({ key_id: record.id }, 'no admin API key existed: generated one (printed once on stdout)');
  print(`Admin API key (shown once, store it now; set CHURN_BOOTSTRAP_ADMIN_KEY to choose your own): ${key}`);
  return 'generated';
}
