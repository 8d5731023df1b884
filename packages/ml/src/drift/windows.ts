/**
 * Sliding windows of recent rows on typed arrays, for the monitors: a count window (the last N
 * rows) and a time window (the rows of the last T milliseconds). Rows are pushed in the encoded
 * layout of a schema — a number per feature, NaN for a missing numeric value and the category's
 * index (-1 missing) for a categorical one — and read back as a {@link Dataset} for detectDrift.
 */
import type { Column, Dataset } from '../data/dataset.js';
import type { TableSchema } from '../schema/feature-schema.js';

/** A ring buffer of rows: one Float64Array per feature. */
class RowRing {
  cols: Float64Array[];
  start = 0;
  size = 0;
  constructor(
    readonly schema: Pick<TableSchema, 'features'>,
    public capacity: number,
  ) {
    this.cols = schema.features.map(() => new Float64Array(capacity));
  }

  push(row: ArrayLike<number>): void {
    if (row.length !== this.cols.length)
      throw new Error(`window row has ${row.length} values, expected ${this.cols.length}`);
    const at = (this.start + this.size) % this.capacity;
    for (let j = 0; j < this.cols.length; j++) this.cols[j][at] = row[j];
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  dropOldest(n: number): void {
    const k = Math.min(n, this.size);
    this.start = (this.start + k) % this.capacity;
    this.size -= k;
  }

  grow(): void {
    const cap = this.capacity * 2;
    this.cols = this.cols.map((c) => {
      const out = new Float64Array(cap);
      for (let i = 0; i < this.size; i++) out[i] = c[(this.start + i) % this.capacity];
      return out;
    });
    this.start = 0;
    this.capacity = cap;
  }

  toDataset(): Dataset {
    const n = this.size;
    const columns = this.schema.features.map((f, j): Column => {
      const src = this.cols[j];
      if (f.kind === 'numeric') {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = src[(this.start + i) % this.capacity];
        return { kind: 'numeric', name: f.name, values };
      }
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = src[(this.start + i) % this.capacity];
        codes[i] = Number.isInteger(v) && v >= 0 && v < f.categories.length ? v : -1;
      }
      return { kind: 'categorical', name: f.name, codes, categories: f.categories };
    });
    return { nRows: n, columns };
  }
}

/**
 * The last `capacity` rows pushed.
 *
 * @example
 * ```ts
 * const w = new CountWindow(CUSTOMER_SCHEMA, 5000);
 * w.push(encodedRow);
 * detectDrift(reference, w.toDataset());
 * ```
 */
export class CountWindow {
  private readonly ring: RowRing;
  constructor(schema: Pick<TableSchema, 'features'>, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`window capacity must be >= 1, got ${capacity}`);
    this.ring = new RowRing(schema, capacity);
  }
  get size(): number {
    return this.ring.size;
  }
  push(row: ArrayLike<number>): void {
    this.ring.push(row);
  }
  /** The rows in the window, oldest first. */
  toDataset(): Dataset {
    return this.ring.toDataset();
  }
}

/** The rows pushed in the last `spanMs` milliseconds (timestamps must not go backwards). */
export class TimeWindow {
  private readonly ring: RowRing;
  private times: Float64Array;
  constructor(
    schema: Pick<TableSchema, 'features'>,
    readonly spanMs: number,
    initialCapacity = 1024,
  ) {
    if (!(spanMs > 0)) throw new Error(`window span must be > 0 ms, got ${spanMs}`);
    this.ring = new RowRing(schema, initialCapacity);
    this.times = new Float64Array(initialCapacity);
  }
  get size(): number {
    return this.ring.size;
  }
  push(timestampMs: number, row: ArrayLike<number>): void {
    const r = this.ring;
    if (r.size > 0 && timestampMs < this.times[(r.start + r.size - 1) % r.capacity])
      throw new Error('time window: timestamps must not go backwards');
    this.evict(timestampMs);
    if (r.size === r.capacity) {
      const cap = r.capacity * 2;
      const t = new Float64Array(cap);
      for (let i = 0; i < r.size; i++) t[i] = this.times[(r.start + i) % r.capacity];
      this.times = t;
      r.grow();
    }
    this.times[(r.start + r.size) % r.capacity] = timestampMs;
    r.push(row);
  }
  /** Drop rows older than `nowMs - spanMs` (a row exactly spanMs old is dropped). */
  evict(nowMs: number): void {
    const r = this.ring;
    let k = 0;
    while (k < r.size && this.times[(r.start + k) % r.capacity] <= nowMs - this.spanMs) k++;
    r.dropOldest(k);
  }
  /** The rows of the last `spanMs` before `nowMs` (default: the newest row's time), oldest first. */
  toDataset(nowMs?: number): Dataset {
    const r = this.ring;
    if (nowMs !== undefined) this.evict(nowMs);
    else if (r.size > 0) this.evict(this.times[(r.start + r.size - 1) % r.capacity]);
    return r.toDataset();
  }
}
