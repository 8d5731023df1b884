import { describe, expect, it } from 'vitest';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import { Rng } from '../util/rng.js';
import { fillSide, partitionRowIndices, partitionRows } from './partition.js';

/** The side of bin b by definition: numeric bins <= bin left, categories in the set left. */
const sideOf = (b: number, bin: number, missingLeft: boolean, catBits: Uint32Array | null): number => {
  if (b === MISSING_BIN) return missingLeft ? 1 : 0;
  if (catBits) return (catBits[b >>> 5] >>> (b & 31)) & 1;
  return b <= bin ? 1 : 0;
};

describe('fillSide', () => {
  it.each([-1, 0, 1, 7, 127, 253, 254, 255])('numeric split at bin %i, missing both ways', (bin) => {
    for (const missingLeft of [false, true]) {
      const side = new Uint8Array(256).fill(7);
      fillSide(side, bin, missingLeft, null);
      for (let b = 0; b < 256; b++) expect(side[b], `bin ${b}`).toBe(sideOf(b, bin, missingLeft, null));
    }
  });

  it('categorical split: the categories of the set go left', () => {
    const rng = new Rng(3);
    const catBits = Uint32Array.from({ length: 8 }, () => rng.nextUint32());
    const side = new Uint8Array(256);
    fillSide(side, 0, true, catBits);
    for (let b = 0; b < 256; b++) expect(side[b], `bin ${b}`).toBe(sideOf(b, 0, true, catBits));
  });
});

describe('partitionRows and partitionRowIndices', () => {
  it('split a range stably by side, leaving the rest alone', () => {
    const rng = new Rng(9);
    const n = 500;
    const col = Uint8Array.from({ length: n }, () => (rng.next() < 0.1 ? MISSING_BIN : rng.int(40)));
    const side = new Uint8Array(256);
    fillSide(side, 17, true, null);
    const rows = Uint32Array.from({ length: n }, (_, k) => (k * 7919) % n);
    const og = Float64Array.from(rows, (i) => i / 2);
    const oh = Float64Array.from(rows, (i) => i * 3);
    const [start, end] = [50, 430];
    const before = [...rows];
    const expectLeft = before.slice(start, end).filter((i) => side[col[i]] === 1);
    const expectRight = before.slice(start, end).filter((i) => side[col[i]] === 0);
    const only = Uint32Array.from(rows);
    const mid = partitionRows(
      col,
      0,
      side,
      rows,
      og,
      oh,
      new Uint32Array(n),
      new Float64Array(n),
      new Float64Array(n),
      start,
      end,
    );
    expect(mid).toBe(start + expectLeft.length);
    expect([...rows.subarray(start, end)]).toEqual([...expectLeft, ...expectRight]);
    expect([...rows.subarray(0, start), ...rows.subarray(end)]).toEqual([
      ...before.slice(0, start),
      ...before.slice(end),
    ]);
    for (let k = 0; k < n; k++) expect([og[k], oh[k]]).toEqual([rows[k] / 2, rows[k] * 3]);
    expect(partitionRowIndices(col, 0, side, only, new Uint32Array(n), start, end)).toBe(mid);
    expect([...only]).toEqual([...rows]);
  });
});
