import type { ChangeNotifier } from './notifier.js';

/**
 * Notifications within one process: enough for the embedded PGlite database, which only one
 * process opens. Share one instance between routing services to connect them.
 */
export class InProcessNotifier implements ChangeNotifier {
  private readonly listeners = new Set<(generation: number) => void>();

  async publish(generation: number): Promise<void> {
    // Delivered on a later tick, like a database notification, never inside the publisher's call.
    for (const l of this.listeners) setImmediate(l, generation);
  }

  subscribe(listener: (generation: number) => void): void {
    this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
