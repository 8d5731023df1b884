import { CUSTOMER_SCHEMA, csvChunks, datasetCsvColumns, generateCustomers, trainModel } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type AppContext, closeAppContext, createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, openPglite } from '../../src/db/index.js';
import type { ChurnError } from '../../src/errors/index.js';
import { type TrainingJob, type TrainingRequest, TrainingService } from '../../src/jobs/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { createTestKey } from '../helpers/keys.js';

// Training runs on worker threads from packages/server/dist: build first (npm test does).

const customers = generateCustomers({ rows: 2000, seed: 5 });
const csv = [...csvChunks(datasetCsvColumns(customers), customers.nRows)].join('');
const lines = csv.trimEnd().split('\n');
const header = lines[0].split(',');

let app: FastifyInstance;
let ctx: AppContext;
let admin: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  const db = await openPglite();
  await migrate(db);
  const registry = new ModelRegistry(db);
  const v1 = await trainModel(customers, CUSTOMER_SCHEMA, {
    algorithm: 'gradient-boosting',
    boosting: { nRounds: 10, threads: 1 },
  });
  await registry.setAlias('champion', await registry.register(v1, { description: 'v1' }));
  // A 1 MB upload limit, so that the 413 is cheap to provoke.
  ctx = await createAppContext({ config: loadConfig({ CHURN_DATASET_MAX_MB: '1' }), db });
  app = await buildApp(ctx);
  admin = (await createTestKey(ctx, 'admin')).headers;
  reader = (await createTestKey(ctx, 'predict')).headers;
});
afterAll(async () => {
  await app?.close();
  if (ctx) await closeAppContext(ctx);
});

const upload = (body: string, name = 'customers.csv', headers = admin) =>
  app.inject({
    method: 'POST',
    url: `/v1/datasets?name=${encodeURIComponent(name)}`,
    headers: { ...headers, 'content-type': 'text/csv' },
    payload: body,
  });
const train = (payload: object, headers = admin) =>
  app.inject({ method: 'POST', url: '/v1/models', headers, payload });
const count = async (table: string) =>
  Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

let datasetId: string;

describe('datasets', () => {
  it('stores an uploaded CSV after reading every row, and lists it', async () => {
    const res = await upload(csv);
    expect(res.statusCode).toBe(201);
    const ds = res.json();
    expect(ds).toMatchObject({ name: 'customers.csv', source: 'upload', rows: 2000, columns: header });
    expect(ds.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ds.sizeBytes).toBe(Buffer.byteLength(csv));
    expect(res.headers.location).toBe(`/v1/datasets/${ds.id}`);
    datasetId = ds.id;
    const one = await app.inject({ method: 'GET', url: `/v1/datasets/${ds.id}`, headers: reader });
    expect(one.json()).toEqual(ds);
    const list = await app.inject({ method: 'GET', url: '/v1/datasets', headers: reader });
    expect(list.json().datasets.map((d: { id: string }) => d.id)).toContain(ds.id);
  });

  it.each([
    [
      'text in a numeric column',
      (l: string[]) => l.map((line, i) => (i === 7 ? setCell(line, 'total_orders', 'many') : line)),
      'line 8, column "total_orders"',
    ],
    ['a ragged row', (l: string[]) => l.map((line, i) => (i === 4 ? `${line},extra` : line)), 'line 5'],
  ])('refuses %s with CHURN_ERR_BAD_DATA naming the place, storing nothing', async (_n, edit, where) => {
    const before = await count('datasets');
    const res = await upload(`${edit(lines.slice(0, 20)).join('\n')}\n`);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('CHURN_ERR_BAD_DATA');
    expect(error.message).toContain(where);
    expect(error.details[0].path).toContain(where.split(',')[0]);
    expect(error.details[0].message).not.toContain('line ');
    expect(await count('datasets')).toBe(before);
  });

  it('refuses an empty body, a body over the limit and a JSON body of the wrong shape', async () => {
    const before = await count('datasets');
    const empty = await upload('');
    expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'CHURN_ERR_BAD_DATA']);
    const big = await upload(`${lines[0]}\n${`${lines[1]}\n`.repeat(10_000)}`);
    expect(big.payload.length).toBeLessThan(1000);
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'CHURN_ERR_PAYLOAD_TOO_LARGE']);
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: admin,
      payload: { generate: { rows: 0, seed: 1 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toContain('/generate/rows');
    expect(await count('datasets')).toBe(before);
  });

  it('generates a synthetic table from a spec', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: admin,
      payload: { name: 'downturn', generate: { rows: 500, seed: 9, scenario: 'downturn' } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'downturn',
      source: 'generated',
      rows: 500,
      spec: { rows: 500, seed: 9, scenario: 'downturn' },
      columns: header,
    });
  });

  it('needs an admin key to store and a key to read', async () => {
    expect((await upload(csv, 'x.csv', reader)).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/datasets' })).statusCode).toBe(401);
  });
});

