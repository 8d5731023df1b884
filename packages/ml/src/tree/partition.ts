import { MISSING_BIN } from '../binning/bin-mapper.js';

/** Fill `side` (256 entries) with 1 for the bins a split sends left. */
export function fillSide(
  side: Uint8Array,
  bin: number,
  missingLeft: boolean,
  catBits: ArrayLike<number> | null,
): void {
  if (catBits) for (let b = 0; b < MISSING_BIN; b++) side[b] = (catBits[b >>> 5] >>> (b & 31)) & 1;
  else {
    // Numeric: bins <= bin left. Two fills instead of a compare per bin (this runs once per split).
    const cut = Math.min(Math.max(bin + 1, 0), MISSING_BIN);
    side.fill(1, 0, cut);
    side.fill(0, cut, MISSING_BIN);
  }
  side[MISSING_BIN] = missingLeft ? 1 : 0;
}

/**
 * Stable partition of the row indices rows[start..end) alone (gradients stay indexed by row), by
 * the bins of one feature column; returns the first index of the right part. Branch-free like
 * {@link partitionRows}, with a fifth of its memory traffic.
 */
export function partitionRowIndices(
  col: Uint8Array,
  colOffset: number,
  side: Uint8Array,
  rows: Uint32Array,
  scratch: Uint32Array,
  start: number,
  end: number,
): number {
  let l = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const i = rows[k];
    const left = side[col[colOffset + i]];
    rows[l] = i;
    scratch[r] = i;
    l += left;
    r += 1 - left;
  }
  rows.set(scratch.subarray(0, r), l);
  return l;
}

/**
 * Stable partition of rows[start..end) and their ordered gradients by the bins of one feature
 * column; returns the first index of the right part. Every row is written to both outputs and
 * only the counters move, so the loop has no data-dependent branch: split sides are
 * unpredictable, and a mispredicted branch per row cost more than the extra stores.
 */
export function partitionRows(
  col: Uint8Array,
  colOffset: number,
  side: Uint8Array,
  rows: Uint32Array,
  og: Float64Array,
  oh: Float64Array,
  scratch: Uint32Array,
  sg: Float64Array,
  sh: Float64Array,
  start: number,
  end: number,
): number {
  let l = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const i = rows[k];
    const gk = og[k];
    const hk = oh[k];
    const left = side[col[colOffset + i]];
    rows[l] = i;
    og[l] = gk;
    oh[l] = hk;
    scratch[r] = i;
    sg[r] = gk;
    sh[r] = hk;
    l += left;
    r += 1 - left;
  }
  rows.set(scratch.subarray(0, r), l);
  og.set(sg.subarray(0, r), l);
  oh.set(sh.subarray(0, r), l);
  return l;
}
