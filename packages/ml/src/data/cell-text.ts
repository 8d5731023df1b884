/**
 * Cell text helpers for the CSV loader: number parsing (a fast path that reads plain decimals
 * straight from the chunk text, and the general one) and detaching kept strings from the chunk
 * they were cut from.
 */

/**
 * Copy a string so it no longer pins the large chunk it was sliced from (V8 keeps the parent of a
 * sliced string alive). Short strings are copies already.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/**
 * Parse a cell as a finite number like `Number()` (surrounding whitespace allowed, exponents
 * too); NaN for blank text, other text, Infinity, and the hex/octal/binary literals `Number()`
 * would accept.
 */
export function parseNumber(cell: string): number {
  const v = +cell;
  if (!Number.isFinite(v) || (v === 0 && cell.trim() === '')) return Number.NaN;
  if (cell.length > 2 && cell.charCodeAt(0) === 48) {
    const c1 = cell.charCodeAt(1) | 0x20;
    if (c1 === 0x78 || c1 === 0x6f || c1 === 0x62) return Number.NaN;
  }
  return v;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Set by {@link scanDecimal}: whether the text it parsed is exactly what `String(value)` prints. */
export const lastScan = { canonical: true };

/**
 * Parse `text[start, end)` when it is a plain decimal (`-?digits[.digits]`, at most 15 digits),
 * exactly as `Number()` would (m / 10^k is correctly rounded for such m and k). NaN for anything
 * else (whitespace, exponents, text, more digits), which callers hand to {@link parseNumber}.
 * Also sets {@link lastScan}`.canonical`.
 */
export function scanDecimal(text: string, start: number, end: number): number {
  let i = start;
  const neg = text.charCodeAt(i) === 45;
  if (neg) i++;
  const intStart = i;
  let m = 0;
  let digits = 0;
  let dot = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && dot < 0) dot = i;
    else return Number.NaN;
  }
  if (digits === 0 || digits > 15) return Number.NaN;
  const frac = dot < 0 ? 0 : end - dot - 1;
  const abs = frac > 0 ? m / POW10[frac] : m;
  const intLen = (dot < 0 ? end : dot) - intStart;
  lastScan.canonical =
    intLen > 0 &&
    !(intLen > 1 && text.charCodeAt(intStart) === 48) &&
    (dot < 0 || (frac > 0 && text.charCodeAt(end - 1) !== 48)) &&
    (abs === 0 ? !neg && frac === 0 : abs >= 1e-6);
  return neg ? -abs : abs;
}
