import { describe, expect, it } from 'vitest';
import { sortFloat64 } from './radix-sort.js';
import { Rng } from './rng.js';

const sameBits = (a: Float64Array, b: Float64Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('sortFloat64', () => {
  it('sorts as Float64Array.prototype.sort does, bit for bit', () => {
    const rng = new Rng(5);
    const special = [
      0,
      -0,
      1,
      -1,
      Infinity,
      -Infinity,
      5e-324,
      -5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      0.1,
    ];
    for (const n of [0, 1, 7, 1023, 1024, 5000, 80_000]) {
      for (const kind of ['wide', 'decimals', 'few', 'constant']) {
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          if (kind === 'constant') v[i] = 2.5;
          else if (rng.next() < 0.05) v[i] = special[rng.int(special.length)];
          else if (kind === 'wide') v[i] = (rng.next() - 0.5) * 10 ** (rng.int(40) - 20);
          else if (kind === 'decimals') v[i] = Math.round((rng.next() - 0.3) * 10_000) / 100;
          else v[i] = rng.int(5) - 2;
        }
        // A subarray with an offset, as fitNumericBins passes.
        const buffer = new Float64Array(n + 3);
        buffer.set(v, 3);
        const view = buffer.subarray(3);
        const expected = v.slice().sort();
        expect(sortFloat64(view)).toBe(view);
        expect(sameBits(view, expected), `${kind}, n ${n}`).toBe(true);
      }
    }
  });
});
