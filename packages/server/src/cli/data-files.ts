import { open } from 'node:fs/promises';
import { CUSTOMER_SCHEMA, type LoadCsvOptions, type LoadResult, loadCsv, type TableSchema } from '@churn/ml';
import { assertReadable } from './io.js';

/** The header cells of a CSV file (first line; BOM and quotes handled simply). */
export async function readHeader(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let text = buf.subarray(0, bytesRead).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await fh.close();
  }
}

/**
 * Load a training or scoring table. A file that has every feature of the built-in customer schema
 * is read with that schema (types, ranges and categories declared); any other table's schema is
 * inferred from its content.
 */
export async function loadTable(path: string, options: LoadCsvOptions = {}): Promise<LoadResult> {
  await assertReadable(path);
  let schema: TableSchema | undefined = options.schema;
  if (!schema) {
    const header = new Set(await readHeader(path));
    const dropped = new Set(options.drop ?? []);
    if (CUSTOMER_SCHEMA.features.every((f) => header.has(f.name) && !dropped.has(f.name))) {
      schema = { ...CUSTOMER_SCHEMA, target: options.target ?? CUSTOMER_SCHEMA.target };
    }
  }
  return loadCsv(path, { ...options, schema });
}
