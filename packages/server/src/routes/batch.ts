import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CsvParser, csvField, fieldText, isDataError, isMissingCell, type TableSchema } from '@churn/ml';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ChurnError, type ErrorDetail } from '../errors/index.js';
import type { RoutingSnapshot } from '../routing/index.js';
import type { FeatureValues } from '../scoring/index.js';

/** Most customers in one batch. */
export const MAX_BATCH = 10_000;
/** Largest batch body (10,000 customers take about 8 MB of JSON). */
const MAX_BODY = 32 * 1024 * 1024;
/** Rows scored between two yields to the event loop, so a batch never stalls other requests. */
const SLICE = 250;

/** One input row, validated or not: its features, or what is wrong with it. */
interface BatchRow {
  readonly customerId: string | null;
  readonly features: FeatureValues | null;
  readonly errors: readonly ErrorDetail[];
}

/** A CSV body as the content-type parser hands it over. */
interface CsvBody {
  readonly csv: true;
  readonly header: string[];
  readonly records: { readonly line: number; readonly fields: string[] }[];
}

type JsonBody = { customers: unknown[] };

/**
 * `POST /v1/predictions/batch`: up to 10,000 customers, as JSON `{ "customers": [ { customer_id,
 * features }, … ] }` or as CSV (`text/csv`, a header row with customer_id and the schema's
 * columns; other columns such as `churned` are ignored). Each row is routed like a single
 * prediction. The answer streams back in input order, as JSON or as CSV when `Accept: text/csv`.
 *
 * A bad row does not fail the batch: its result is an error object with the row's index and the
 * field paths (`/customers/3/features/total_orders`, or `line 5, column "total_orders"` for CSV),
 * and the other rows are scored. Whole-request problems (not JSON/CSV, no customers, a missing CSV
 * column, more than 10,000 rows) are a 400/413 with a CHURN_ERR_* code.
 */
