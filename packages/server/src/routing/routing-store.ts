import type { Database } from '../db/index.js';
import { ChurnError } from '../errors/index.js';
import {
  candidateVersion,
  type RoutingSpec,
  type RoutingState,
  servingVersion,
  specFromJson,
} from './spec.js';

type Tx = Pick<Database, 'query'>;
export type Aliases = Readonly<Record<string, number>>;

/** One applied routing state, as the history and the audit log keep it. */
export interface RoutingHistoryEntry {
  readonly generation: number;
  /** The generation this one replaced, in rollback order (a rollback skips what it undid). */
  readonly previous: number | null;
  readonly action: string;
  readonly spec: RoutingSpec;
  readonly aliases: Aliases;
  readonly at: string;
  readonly actor: string;
  readonly reason: string;
}

/** What a change computes from the state it replaces (read inside the change's transaction). */
export interface ChangeInput {
  readonly current: RoutingHistoryEntry | null;
  readonly aliases: Aliases;
  /** Read any earlier history entry (for rollback). */
  readonly entry: (generation: number) => Promise<RoutingHistoryEntry | null>;
}

export interface ChangeOutput {
  readonly spec: RoutingSpec;
  /** Defaults to the current generation. */
  readonly previous?: number | null;
  /** Defaults to the aliases the spec implies (champion = serving, challenger = candidate). */
  readonly aliases?: Aliases;
}

// Serialises routing changes across processes (any constant unique to the platform).
const CHANGE_LOCK = 70_420_003;

/** The routing state row, its history and its audit trail, changed together in one transaction. */
export class RoutingStore {
  constructor(private readonly db: Database) {}

