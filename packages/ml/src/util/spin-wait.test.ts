import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForChange, waitForValue } from './spin-wait.js';

/** A thread that stores `value` into word 0 after `delayMs`, notifying waiters only if asked. */
function storeLater(words: Int32Array, value: number, delayMs: number, notify: boolean): Worker {
  const source = `const { workerData } = require('node:worker_threads');
    const a = new Int32Array(workerData.buffer);
    setTimeout(() => { Atomics.store(a, 0, ${value}); ${notify ? 'Atomics.notify(a, 0);' : ''} }, ${delayMs});`;
  return new Worker(source, { eval: true, workerData: { buffer: words.buffer } });
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

describe('waitForValue', () => {
  it('returns at once when the word already holds the value', () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    a[0] = 3;
    waitForValue(a, 0, 3);
    expect(a[0]).toBe(3);
  });

  it("sees another thread's store while polling, with no notify at all", () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    workers.push(storeLater(a, 5, 20, false));
    waitForValue(a, 0, 5, 10_000);
    expect(Atomics.load(a, 0)).toBe(5);
  });

  it('wakes from its sleep when polling has ended', () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    workers.push(storeLater(a, 6, 20, true));
    waitForValue(a, 0, 6, 0);
    expect(Atomics.load(a, 0)).toBe(6);
  });
});

describe('waitForChange', () => {
  it('returns the new value, seen while polling', () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    workers.push(storeLater(a, 8, 20, false));
    expect(waitForChange(a, 0, 0, 10_000)).toBe(8);
  });

  it('returns the new value after sleeping until notified', () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    workers.push(storeLater(a, 9, 20, true));
    expect(waitForChange(a, 0, 0, 0)).toBe(9);
  });

  it('returns at once when the word has already changed', () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    a[0] = 2;
    expect(waitForChange(a, 0, 1)).toBe(2);
  });
});
