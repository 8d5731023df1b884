import { type Column, CountWindow, type Dataset, type FeatureSpec } from '@churn/ml';

/**
 * The rows of the last `spanMs` milliseconds, but at most `maxRows` (the newest): memory stays
 * bounded whatever the traffic (ml's TimeWindow grows with rate × span). A count window of
 * `maxRows` rows plus a ring of their timestamps; reading slices off the rows that are too old.
 */
export class BoundedTimeWindow {
  private readonly rows: CountWindow;
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    features: readonly FeatureSpec[],
    readonly spanMs: number,
    readonly maxRows: number,
  ) {
    this.rows = new CountWindow({ features }, maxRows);
    this.times = new Float64Array(maxRows);
  }

  push(timeMs: number, row: ArrayLike<number>): void {
    this.rows.push(row);
    this.times[this.next] = timeMs;
    this.next = (this.next + 1) % this.maxRows;
    if (this.size < this.maxRows) this.size++;
  }

  /** Rows newer than `nowMs - spanMs`, oldest first (arrival order). */
  toDataset(nowMs: number): Dataset {
    const from = nowMs - this.spanMs;
    let keep = 0;
    // Newest first, until the first row that is too old (arrival order ≈ time order).
    while (keep < this.size) {
      const at = (this.next - 1 - keep + this.maxRows) % this.maxRows;
      if (this.times[at] <= from) break;
      keep++;
    }
    const all = this.rows.toDataset();
    if (keep === all.nRows) return all;
    const skip = all.nRows - keep;
    const columns = all.columns.map(
      (c): Column =>
        c.kind === 'numeric'
          ? { ...c, values: c.values.subarray(skip) }
          : { ...c, codes: c.codes.subarray(skip) },
    );
    return { nRows: keep, columns };
  }
}

/**
 * The last `capacity` ids seen: makes a monitor idempotent against redelivery (at-least-once)
 * without a database round trip per event.
 */
export class RecentIds {
  private readonly ids: (string | undefined)[];
  private readonly set = new Set<string>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.ids = new Array(capacity);
  }

  /** True if `id` is new (and remembers it), false if it was seen among the last `capacity`. */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    const old = this.ids[this.next];
    if (old !== undefined) this.set.delete(old);
    this.ids[this.next] = id;
    this.set.add(id);
    this.next = (this.next + 1) % this.capacity;
    return true;
  }
}
