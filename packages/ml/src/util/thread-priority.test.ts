import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThreadPriority } from './thread-priority.js';
import { workerUrl } from './worker-url.js';

describe('lowerThreadPriority', () => {
  it('leaves the main thread (the whole process) alone', () => {
    const before = getPriority(process.pid);
    expect(lowerThreadPriority()).toBeNull();
    expect(getPriority(process.pid)).toBe(before);
  });

  it.runIf(process.platform === 'linux')('lowers a worker thread by 10, and only that thread', async () => {
    const url = workerUrl(import.meta.url, './thread-priority.js').href;
    const source = `const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then((m) => parentPort.postMessage(m.lowerThreadPriority()));`;
    const before = getPriority(process.pid);
    const worker = new Worker(source, { eval: true });
    const set = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(set).toBe(Math.min(19, before + 10));
    expect(getPriority(process.pid)).toBe(before);
  });
});
