import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChurnError, ERROR_CODES, type ErrorCode } from './registry.js';

const DOC_PATH = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));

interface DocRow {
  code: string;
  status: number;
  exit: number;
  meaning: string;
  causes: string;
}

/** Split a Markdown table row into trimmed cells (no escaped pipes are used in the doc). */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

/** The rows of the doc's code table: the table whose header starts with "Code". */
function parseDocTable(markdown: string): DocRow[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^\|\s*Code\s*\|/.test(l));
  if (start < 0) throw new Error('docs/errors.md has no table with a "Code" column');
  const header = cells(lines[start]).map((h) => h.toLowerCase());
  const col = (name: string): number => {
    const k = header.findIndex((h) => h.includes(name));
    if (k < 0) throw new Error(`docs/errors.md table has no "${name}" column (header: ${header.join(', ')})`);
    return k;
  };
  const [codeCol, statusCol, exitCol, meaningCol, causesCol] = [
    col('code'),
    col('status'),
    col('exit'),
    col('meaning'),
    col('cause'),
  ];
  expect(lines[start + 1]).toMatch(/^\|[\s|:-]+\|$/);
  const rows: DocRow[] = [];
  for (let i = start + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const c = cells(lines[i]);
    rows.push({
      code: c[codeCol].replaceAll('`', ''),
      status: Number(c[statusCol]),
      exit: Number(c[exitCol]),
      meaning: c[meaningCol],
      causes: c[causesCol],
    });
  }
  return rows;
}

const doc = readFileSync(DOC_PATH, 'utf8');
const rows = parseDocTable(doc);
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('docs/errors.md', () => {
  it('has a table row for every code in ERROR_CODES, with its HTTP status and exit code', () => {
    for (const code of codes) {
      const row = rows.find((r) => r.code === code);
      expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
      expect(row?.status, `HTTP status of ${code}`).toBe(ERROR_CODES[code].status);
      expect(row?.exit, `exit code of ${code}`).toBe(ERROR_CODES[code].exit);
      expect(row?.meaning.length, `meaning of ${code}`).toBeGreaterThan(10);
      expect(row?.causes.length, `typical causes of ${code}`).toBeGreaterThan(10);
    }
  });

  it('documents no code that the registry does not have, and each code once', () => {
    const documented = rows.map((r) => r.code);
    expect(documented.filter((c) => !(c in ERROR_CODES))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
    expect(documented.length).toBe(codes.length);
  });

  it('mentions no CHURN_ERR_ code outside the registry anywhere in the text', () => {
    const mentioned = new Set(doc.match(/CHURN_ERR_[A-Z_]+/g) ?? []);
    expect([...mentioned].filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });
});

describe('ERROR_CODES', () => {
  it('uses CHURN_ERR_ names, HTTP error statuses and non-zero exit codes', () => {
    for (const code of codes) {
      const { status, exit, summary } = ERROR_CODES[code];
      expect(code).toMatch(/^CHURN_ERR_[A-Z_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect([1, 2]).toContain(exit);
      expect(summary.length).toBeGreaterThan(0);
    }
  });
});

describe('ChurnError', () => {
  it('carries its code, details, status and exit code', () => {
    const cause = new Error('root');
    const err = new ChurnError(
      'CHURN_ERR_NOT_FOUND',
      'no model m1',
      [{ path: '/model', message: 'unknown' }],
      {
        cause,
      },
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ChurnError');
    expect(err.message).toBe('no model m1');
    expect(err.code).toBe('CHURN_ERR_NOT_FOUND');
    expect(err.status).toBe(404);
    expect(err.exitCode).toBe(2);
    expect(err.details).toEqual([{ path: '/model', message: 'unknown' }]);
    expect(err.cause).toBe(cause);
  });

  it('maps every code to the registry status and exit code', () => {
    for (const code of codes) {
      const err = new ChurnError(code, 'x');
      expect(err.status).toBe(ERROR_CODES[code].status);
      expect(err.exitCode).toBe(ERROR_CODES[code].exit);
      expect(err.details).toEqual([]);
    }
  });
});
