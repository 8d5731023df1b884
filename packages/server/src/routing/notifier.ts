/**
 * Tells every process sharing a database that the routing state changed. A notification carries
 * only the new generation: receivers reload the state row and apply it if it is newer, so a lost
 * or duplicated message is harmless (the routing service also polls as a safety net).
 * `InProcessNotifier` (one process, PGlite) and `PostgresNotifier` (LISTEN/NOTIFY) implement it.
 */
export interface ChangeNotifier {
  /** Announce a committed change. */
  publish(generation: number): Promise<void>;
  /** Call `listener` on every announcement, from this process or another. */
  subscribe(listener: (generation: number) => void): void;
  close(): Promise<void>;
}
