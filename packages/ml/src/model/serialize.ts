import { readFile } from 'node:fs/promises';
import type { FeatureBinning } from '../binning/bin-mapper.js';
import type { Column } from '../data/dataset.js';
import { isolationForestFromJson, isolationForestToJson } from '../outliers/serialize.js';
import type { Tree } from '../tree/tree.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { type ChurnModel, MODEL_FORMAT_VERSION } from './model.js';

/*
 * The model file is JSON. Typed arrays are stored as base64 of their little-endian bytes with
 * their type, which is compact and round-trips every float64 bit for bit (so a loaded model
 * predicts exactly what the trained one did).
 */

type ArrayKind = 'i32' | 'f64' | 'u8' | 'u32';
interface PackedArray {
  readonly t: ArrayKind;
  readonly b64: string;
}

const CTORS = { i32: Int32Array, f64: Float64Array, u8: Uint8Array, u32: Uint32Array } as const;

function pack(a: Int32Array | Float64Array | Uint8Array | Uint32Array): PackedArray {
  const t: ArrayKind =
    a instanceof Int32Array
      ? 'i32'
      : a instanceof Float64Array
        ? 'f64'
        : a instanceof Uint32Array
          ? 'u32'
          : 'u8';
  return { t, b64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

function unpack<K extends ArrayKind>(p: PackedArray, expected: K): InstanceType<(typeof CTORS)[K]> {
  if (!p || p.t !== expected || typeof p.b64 !== 'string')
    throw new Error(`model file: expected a packed ${expected} array`);
  const bytes = Buffer.from(p.b64, 'base64');
  const Ctor = CTORS[expected];
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, bytes.length / Ctor.BYTES_PER_ELEMENT) as InstanceType<(typeof CTORS)[K]>;
}

const TREE_FIELDS = {
  feature: 'i32',
  threshold: 'f64',
  thresholdBin: 'u8',
  left: 'i32',
  right: 'i32',
  defaultLeft: 'u8',
  catOffset: 'i32',
  catBits: 'u32',
  value: 'f64',
  cover: 'f64',
  gain: 'f64',
} as const;

/** Whole-number columns without missing values (counts, days) are stored as int32: half the bytes. */
function packValues(values: Float64Array): PackedArray {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647 || Object.is(v, -0)) return pack(values);
  }
  return pack(Int32Array.from(values));
}

function unpackValues(p: PackedArray): Float64Array {
  return p?.t === 'i32' ? Float64Array.from(unpack(p, 'i32')) : unpack(p, 'f64');
}

/** The reference sample's columns with their values packed (like the trees' arrays). */
function packReference(ref: NonNullable<ChurnModel['training']['reference']>): unknown {
  return {
    nRows: ref.nRows,
    columns: ref.columns.map((c) =>
      c.kind === 'numeric' ? { ...c, values: packValues(c.values) } : { ...c, codes: pack(c.codes) },
    ),
  };
}

function unpackReference(doc: unknown): NonNullable<ChurnModel['training']['reference']> {
  const r = doc as { nRows?: unknown; columns?: unknown };
  if (!r || !Number.isInteger(r.nRows) || !Array.isArray(r.columns))
    throw new Error('model file: "training.reference" must have nRows and columns');
  const nRows = r.nRows as number;
  const columns = (r.columns as Record<string, unknown>[]).map((c): Column => {
    const out =
      c.kind === 'numeric'
        ? ({ ...c, values: unpackValues(c.values as PackedArray) } as Column)
        : ({ ...c, codes: unpack(c.codes as PackedArray, 'i32') } as Column);
    const n = out.kind === 'numeric' ? out.values.length : out.codes.length;
    if (n !== nRows)
      throw new Error(`model file: reference column ${String(c.name)} has ${n} rows, expected ${nRows}`);
    return out;
  });
  return { nRows, columns };
}

/** The model as a JSON string. */
export function modelToJson(model: ChurnModel): string {
  const { reference, outliers } = model.training;
  const doc = {
    ...model,
    training: {
      ...model.training,
      reference: reference ? packReference(reference) : undefined,
      outliers: outliers ? isolationForestToJson(outliers) : undefined,
    },
    binning: model.binning.map((b) => (b.kind === 'numeric' ? { ...b, thresholds: pack(b.thresholds) } : b)),
    trees: model.trees.map((t) => {
      const out: Record<string, unknown> = { nNodes: t.nNodes };
      for (const k of Object.keys(TREE_FIELDS) as (keyof typeof TREE_FIELDS)[]) out[k] = pack(t[k]);
      return out;
    }),
  };
  return JSON.stringify(doc);
}

/** Parse a model from JSON, checking the format and version. */
export function modelFromJson(text: string): ChurnModel {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('model file: not valid JSON');
  }
  if (doc?.format !== 'churn-model') throw new Error('model file: not a churn model (format field)');
  if (doc.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `model file: format version ${String(doc.formatVersion)} is not supported (expected ${MODEL_FORMAT_VERSION})`,
    );
  }
  for (const key of ['binning', 'trees'] as const) {
    if (!Array.isArray(doc[key])) throw new Error(`model file: "${key}" must be an array`);
  }
  if (doc.algorithm !== 'random-forest' && doc.algorithm !== 'gradient-boosting') {
    throw new Error(`model file: unknown algorithm ${JSON.stringify(doc.algorithm)}`);
  }
  if (!doc.schema || !Array.isArray((doc.schema as { features?: unknown }).features)) {
    throw new Error('model file: "schema.features" must be an array');
  }
  const binning = (doc.binning as Record<string, unknown>[]).map(
    (b): FeatureBinning =>
      b.kind === 'numeric'
        ? ({ ...b, thresholds: unpack(b.thresholds as PackedArray, 'f64') } as FeatureBinning)
        : (b as unknown as FeatureBinning),
  );
  const trees = (doc.trees as Record<string, unknown>[]).map((t, i) => {
    if (!t || !Number.isInteger(t.nNodes) || (t.nNodes as number) < 1)
      throw new Error(`model file: tree ${i} has no nodes`);
    const out: Record<string, unknown> = { nNodes: t.nNodes };
    for (const [k, kind] of Object.entries(TREE_FIELDS)) {
      const a = unpack(t[k] as PackedArray, kind);
      if (k !== 'catBits' && a.length !== t.nNodes)
        throw new Error(`model file: tree ${i} field ${k} has ${a.length} entries, expected ${t.nNodes}`);
      out[k] = a;
    }
    return out as unknown as Tree;
  });
  const model = { ...(doc as unknown as ChurnModel), binning, trees };
  // Older files have neither field; both are optional.
  const training = doc.training as Record<string, unknown> | undefined;
  if (training && (training.reference !== undefined || training.outliers !== undefined)) {
    const t: Record<string, unknown> = { ...training };
    if (training.reference !== undefined) t.reference = unpackReference(training.reference);
    if (training.outliers !== undefined) t.outliers = isolationForestFromJson(training.outliers);
    return { ...model, training: t as unknown as ChurnModel['training'] };
  }
  return model;
}

/** Write a model file atomically (never a half-written file). */
export async function saveModel(path: string, model: ChurnModel): Promise<void> {
  await writeFileAtomic(path, modelToJson(model));
}

/** Read a model file. */
export async function loadModel(path: string): Promise<ChurnModel> {
  return modelFromJson(await readFile(path, 'utf8'));
}
