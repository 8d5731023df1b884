import { describe, expect, it } from 'vitest';
import { detach, lastScan, parseNumber, scanDecimal } from './cell-text.js';

describe('parseNumber', () => {
  it('accepts finite decimals and rejects other literals', () => {
    expect(parseNumber('12.5')).toBe(12.5);
    expect(parseNumber('-3e2')).toBe(-300);
    expect(parseNumber(' 4 ')).toBe(4);
    for (const bad of ['', ' ', '0x10', '0b1', '0o7', 'Infinity', '1,5', 'abc'])
      expect(parseNumber(bad)).toBeNaN();
  });
});

describe('scanDecimal', () => {
  /** Scan `s` embedded in other text, as the loader does. */
  const scan = (s: string) => scanDecimal(`x,${s},y`, 2, 2 + s.length);

  it('agrees with Number() and String() on random plain decimals', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let t = 0; t < 20000; t++) {
      const int = Array.from({ length: rnd(8) }, () => rnd(10)).join('');
      const frac = Array.from({ length: rnd(8) }, () => rnd(10)).join('');
      const s = `${rnd(3) === 0 ? '-' : ''}${int}${rnd(2) || frac ? `.${frac}` : ''}`;
      const v = scan(s);
      if (!/\d/.test(s)) {
        expect(v, s).toBeNaN();
        continue;
      }
      expect(Object.is(v, Number(s)), `${s} -> ${v}`).toBe(true);
      expect(lastScan.canonical, s).toBe(String(Number(s)) === s);
    }
  });

  it('leaves other shapes to the general parser', () => {
    for (const s of ['', '-', '.', '1e5', ' 1', '1 ', '1.2.3', '+1', '1234567890123456'])
      expect(scan(s), s).toBeNaN();
  });

  it('flags spellings String() would not print', () => {
    for (const s of ['007', '1.50', '5.', '.5', '-0', '0.0', '0.0000001']) {
      scan(s);
      expect(lastScan.canonical, s).toBe(false);
    }
    for (const s of ['0', '10', '-2.5', '0.000001', '123456789012345']) {
      scan(s);
      expect(lastScan.canonical, s).toBe(true);
    }
  });
});

describe('detach', () => {
  it('returns an equal string', () => {
    const big = 'x'.repeat(100000);
    expect(detach(big.slice(10, 40))).toBe('x'.repeat(30));
    expect(detach('short')).toBe('short');
  });
});
