/**
 * Sort finite or infinite doubles (no NaN) ascending, in place, in the order of
 * `Float64Array.prototype.sort` (-0 before +0): an LSD radix sort over the IEEE bits, mapped so
 * that unsigned order is numeric order (a positive value's sign bit set, a negative value's bits
 * all flipped). The built-in sort took 8 ms for 80,000 values here, most of the time of fitting a
 * feature's bins.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 1024) return values.sort();
  const src = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let a = new Uint32Array(2 * n);
  let b = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const lo = src[2 * i];
    const hi = src[2 * i + 1];
    if (hi >>> 31) {
      a[2 * i] = ~lo >>> 0;
      a[2 * i + 1] = ~hi >>> 0;
    } else {
      a[2 * i] = lo;
      a[2 * i + 1] = (hi | 0x80000000) >>> 0;
    }
  }
  // Six digits of at most 11 bits (bits 0-10, 11-21 and 22-31 of each word, low word first),
  // all counted in one pass: 12,288 counters fit the core's cache, and the six increments of a
  // value are independent, where one 16-bit pass at a time waited on repeated counters.
  const count = new Uint32Array(6 * 2048);
  for (let i = 0; i < n; i++) {
    const lo = a[2 * i];
    const hi = a[2 * i + 1];
    count[lo & 0x7ff]++;
    count[2048 + ((lo >>> 11) & 0x7ff)]++;
    count[4096 + (lo >>> 22)]++;
    count[6144 + (hi & 0x7ff)]++;
    count[8192 + ((hi >>> 11) & 0x7ff)]++;
    count[10240 + (hi >>> 22)]++;
  }
  for (let pass = 0; pass < 6; pass++) {
    const word = pass < 3 ? 0 : 1;
    const shift = (pass % 3) * 11;
    const base = pass * 2048;
    // A digit shared by every value orders nothing: skip the pass.
    if (count[base + ((a[word] >>> shift) & 0x7ff)] === n) continue;
    let sum = 0;
    for (let d = base; d < base + 2048; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const lo = a[2 * i];
      const hi = a[2 * i + 1];
      const at = 2 * count[base + (((word === 0 ? lo : hi) >>> shift) & 0x7ff)]++;
      b[at] = lo;
      b[at + 1] = hi;
    }
    const t = a;
    a = b;
    b = t;
  }
  for (let i = 0; i < n; i++) {
    const lo = a[2 * i];
    const hi = a[2 * i + 1];
    if (hi >>> 31) {
      src[2 * i] = lo;
      src[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      src[2 * i] = ~lo >>> 0;
      src[2 * i + 1] = ~hi >>> 0;
    }
  }
  return values;
}