  /** The stored state, or null when routing was never set. */
  async current(): Promise<RoutingState | null> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT s.generation, h.spec, s.updated_at, s.updated_by, s.reason
         FROM routing_state s JOIN routing_history h ON h.generation = s.generation WHERE s.id = 1`,
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return {
      generation: Number(r.generation),
      spec: specFromJson(r.spec),
      updatedAt: new Date(r.updated_at as string).toISOString(),
      updatedBy: String(r.updated_by),
      reason: String(r.reason),
    };
  }

  /** The newest generation stored (0 when none): a cheap poll. */
  async generation(): Promise<number> {
    const rows = await this.db.query<{ generation: number }>(
      'SELECT generation FROM routing_state WHERE id = 1',
    );
    return rows.length === 0 ? 0 : Number(rows[0].generation);
  }

  async history(limit = 50): Promise<RoutingHistoryEntry[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      'SELECT * FROM routing_history ORDER BY generation DESC LIMIT $1',
      [limit],
    );
    return rows.map(toEntry);
  }

  /**
   * Make a change in one transaction: the state row, a history entry, the champion/challenger
   * aliases and an audit_log row (actor, action, before, after, reason) commit together or not at
   * all. Concurrent changes from any process are serialised by an advisory lock.
   */
  async change(
    action: string,
    actor: string,
    reason: string,
    compute: (input: ChangeInput) => Promise<ChangeOutput> | ChangeOutput,
  ): Promise<RoutingState> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_LOCK]);
      const aliases = await readAliases(tx);
      const entry = async (g: number) => {
        const rows = await tx.query('SELECT * FROM routing_history WHERE generation = $1', [g]);
        return rows.length === 0 ? null : toEntry(rows[0]);
      };
      const state = await tx.query<{ generation: number }>(
        'SELECT generation FROM routing_state WHERE id = 1',
      );
      let current = state.length === 0 ? null : await entry(Number(state[0].generation));
      if (!current && aliases.champion !== undefined) {
        // Never set before: the implicit state (the champion alone) becomes generation 0, so that
        // the first change can be rolled back.
        current = await insertHistory(tx, {
          generation: 0,
          previous: null,
          action: 'implicit',
          spec: { strategy: 'single', champion: aliases.champion },
          aliases,
          actor: 'system',
          reason: 'routing state before the first change',
        });
      }
      const out = await compute({ current, aliases, entry });
      const generation = (current?.generation ?? 0) + 1;
      const nextAliases = out.aliases ?? impliedAliases(out.spec, aliases);
      const next = await insertHistory(tx, {
        generation,
        previous: out.previous === undefined ? (current?.generation ?? null) : out.previous,
        action,
        spec: out.spec,
        aliases: nextAliases,
        actor,
        reason,
      });
      await writeAliases(tx, nextAliases);
      const s = out.spec;
      const cols = {
        champion: s.strategy === 'blue_green' ? null : s.champion,
        challenger: s.strategy === 'shadow' || s.strategy === 'canary' ? s.challenger : null,
        percent: s.strategy === 'canary' ? s.percent : null,
        blue: s.strategy === 'blue_green' ? s.blue : null,
        green: s.strategy === 'blue_green' ? s.green : null,
        active: s.strategy === 'blue_green' ? s.active : null,
      };
      const [row] = await tx.query<{ updated_at: string }>(
        `INSERT INTO routing_state (id, generation, strategy, champion, challenger, canary_percent, blue, green,
                                    active_color, updated_at, updated_by, reason)
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10)
         ON CONFLICT (id) DO UPDATE SET generation = EXCLUDED.generation, strategy = EXCLUDED.strategy,
           champion = EXCLUDED.champion, challenger = EXCLUDED.challenger,
           canary_percent = EXCLUDED.canary_percent, blue = EXCLUDED.blue, green = EXCLUDED.green,
           active_color = EXCLUDED.active_color, updated_at = EXCLUDED.updated_at,
           updated_by = EXCLUDED.updated_by, reason = EXCLUDED.reason
         RETURNING updated_at`,
        [
          generation,
          s.strategy,
          cols.champion,
          cols.challenger,
          cols.percent,
          cols.blue,
          cols.green,
          cols.active,
          actor,
          reason,
        ],
      );
      await tx.query(
        'INSERT INTO audit_log (actor, action, before, after, reason) VALUES ($1, $2, $3, $4, $5)',
        [
          actor,
          `routing.${action}`,
          current ? JSON.stringify(auditJson(current)) : null,
          JSON.stringify(auditJson(next)),
          reason,
        ],
      );
      return {
        generation,
        spec: out.spec,
        updatedAt: new Date(row.updated_at).toISOString(),
        updatedBy: actor,
        reason,
      };
    });
  }
}

/** Champion alias = the serving version; challenger = the candidate (kept if the spec has none). */
function impliedAliases(spec: RoutingSpec, aliases: Aliases): Aliases {
  const champion = servingVersion(spec);
  const challenger = candidateVersion(spec) ?? aliases.challenger;
  return challenger === undefined || challenger === champion ? { champion } : { champion, challenger };
}

async function readAliases(tx: Tx): Promise<Aliases> {
  const rows = await tx.query<{ alias: string; version: number }>(
    "SELECT alias, version FROM model_aliases WHERE alias IN ('champion', 'challenger')",
  );
  return Object.fromEntries(rows.map((r) => [r.alias, Number(r.version)]));
}

async function writeAliases(tx: Tx, aliases: Aliases): Promise<void> {
  for (const alias of ['champion', 'challenger']) {
    const v = aliases[alias];
    if (v === undefined) await tx.query('DELETE FROM model_aliases WHERE alias = $1', [alias]);
    else
      await tx.query(
        `INSERT INTO model_aliases (alias, version) VALUES ($1, $2)
         ON CONFLICT (alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
        [alias, v],
      );
  }
}

async function insertHistory(tx: Tx, e: Omit<RoutingHistoryEntry, 'at'>): Promise<RoutingHistoryEntry> {
  const [row] = await tx.query(
    `INSERT INTO routing_history (generation, previous, action, spec, aliases, actor, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [
      e.generation,
      e.previous,
      e.action,
      JSON.stringify(e.spec),
      JSON.stringify(e.aliases),
      e.actor,
      e.reason,
    ],
  );
  return toEntry(row);
}

function toEntry(r: Record<string, unknown>): RoutingHistoryEntry {
  const aliases = typeof r.aliases === 'string' ? JSON.parse(r.aliases) : r.aliases;
  return {
    generation: Number(r.generation),
    previous: r.previous === null || r.previous === undefined ? null : Number(r.previous),
    action: String(r.action),
    spec: specFromJson(r.spec),
    aliases: aliases as Aliases,
    at: new Date(r.at as string).toISOString(),
    actor: String(r.actor),
    reason: String(r.reason),
  };
}

function auditJson(e: RoutingHistoryEntry): Record<string, unknown> {
  return { generation: e.generation, ...e.spec, aliases: e.aliases };
}

/** Thrown by a change's compute step when there is nothing to do. */
export function conflict(message: string): ChurnError {
  return new ChurnError('CHURN_ERR_CONFLICT', message);
}
