import type { PGliteOptions } from '@electric-sql/pglite';

/**
 * Settings for the embedded server. PostgreSQL's default 128 MB of shared buffers live inside
 * PGlite's WebAssembly memory, which never shrinks; 16 MB is plenty for the platform's working
 * set and keeps the embedded platform's resident memory small.
 */
export const PGLITE_OPTIONS: PGliteOptions = {
  postgresqlconf: ['shared_buffers = 16MB', 'maintenance_work_mem = 16MB'],
};
