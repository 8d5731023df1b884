import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { ownDatabase } from '../helpers/own-database.js';

/** The services scripts/services.sh started (npm test exports them). */
export function serviceEnv(): { databaseUrl: string; brokers: string[] } {
  const databaseUrl = process.env.DATABASE_URL;
  const brokers = process.env.KAFKA_BROKERS;
  if (!databaseUrl || !brokers) {
    throw new Error(
      'DATABASE_URL and KAFKA_BROKERS must be set: run the integration tests through `npm test` ' +
        '(scripts/test.sh) or `eval "$(bash scripts/services.sh env)"`',
    );
  }
  return { databaseUrl, brokers: brokers.split(',').map((b) => b.trim()) };
}

/** A PostgreSQL database of the test's own on the shared server, dropped by `drop()`. */
export async function freshDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const db = ownDatabase(`churn_events_${randomUUID().replace(/-/g, '').slice(0, 12)}`, baseUrl);
  await db.recreate();
  return { url: db.url, drop: () => db.drop() };
}

/** Delete the topics whose names start with `prefix`. */
export async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Admin({ clientId: 'events-test-cleanup', bootstrapBrokers: brokers });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.close();
  }
}
