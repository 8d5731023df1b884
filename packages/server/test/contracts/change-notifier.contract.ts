import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeNotifier } from '../../src/routing/index.js';

/** A publishing and a listening notifier on the same channel (two processes, or one). */
export interface NotifierPair {
  readonly publisher: ChangeNotifier;
  readonly listener: ChangeNotifier;
  close(): Promise<void>;
}

/**
 * The one suite every ChangeNotifier (in-process, PostgreSQL LISTEN/NOTIFY) passes: generations
 * published reach the listener, in order, never inside the publisher's call, and within 1 s.
 */
export function changeNotifierContract(name: string, open: () => Promise<NotifierPair>): void {
  describe(`ChangeNotifier contract: ${name}`, () => {
    let pair: NotifierPair;
    const received: number[] = [];
    beforeAll(async () => {
      pair = await open();
      pair.listener.subscribe((g) => received.push(g));
    });
    afterAll(async () => pair?.close());

    it('delivers each published generation, in order, within a second', async () => {
      const t0 = performance.now();
      for (const g of [1, 2, 3]) await pair.publisher.publish(g);
      while (received.length < 3 && performance.now() - t0 < 1_000)
        await new Promise((r) => setTimeout(r, 2));
      expect(received).toEqual([1, 2, 3]);
      expect(performance.now() - t0).toBeLessThan(1_000);
    });

    it('never calls a listener inside publish', async () => {
      received.length = 0;
      const publishing = pair.publisher.publish(7);
      expect(received).toEqual([]);
      await publishing;
      const t0 = performance.now();
      while (received.length < 1 && performance.now() - t0 < 1_000)
        await new Promise((r) => setTimeout(r, 2));
      expect(received).toEqual([7]);
    });
  });
}
