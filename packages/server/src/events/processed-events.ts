import type { Database } from '../db/index.js';
import type { EventEnvelope } from './envelope.js';

/**
 * Idempotency by event id for consumers without a natural key: record the batch's ids in
 * `processed_events` and get back the events this group has not applied before. Call it in the
 * same transaction as the consumer's own writes, so that both commit or neither does.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const fresh = await claimEvents(tx, 'drift-monitor', batch);
 *   await applyToWindows(tx, fresh);
 * });
 */
export async function claimEvents(
  tx: Pick<Database, 'query'>,
  group: string,
  events: readonly EventEnvelope[],
): Promise<EventEnvelope[]> {
  if (events.length === 0) return [];
  const rows = await tx.query<{ event_id: string }>(
    `INSERT INTO processed_events (consumer_group, event_id)
     SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
    [group, events.map((e) => e.id)],
  );
  const fresh = new Set(rows.map((r) => r.event_id));
  const seen = new Set<string>();
  return events.filter((e) => {
    const id = e.id.toLowerCase();
    if (!fresh.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
