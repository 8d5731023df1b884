import type { AppContext } from '../../src/app-context.js';
import type { Role } from '../../src/auth/index.js';

/**
 * Create an API key of `role` in the context's database and return the headers that send it.
 *
 * @example
 * const admin = await createTestKey(ctx, 'admin');
 * await app.inject({ method: 'PUT', url: '/v1/routing', headers: admin.headers, payload });
 */
export async function createTestKey(
  ctx: AppContext,
  role: Role,
  name = `test-${role}`,
): Promise<{ id: string; key: string; headers: Record<string, string> }> {
  const { record, key } = await ctx.apiKeys.create({ name, role, createdBy: 'test' });
  return { id: record.id, key, headers: { authorization: `Bearer ${key}` } };
}
