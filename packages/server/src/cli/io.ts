import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ChurnError } from '../errors/index.js';

/** Fail early (before any long work) when an output path cannot be written. */
export async function assertWritable(path: string, option = 'out'): Promise<void> {
  const full = resolve(path);
  try {
    const s = await stat(full);
    if (s.isDirectory()) throw new ChurnError('CHURN_ERR_IO', `--${option} ${path} is a directory`);
  } catch (err) {
    if (err instanceof ChurnError) throw err;
  }
  try {
    await access(dirname(full), constants.W_OK);
  } catch {
    throw new ChurnError('CHURN_ERR_IO', `--${option} ${path}: cannot write in ${dirname(full)}`);
  }
}

/** Fail early when an input file is not readable. */
export async function assertReadable(path: string, option = 'data'): Promise<void> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ChurnError('CHURN_ERR_IO', `--${option} ${path} is not a file`);
    await access(path, constants.R_OK);
  } catch (err) {
    if (err instanceof ChurnError) throw err;
    throw new ChurnError('CHURN_ERR_IO', `--${option} ${path}: no such readable file`);
  }
}

/** Print a result: JSON for programs, or human lines. */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}