describe('POST /v1/models: training jobs', () => {
  it('trains in the background with visible progress and registers the version with its lineage', async () => {
    const events: TrainingJob[] = [];
    const off = ctx.training.onChange((j) => events.push(j));
    let liveRead: Promise<{ status: string; progress: number }> | undefined;
    const offLive = ctx.training.onChange((j) => {
      if (j.status === 'running' && j.progress >= 0.3 && !liveRead) {
        liveRead = app
          .inject({ method: 'GET', url: `/v1/jobs/${j.id}`, headers: reader })
          .then((r) => r.json());
      }
    });
    const res = await train({
      dataset_id: datasetId,
      algorithm: 'random-forest',
      params: { trees: 150, max_depth: 10, seed: 3 },
      description: 'forest from the upload',
      set_alias: 'challenger',
    });
    expect(res.statusCode).toBe(202);
    const { job_id, status_url } = res.json();
    expect(status_url).toBe(`/v1/jobs/${job_id}`);
    const done = await ctx.training.wait(job_id, { timeoutMs: 50_000 });
    off();
    offLive();
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, modelVersion: 2, parentVersion: 1 });
    // Progress moved through many intermediate values, never backwards.
    const running = events.filter((e) => e.id === job_id && e.status === 'running').map((e) => e.progress);
    expect(running.filter((p) => p > 0.1 && p < 0.95).length).toBeGreaterThan(10);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    // The HTTP view of a running job shows the live progress.
    const live = await liveRead;
    expect(live?.status).toBe('running');
    expect(live?.progress).toBeGreaterThanOrEqual(0.3);
    const job = (await app.inject({ method: 'GET', url: status_url, headers: reader })).json();
    expect(job).toMatchObject({ status: 'succeeded', datasetId, modelVersion: 2, error: null });
    expect(job.metrics.rocAuc).toBeGreaterThan(0.6);
    const version = (await app.inject({ method: 'GET', url: '/v1/models/2', headers: reader })).json();
    expect(version).toMatchObject({
      version: 2,
      algorithm: 'random-forest',
      parent: 1,
      description: 'forest from the upload',
      aliases: ['challenger'],
      params: { nTrees: 150, maxDepth: 10, seed: 3 },
    });
    expect(version.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(version.metrics).toEqual(job.metrics);
    expect(version.metrics.source).toBe('out-of-bag');
    expect((await ctx.registry.load(2)).trees).toHaveLength(150);
    const jobs = (
      await app.inject({ method: 'GET', url: '/v1/jobs?status=succeeded', headers: reader })
    ).json();
    expect(jobs.jobs.map((j: TrainingJob) => j.id)).toContain(job_id);
  });

  it('trains on a generated dataset spec, storing the table first', async () => {
    const res = await train({
      dataset: { rows: 1500, seed: 4 },
      algorithm: 'gradient-boosting',
      params: { trees: 20, max_depth: 3, learning_rate: 0.3 },
      parent: 2,
    });
    expect(res.statusCode).toBe(202);
    const done = await ctx.training.wait(res.json().job_id, { timeoutMs: 50_000 });
    expect(done).toMatchObject({ status: 'succeeded', parentVersion: 2, modelVersion: 3 });
    const ds = await ctx.training.datasets.get(done.datasetId as string);
    expect(ds).toMatchObject({ source: 'generated', rows: 1500, spec: { rows: 1500, seed: 4 } });
    const v3 = await ctx.registry.get(3);
    expect(v3).toMatchObject({ parent: 2, aliases: [], params: { nRounds: 20, learningRate: 0.3 } });
    expect(v3.metrics?.source).toBe('validation');
  });

  it('fails a job on a one-class table with the reason, registering nothing', async () => {
    const oneClass = lines.map((line, i) => (i === 0 ? line : setCell(line, 'churned', '0'))).join('\n');
    const ds = (await upload(oneClass, 'no-churners.csv')).json();
    const before = (await ctx.registry.list()).length;
    const res = await train({ dataset_id: ds.id, algorithm: 'gradient-boosting', params: { trees: 5 } });
    expect(res.statusCode).toBe(202);
    const done = await ctx.training.wait(res.json().job_id, { timeoutMs: 50_000 });
    expect(done.status).toBe('failed');
    expect(done.error).toContain('single class');
    expect(done.error).toContain('churned');
    expect(done.modelVersion).toBeNull();
    expect((await ctx.registry.list()).length).toBe(before);
  });

  it.each([
    ['trees = 0', { params: { trees: 0 } }, '/params/trees'],
    [
      'learning_rate > 1',
      { algorithm: 'gradient-boosting', params: { learning_rate: 1.5 } },
      '/params/learning_rate',
    ],
    ['a boosting parameter for the forest', { params: { learning_rate: 0.1 } }, '/params/learning_rate'],
    ['an unknown parameter', { params: { depth: 3 } }, '/params/depth'],
    ['an unknown algorithm', { algorithm: 'svm' }, '/algorithm'],
    ['an unknown dataset', { dataset_id: '00000000-0000-4000-8000-000000000000' }, '/dataset_id'],
    ['no dataset at all', { dataset_id: undefined }, '/dataset_id'],
    ['a target the table lacks', { target: 'Churn' }, '/target'],
    ['an unknown parent', { parent: 99 }, '/parent'],
    [
      'a generated table too large',
      { dataset_id: undefined, dataset: { rows: 10_000_000, seed: 1 } },
      '/dataset/rows',
    ],
    [
      'early stopping without validation',
      { algorithm: 'gradient-boosting', params: { early_stopping: 5, validation_fraction: 0 } },
      '/params/early_stopping',
    ],
  ])('refuses %s with CHURN_ERR_VALIDATION and the field path, queuing nothing', async (_n, patch, path) => {
    const before = await count('training_jobs');
    const res = await train({ dataset_id: datasetId, algorithm: 'random-forest', ...patch });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('CHURN_ERR_VALIDATION');
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await count('training_jobs')).toBe(before);
  });

  it('checks programmatic submissions as strictly as HTTP ones', async () => {
    const before = await count('training_jobs');
    const bad = {
      dataset_id: datasetId,
      algorithm: 'random-forest',
      params: { trees: 0, max_depth: 2.5, colour: 'red' },
    } as unknown as TrainingRequest;
    const err = await ctx.training.submit(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CHURN_ERR_VALIDATION' });
    expect((err as ChurnError).details.map((d) => d.path).sort()).toEqual([
      '/params/colour',
      '/params/max_depth',
      '/params/trees',
    ]);
    expect(await count('training_jobs')).toBe(before);
  });

  it('needs an admin key to train', async () => {
    const res = await train({ dataset_id: datasetId, algorithm: 'random-forest' }, reader);
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'CHURN_ERR_FORBIDDEN']);
    const unknown = await app.inject({ method: 'GET', url: '/v1/jobs/not-a-uuid', headers: reader });
    expect(unknown.statusCode).toBe(400);
    const missing = await app.inject({
      method: 'GET',
      url: '/v1/jobs/00000000-0000-4000-8000-000000000000',
      headers: reader,
    });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'CHURN_ERR_NOT_FOUND']);
  });

  it('cancels a running job (nothing registered) and refuses to cancel a finished one', async () => {
    const before = (await ctx.registry.list()).length;
    const job = await ctx.training.submit({
      dataset_id: datasetId,
      algorithm: 'random-forest',
      params: { trees: 3000, max_depth: 12 },
    });
    await new Promise<void>((resolve) => {
      const off = ctx.training.onChange((j) => {
        if (j.id === job.id && j.status === 'running' && j.progress > 0.1) {
          off();
          resolve();
        }
      });
    });
    const res = await app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', modelVersion: null });
    expect((await ctx.registry.list()).length).toBe(before);
    const again = await app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel`, headers: admin });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'CHURN_ERR_CONFLICT']);
  });
});

describe('restarts', () => {
  it('marks a job left running by a stopped process as failed, and runs queued ones', async () => {
    // The process that "died" (never started, so it runs nothing) and the one that starts after it.
    const log = pino({ level: 'silent' });
    const first = new TrainingService({ db: ctx.db, registry: ctx.registry, log });
    const queued = await first.submit({
      dataset_id: datasetId,
      algorithm: 'random-forest',
      params: { trees: 5 },
    });
    const stale = await first.submit({
      dataset_id: datasetId,
      algorithm: 'random-forest',
      params: { trees: 5 },
    });
    const alive = await first.submit({
      dataset_id: datasetId,
      algorithm: 'random-forest',
      params: { trees: 5 },
    });
    // One job whose process died an hour ago, one whose process is alive (a fresh heartbeat).
    await ctx.db.query(
      `UPDATE training_jobs SET status = 'running', progress = 0.4, heartbeat_at = now() - interval '1 hour'
       WHERE id = $1`,
      [stale.id],
    );
    await ctx.db.query(`UPDATE training_jobs SET status = 'running', heartbeat_at = now() WHERE id = $1`, [
      alive.id,
    ]);
    const second = new TrainingService({ db: ctx.db, registry: ctx.registry, log });
    await second.start();
    const failed = await second.get(stale.id);
    expect(failed).toMatchObject({ status: 'failed', modelVersion: null });
    expect(failed.error).toContain('stopped while the job was running');
    expect(failed.finishedAt).not.toBeNull();
    expect((await second.get(alive.id)).status).toBe('running');
    const done = await second.wait(queued.id, { timeoutMs: 50_000 });
    expect(done.status).toBe('succeeded');
    expect(done.modelVersion).toBeGreaterThan(3);
    await second.close();
    await ctx.db.query(`UPDATE training_jobs SET status = 'cancelled' WHERE id = $1`, [alive.id]);
  });
});

/** A CSV line with one column's cell replaced. */
function setCell(line: string, column: string, value: string): string {
  const cells = line.split(',');
  cells[header.indexOf(column)] = value;
  return cells.join(',');
}

describe('OpenAPI', () => {
  it('documents the training and dataset routes from their validating schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/cancel',
        '/v1/datasets',
        '/v1/datasets/{id}',
      ]),
    );
    const body = doc.paths['/v1/models'].post.requestBody.content['application/json'].schema;
    expect(body.properties.params.properties.learning_rate).toMatchObject({
      exclusiveMinimum: 0,
      maximum: 1,
    });
    expect(Object.keys(doc.paths['/v1/datasets'].post.requestBody.content).sort()).toEqual([
      'application/json',
      'text/csv',
    ]);
  });
});
