import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir } from '../../src/db/dir-lock.js';
import { openPglite } from '../../src/db/index.js';
import { ChurnError } from '../../src/errors/index.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'churn-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A live process that is not this one. */
function otherProcess() {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
}

describe('the PGlite folder lock', () => {
  it('refuses a folder another live process holds, naming it, and takes over once it is gone', async () => {
    const dir = tempDir();
    const other = otherProcess();
    writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
    let refused: unknown;
    try {
      lockDataDir(dir);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ChurnError);
    expect((refused as ChurnError).code).toBe('CHURN_ERR_CONFLICT');
    expect((refused as Error).message).toContain(`in use by process ${other.pid}`);
    // The other process's file is left alone.
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(other.pid));

    await new Promise((r) => {
      other.once('exit', r);
      other.kill('SIGKILL');
    });
    const unlock = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    unlock();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a file left by this pid (a restarted container reuses its pid) or holding no pid', () => {
    const dir = tempDir();
    for (const content of [`${process.pid}\n`, 'garbage']) {
      writeFileSync(join(dir, LOCK_FILE), content);
      const unlock = lockDataDir(dir);
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      unlock();
    }
  });

  it('is held while PGlite has the folder open and released on close; a held folder is refused', async () => {
    const dir = tempDir();
    const other = otherProcess();
    try {
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
      await expect(openPglite(dir)).rejects.toThrow(/in use by process/);
      // Refused before anything was written: no database was initialised.
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(false);
      rmSync(join(dir, LOCK_FILE));
      const db = await openPglite(dir);
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await db.close();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
