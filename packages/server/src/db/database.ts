/**
 * The one SQL interface the platform's stores use. PostgreSQL (`pg`) in production and PGlite
 * (embedded PostgreSQL in WebAssembly) by default implement it, so every store is written once,
 * in PostgreSQL's dialect, against one set of migrations.
 */
export interface Database {
  /** Which implementation: for logs and /readyz. */
  readonly kind: 'postgres' | 'pglite';
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]>;
  /** Run statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Run `fn` in a transaction; commits on success, rolls back on error. */
  transaction<T>(fn: (tx: Pick<Database, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
