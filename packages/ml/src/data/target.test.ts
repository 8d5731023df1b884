import { describe, expect, it } from 'vitest';
import { binarizeTarget, choosePositiveLabel, labelClass } from './target.js';

/** Dictionary-code `labels` and binarize them. */
function binarize(labels: string[], positiveLabel?: string) {
  const categories: string[] = [];
  const codes = labels.map((l) => {
    let k = categories.indexOf(l);
    if (k < 0) k = categories.push(l) - 1;
    return k;
  });
  return binarizeTarget('y', categories, codes, positiveLabel);
}

describe('labelClass', () => {
  it('folds case and number spellings', () => {
    expect(labelClass(' Yes ')).toBe('yes');
    expect(labelClass('1.0')).toBe('1');
    expect(labelClass('01')).toBe('1');
    expect(labelClass('')).toBe('');
  });
});

describe('choosePositiveLabel', () => {
  it('picks 1 of 0/1 and the churn-like one of two texts', () => {
    expect(choosePositiveLabel('y', ['0', '1'])).toBe('1');
    expect(choosePositiveLabel('y', ['1.0', '0.0'])).toBe('1.0');
    expect(choosePositiveLabel('y', ['No', 'Yes'])).toBe('Yes');
    expect(choosePositiveLabel('y', ['retained', 'Churned'])).toBe('Churned');
    expect(choosePositiveLabel('y', ['false', 'true'])).toBe('true');
  });

  it('asks for a positive label when it cannot tell', () => {
    expect(() => choosePositiveLabel('y', ['A', 'B'])).toThrow(/--positive-label/);
    expect(() => choosePositiveLabel('y', ['1', '2'])).toThrow(/--positive-label/);
    expect(() => choosePositiveLabel('y', ['yes', 'true'])).toThrow(/--positive-label/);
    expect(() => choosePositiveLabel('y', ['a', 'b', 'c'])).toThrow(/3 distinct values/);
  });

  it('matches a given label by class and refuses an absent one', () => {
    expect(choosePositiveLabel('y', ['stay', 'GONE'], 'gone')).toBe('GONE');
    expect(choosePositiveLabel('y', ['0', '1.0'], '1')).toBe('1.0');
    expect(() => choosePositiveLabel('y', ['a', 'b'], 'c')).toThrow(
      expect.objectContaining({ code: 'DATA_BAD_TARGET' }),
    );
  });

  it('refuses a single class', () => {
    expect(() => choosePositiveLabel('y', ['No'], 'Yes')).toThrow(
      expect.objectContaining({ code: 'DATA_ONE_CLASS' }),
    );
  });
});

describe('binarizeTarget', () => {
  it('treats spellings of one class alike', () => {
    const bin = binarize(['No', 'yes', 'no', 'YES']);
    expect(Array.from(bin.target)).toEqual([0, 1, 0, 1]);
    expect(bin.positiveLabel).toBe('yes');
    expect(bin.positives).toBe(2);
  });

  it('does one-vs-rest with a positive label', () => {
    expect(Array.from(binarize(['a', 'b', 'c', 'b'], 'b').target)).toEqual([0, 1, 0, 1]);
  });

  it('refuses one class and missing codes', () => {
    expect(() => binarize(['x', 'X'])).toThrow(expect.objectContaining({ code: 'DATA_ONE_CLASS' }));
    expect(() => binarizeTarget('y', ['a', 'b'], [0, -1, 1])).toThrow(
      expect.objectContaining({ code: 'DATA_MISSING_TARGET', index: 1 }),
    );
  });
});