export async function batchRoutes(app: FastifyInstance, ctx: AppContext, schema: TableSchema): Promise<void> {
  app.addContentTypeParser('text/csv', (_request, payload, done) => {
    const header: string[] = [];
    const records: CsvBody['records'] = [];
    let bytes = 0;
    let finished = false;
    const finish = (err: Error | null, body?: CsvBody) => {
      if (finished) return;
      finished = true;
      if (err) payload.resume();
      done(err, body);
    };
    const parser = new CsvParser(
      (text, f, line) => {
        const fields = new Array<string>(f.count);
        for (let i = 0; i < f.count; i++) fields[i] = fieldText(text, f, i);
        if (header.length === 0) header.push(...fields);
        else if (records.length === MAX_BATCH) throw tooMany(MAX_BATCH + 1, '/');
        else records.push({ line, fields });
      },
      { maxRecordChars: 1024 * 1024 },
    );
    payload.setEncoding('utf8');
    payload.on('data', (chunk: string) => {
      if (finished) return;
      bytes += chunk.length;
      try {
        if (bytes > MAX_BODY)
          throw new ChurnError('CHURN_ERR_PAYLOAD_TOO_LARGE', `body over ${MAX_BODY} bytes`);
        parser.push(chunk);
      } catch (err) {
        finish(csvError(err));
      }
    });
    payload.on('error', (err) => finish(err));
    payload.on('end', () => {
      try {
        parser.end();
        finish(null, { csv: true, header, records });
      } catch (err) {
        finish(csvError(err));
      }
    });
  });

  app.post<{ Body: JsonBody | CsvBody }>(
    '/v1/predictions/batch',
    {
      config: { role: 'predict' },
      bodyLimit: MAX_BODY,
      schema: {
        tags: ['predictions'],
        summary: 'Score up to 10,000 customers (JSON or CSV in and out, streamed)',
        description:
          'Each row is routed like a single prediction. Results come back in input order; a row that ' +
          'fails validation gets `{ index, error: { code, details } }` and the others are still scored. ' +
          'Send `Accept: text/csv` for a CSV answer.',
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['customers'],
                properties: {
                  customers: {
                    type: 'array',
                    minItems: 1,
                    description: `At most ${MAX_BATCH} of { customer_id, features } (as POST /v1/predictions)`,
                    items: { type: 'object' },
                  },
                },
              },
            },
            'text/csv': {
              schema: { description: 'A header row with customer_id and the feature columns' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const snap = ctx.routing.snapshot;
      if (!snap) throw new ChurnError('CHURN_ERR_UNAVAILABLE', 'no model is loaded');
      const body = request.body;
      const rows = 'csv' in body ? csvRows(schema, body) : jsonRows(schema, body);
      const asCsv = /\btext\/csv\b/.test(request.headers.accept ?? '');
      void reply.header('x-routing-generation', snap.generation);
      void reply.type(asCsv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      return reply.send(Readable.from(results(ctx, snap, rows, asCsv)));
    },
  );
}

/** Score the rows in slices, yielding the encoded answer piece by piece. */
async function* results(
  ctx: AppContext,
  snap: RoutingSnapshot,
  rows: readonly BatchRow[],
  asCsv: boolean,
): AsyncGenerator<string> {
  yield asCsv
    ? 'index,customer_id,prediction_id,churn_probability,risk_level,model_version,recommendations,error\n'
    : `{"routing_generation":${snap.generation},"count":${rows.length},"results":[`;
  let scored = 0;
  for (let start = 0; start < rows.length; start += SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    let out = '';
    const end = Math.min(rows.length, start + SLICE);
    for (let i = start; i < end; i++) {
      const r = scoreRow(ctx, snap, rows[i], i);
      if (r.churn_probability !== undefined) scored++;
      out += asCsv ? csvLine(r) : `${i > 0 ? ',' : ''}${JSON.stringify(r)}`;
    }
    yield out;
  }
  if (!asCsv) yield `],"scored":${scored},"failed":${rows.length - scored}}`;
}

interface RowResult {
  index: number;
  customer_id: string | null;
  prediction_id?: string;
  churn_probability?: number;
  risk_level?: string;
  model_version?: number;
  recommendations?: { code: string }[];
  flags?: { unseen_categories: string[]; missing_features: string[] };
  error?: { code: string; message: string; details: readonly ErrorDetail[] };
}

function scoreRow(ctx: AppContext, snap: RoutingSnapshot, row: BatchRow, index: number): RowResult {
  if (!row.features || row.customerId === null || row.errors.length > 0) {
    const message = row.errors.map((d) => `${d.path} ${d.message}`).join('; ');
    return {
      index,
      customer_id: row.customerId,
      error: { code: 'CHURN_ERR_VALIDATION', message: `invalid row: ${message}`, details: row.errors },
    };
  }
  const scorer = snap.strategy.route(row.customerId);
  const s = scorer.score(row.features);
  if (snap.stats) ctx.routing.shadow(snap, row.features, s);
  const predictionId = randomUUID();
  ctx.predictionLog.add({
    predictionId,
    customerId: row.customerId,
    modelVersion: scorer.version,
    probability: s.probability,
    riskLevel: s.riskLevel,
    features: row.features,
    unseenCategories: s.unseenCategories,
    missingFeatures: s.missing,
  });
  ctx.metrics.predictions.labels({ risk_level: s.riskLevel, model_version: String(scorer.version) }).inc();
  return {
    index,
    customer_id: row.customerId,
    prediction_id: predictionId,
    churn_probability: s.probability,
    risk_level: s.riskLevel,
    model_version: scorer.version,
    recommendations: s.recommendations,
    flags: { unseen_categories: s.unseenCategories, missing_features: s.missing },
  };
}

function csvLine(r: RowResult): string {
  const error = r.error ? csvField(r.error.details.map((d) => `${d.path} ${d.message}`).join('; ')) : '';
  return `${r.index},${csvField(r.customer_id ?? '')},${r.prediction_id ?? ''},${r.churn_probability ?? ''},${
    r.risk_level ?? ''
  },${r.model_version ?? ''},${csvField((r.recommendations ?? []).map((x) => x.code).join('|'))},${error}\n`;
}

/** Validate JSON rows like POST /v1/predictions does, collecting each row's problems. */
function jsonRows(schema: TableSchema, body: JsonBody): BatchRow[] {
  const customers = body.customers;
  if (customers.length > MAX_BATCH) throw tooMany(customers.length, '/customers');
  const names = new Set(schema.features.map((f) => f.name));
  return customers.map((c, i) => {
    const base = `/customers/${i}`;
    const errors: ErrorDetail[] = [];
    const o = c as Record<string, unknown>;
    const id = o.customer_id;
    let customerId: string | null = null;
    if (id === undefined) errors.push({ path: `${base}/customer_id`, message: 'is required' });
    else if (typeof id !== 'string' || id.length === 0 || id.length > 200)
      errors.push({ path: `${base}/customer_id`, message: 'must be a string of 1 to 200 characters' });
    else customerId = id;
    for (const k of Object.keys(o))
      if (k !== 'customer_id' && k !== 'features')
        errors.push({ path: `${base}/${k}`, message: 'is not an accepted field' });
    const f = o.features;
    if (f === undefined) errors.push({ path: `${base}/features`, message: 'is required' });
    else if (f === null || typeof f !== 'object' || Array.isArray(f))
      errors.push({ path: `${base}/features`, message: 'must be object' });
    else {
      const features = f as Record<string, unknown>;
      for (const k of Object.keys(features))
        if (!names.has(k))
          errors.push({ path: `${base}/features/${k}`, message: 'is not an accepted field' });
      for (const feature of schema.features) {
        const path = `${base}/features/${feature.name}`;
        const v = features[feature.name];
        if (v === undefined) errors.push({ path, message: 'is required' });
        else if (v === null) continue;
        else if (feature.kind === 'numeric') {
          if (typeof v !== 'number' || !Number.isFinite(v))
            errors.push({ path, message: 'must be number,null' });
          else rangeCheck(v, feature, path, errors);
        } else if (typeof v !== 'string' || v.length > 200)
          errors.push({ path, message: 'must be string,null of at most 200 characters' });
      }
    }
    return {
      customerId,
      features: errors.length === 0 ? (f as FeatureValues) : null,
      errors,
    };
  });
}

/** CSV rows to feature records: missing cells (empty, NA...) are null, numbers are parsed. */
function csvRows(schema: TableSchema, body: CsvBody): BatchRow[] {
  const { header, records } = body;
  if (records.length === 0)
    throw new ChurnError('CHURN_ERR_BAD_DATA', 'the CSV has no data rows', [
      { path: 'line 2', message: 'no data rows' },
    ]);
  const col = new Map(header.map((h, i) => [h.trim(), i]));
  const missing = ['customer_id', ...schema.features.map((f) => f.name)].filter((n) => !col.has(n));
  if (missing.length > 0) {
    throw new ChurnError(
      'CHURN_ERR_BAD_DATA',
      `line 1: the CSV header lacks ${missing.map((m) => `"${m}"`).join(', ')}`,
      missing.map((m) => ({ path: `line 1, column "${m}"`, message: 'is missing from the header' })),
    );
  }
  const idCol = col.get('customer_id') as number;
  const cols = schema.features.map((f) => col.get(f.name) as number);
  return records.map(({ line, fields }) => {
    const errors: ErrorDetail[] = [];
    const id = fields[idCol].trim();
    if (id.length === 0 || id.length > 200)
      errors.push({ path: `line ${line}, column "customer_id"`, message: 'must be 1 to 200 characters' });
    const features: Record<string, number | string | null> = {};
    schema.features.forEach((feature, j) => {
      const cell = fields[cols[j]];
      const path = `line ${line}, column "${feature.name}"`;
      if (isMissingCell(cell)) features[feature.name] = null;
      else if (feature.kind === 'numeric') {
        const v = Number(cell.trim());
        if (!Number.isFinite(v)) errors.push({ path, message: `"${cell}" is not a number` });
        else rangeCheck(v, feature, path, errors);
        features[feature.name] = v;
      } else features[feature.name] = cell.trim();
    });
    return { customerId: id.length > 0 ? id : null, features: errors.length === 0 ? features : null, errors };
  });
}

function rangeCheck(
  v: number,
  feature: { min?: number; max?: number },
  path: string,
  errors: ErrorDetail[],
): void {
  if (feature.min !== undefined && v < feature.min)
    errors.push({ path, message: `must be >= ${feature.min}` });
  if (feature.max !== undefined && v > feature.max)
    errors.push({ path, message: `must be <= ${feature.max}` });
}

function tooMany(count: number, path: string): ChurnError {
  return new ChurnError(
    'CHURN_ERR_PAYLOAD_TOO_LARGE',
    `a batch holds at most ${MAX_BATCH} customers, this one has ${count > MAX_BATCH ? `${count}` : 'more'}`,
    [{ path, message: `more than ${MAX_BATCH} customers` }],
  );
}

function csvError(err: unknown): Error {
  if (err instanceof ChurnError) return err;
  if (isDataError(err)) {
    const where = err.row !== undefined ? `line ${err.row}` : 'body';
    return new ChurnError('CHURN_ERR_BAD_DATA', err.message, [{ path: where, message: err.message }]);
  }
  return err as Error;
}
