/**
 * Messages between the main thread's PGlite proxy (pglite.ts) and the thread that runs PGlite
 * (pglite-worker.ts). Every request carries an id; the answer carries the same id.
 */
export type PgliteRequest =
  | {
      readonly id: number;
      readonly op: 'query';
      readonly sql: string;
      readonly params?: readonly unknown[];
      readonly tx?: number;
    }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string }
  /** Open a transaction; its id is this request's id. */
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly id: number; readonly op: 'close' };

/** A database error as it crosses threads: the message and PostgreSQL's fields (code, detail...). */
export interface PgliteErrorData {
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

export type PgliteResponse =
  | { readonly id: number; readonly rows: unknown[] }
  | { readonly id: number; readonly error: PgliteErrorData };

/** Init data of the PGlite thread. */
export interface PgliteWorkerData {
  /** Data folder, or undefined for an in-memory database. */
  readonly dir: string | undefined;
}

/** The cloneable part of an error thrown by PGlite. */
export function errorData(e: unknown): PgliteErrorData {
  const err = e instanceof Error ? e : new Error(String(e));
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(err)) {
    if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
  }
  return { message: err.message, fields };
}

/** The error again on the calling thread, with the same message and fields. */
export function errorFromData(d: PgliteErrorData): Error {
  return Object.assign(new Error(d.message), d.fields);
}
