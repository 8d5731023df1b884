import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChurnError } from '../errors/index.js';

/** The lock's file name inside the PGlite folder. */
export const LOCK_FILE = 'churn.pid';

/** Releases a {@link lockDataDir} lock (removes the file if it is still ours). */
export type DirUnlock = () => void;

/**
 * Take the PGlite folder for this process. PGlite, unlike a PostgreSQL server, does not stop a
 * second process from opening the same folder, and two processes writing it corrupt its indexes
 * (seen: two servers on one CHURN_DATA_DIR; `churn keys` while the server runs would do the same).
 * The lock is a file holding the owner's pid, created exclusively; a file whose process is gone
 * (a crash, a kill -9) is taken over.
 */
export function lockDataDir(dir: string): DirUnlock {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (ownerOf(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = ownerOf(file);
    if (owner !== null && owner !== process.pid && alive(owner)) {
      throw new ChurnError(
        'CHURN_ERR_CONFLICT',
        `the database in ${dir} is in use by process ${owner} (${file}): stop that process first (while the server runs, manage keys through the API: POST /v1/keys), or point CHURN_DATA_DIR elsewhere`,
      );
    }
    // Left by a process that is gone (or unreadable): take it over.
    rmSync(file, { force: true });
  }
  throw new ChurnError(
    'CHURN_ERR_CONFLICT',
    `could not take the lock ${file}: another process keeps taking it`,
  );
}

function ownerOf(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
