const SMALL_INTS: string[] = Array.from({ length: 65536 }, (_, i) => String(i));
const FRACTIONS: string[] = Array.from({ length: 1000 }, (_, i) => {
  // i thousandths, without trailing zeros: 500 -> "5", 50 -> "05", 5 -> "005".
  let s = String(i).padStart(3, '0');
  while (s.endsWith('0')) s = s.slice(0, -1);
  return s;
});

/**
 * Format a number for CSV exactly as `String(v)` would, with fast paths for small integers and
 * values with at most three decimals (the bulk of generated and exported tables).
 */
export function formatNumber(v: number): string {
  if (v >= 0 && v < 65536 && Number.isInteger(v)) return SMALL_INTS[v];
  if (v > 0 && v < 65536) {
    const scaled = Math.round(v * 1000);
    if (scaled / 1000 === v) {
      const whole = Math.floor(scaled / 1000);
      const frac = scaled - whole * 1000;
      return `${SMALL_INTS[whole]}.${FRACTIONS[frac]}`;
    }
  }
  return String(v);
}
