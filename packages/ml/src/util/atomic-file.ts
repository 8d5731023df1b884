import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/**
 * Write a file atomically: the content goes to a temporary file beside the target, which is
 * renamed over it only once everything is written, so readers never see a half-written file
 * and a failure leaves nothing behind.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Stream text chunks into a file atomically (same guarantee as writeFileAtomic), honouring
 * back-pressure so memory stays flat for large outputs.
 */
export async function writeChunksAtomic(
  path: string,
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const tmp = tempPathFor(path);
  const out = createWriteStream(tmp);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  try {
    await Promise.race([once(out, 'open'), failed]);
    for await (const chunk of chunks) {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
