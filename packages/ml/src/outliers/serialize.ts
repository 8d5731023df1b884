import type { IsolationForest } from './isolation-forest.js';

/** The JSON form of an {@link IsolationForest}: typed arrays as base64 of their bytes. */
export interface IsolationForestJson
  extends Omit<IsolationForest, 'treeStart' | 'feature' | 'value' | 'right'> {
  readonly treeStart: string;
  readonly feature: string;
  readonly value: string;
  readonly right: string;
}

const b64 = (a: Int32Array | Int16Array | Float32Array | Uint16Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function bytes(text: unknown, what: string, width: number): ArrayBuffer {
  if (typeof text !== 'string') throw new Error(`isolation forest: "${what}" must be a base64 string`);
  const buf = Buffer.from(text, 'base64');
  if (buf.length % width !== 0) throw new Error(`isolation forest: "${what}" has a bad length`);
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  return copy.buffer;
}

/** A JSON-ready copy of a forest (lossless: thresholds are float32 already). */
export function isolationForestToJson(forest: IsolationForest): IsolationForestJson {
  return {
    ...forest,
    treeStart: b64(forest.treeStart),
    feature: b64(forest.feature),
    value: b64(forest.value),
    right: b64(forest.right),
  };
}

/** Rebuild a forest from its JSON form, checking the format and the array lengths. */
export function isolationForestFromJson(doc: unknown): IsolationForest {
  const d = doc as IsolationForestJson;
  if (d?.format !== 'churn-isolation-forest' || d.version !== 1)
    throw new Error('isolation forest: not a churn-isolation-forest version 1 document');
  if (!Array.isArray(d.encodings)) throw new Error('isolation forest: "encodings" must be an array');
  const treeStart = new Int32Array(bytes(d.treeStart, 'treeStart', 4));
  const feature = new Int16Array(bytes(d.feature, 'feature', 2));
  const value = new Float32Array(bytes(d.value, 'value', 4));
  const right = new Uint16Array(bytes(d.right, 'right', 2));
  const nodes = treeStart[treeStart.length - 1];
  if (feature.length !== nodes || value.length !== nodes || right.length !== nodes)
    throw new Error('isolation forest: node arrays do not match the tree offsets');
  if (!(typeof d.threshold === 'number')) throw new Error('isolation forest: "threshold" must be a number');
  return { ...d, treeStart, feature, value, right };
}
