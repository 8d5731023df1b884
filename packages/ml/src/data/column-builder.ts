/**
 * Growable typed-array columns filled cell by cell while a CSV streams by. A column in `infer`
 * mode stays numeric while every non-missing cell is a finite number and turns categorical at the
 * first text cell, converting the numbers seen so far back to their text.
 *
 * Memory: a numeric column holds one Float64Array (doubling growth) plus the spelling of numbers
 * whose text is not what `String(value)` prints ("1.50", "007"), capped at
 * {@link MAX_SPELLINGS} distinct values; a categorical column holds Int32Array codes plus its
 * dictionary. No row is ever kept as strings.
 */

import { detach, lastScan, parseNumber, scanDecimal } from './cell-text.js';
import { type Column, isMissingCell, MISSING_CODE } from './dataset.js';

/** How a column's cells are read: inferred, or fixed by a schema. */
export type ColumnMode = 'infer' | 'numeric' | 'categorical';

/** Distinct non-canonical number spellings remembered per column while its type is undecided. */
export const MAX_SPELLINGS = 100_000;

/** Categories per column matched in place by `pushRange` before falling back to the dictionary. */
export const FAST_CATEGORIES = 16;

const INITIAL_CAPACITY = 1024;

/** One column under construction. */
export class ColumnBuilder {
  readonly name: string;
  readonly mode: ColumnMode;
  /** Current type; an `infer` column starts numeric and may turn categorical once. */
  kind: 'numeric' | 'categorical';
  /** Rows appended so far. */
  length = 0;
  /** Missing cells appended so far. */
  missing = 0;
  /** Dictionary of a categorical column, in code order (schema categories first when seeded). */
  readonly categories: string[] = [];
  /** Whether an `infer` column saw numbers first and then text. */
  mixed = false;
  #values: Float64Array | undefined;
  #codes: Int32Array | undefined;
  readonly #dict = new Map<string, number>();
  readonly #spelling = new Map<number, string>();
  /** Up to {@link FAST_CATEGORIES} plain categories matched in place by `pushRange`, and their codes. */
  readonly #fast: string[] = [];
  readonly #fastCodes: number[] = [];

  /**
   * @param name - column name.
   * @param mode - `infer`, or the kind fixed by a schema.
   * @param categories - known categories of a categorical column; they get codes 0..k-1.
   */
  constructor(name: string, mode: ColumnMode, categories: readonly string[] = []) {
    this.name = name;
    this.mode = mode;
    this.kind = mode === 'categorical' ? 'categorical' : 'numeric';
    if (this.kind === 'numeric') this.#values = new Float64Array(INITIAL_CAPACITY);
    else this.#codes = new Int32Array(INITIAL_CAPACITY);
    for (const c of categories) this.#code(c);
  }

  /** Distinct categories (categorical) so far. */
  get distinct(): number {
    return this.categories.length;
  }

  /**
   * Append one raw cell. Returns false (appending nothing) when a `numeric` column gets a cell
   * that is neither missing nor a number, so the caller can raise an error naming the line.
   */
  pushCell(cell: string): boolean {
    if (this.kind === 'numeric') {
      const c0 = cell.charCodeAt(0);
      let text = cell;
      if (!((c0 >= 48 && c0 <= 57) || c0 === 45)) {
        if (isMissingCell(cell)) {
          this.pushMissing();
          return true;
        }
        text = cell.trim();
      }
      const v = parseNumber(text);
      if (!Number.isNaN(v)) {
        if (this.mode === 'infer' && this.#spelling.size < MAX_SPELLINGS && String(v) !== text) {
          if (!this.#spelling.has(v)) this.#spelling.set(v, detach(text.trim()));
        }
        this.pushNumber(v);
        return true;
      }
      if (this.mode === 'numeric') return false;
      this.#toCategorical();
    }
    if (isMissingCell(cell)) this.pushMissing();
    else this.pushCategory(cell.trim());
    return true;
  }

  /**
   * Append the cell `text[start, end)` without cutting it out of the text when it is empty or a
   * plain decimal (the common case in big files); otherwise same as {@link ColumnBuilder.pushCell}.
   */
  pushRange(text: string, start: number, end: number): boolean {
    if (this.kind === 'numeric') {
      if (start === end) {
        this.pushMissing();
        return true;
      }
      const v = scanDecimal(text, start, end);
      if (!Number.isNaN(v)) {
        if (
          !lastScan.canonical &&
          this.mode === 'infer' &&
          this.#spelling.size < MAX_SPELLINGS &&
          !this.#spelling.has(v)
        ) {
          this.#spelling.set(v, detach(text.slice(start, end)));
        }
        this.pushNumber(v);
        return true;
      }
    } else {
      // Few distinct values (the usual case) are matched in place, without a string per cell.
      const len = end - start;
      if (len === 0) {
        this.pushMissing();
        return true;
      }
      const fast = this.#fast;
      for (let k = 0; k < fast.length; k++) {
        const c = fast[k];
        if (c.length !== len) continue;
        let i = 0;
        while (i < len && c.charCodeAt(i) === text.charCodeAt(start + i)) i++;
        if (i === len) {
          this.#pushCode(this.#fastCodes[k]);
          return true;
        }
      }
    }
    return this.pushCell(text.slice(start, end));
  }

  /** Append a number to a numeric column (NaN counts as missing). */
  pushNumber(v: number): void {
    if (this.length === this.#values!.length) this.#values = grow(this.#values!);
    if (Number.isNaN(v)) this.missing++;
    this.#values![this.length++] = v;
  }

  /** Append a category (not trimmed, not checked for missing markers) to a categorical column. */
  pushCategory(text: string): void {
    this.#pushCode(this.#code(text));
  }

  /** Append a missing cell. */
  pushMissing(): void {
    if (this.kind === 'numeric') this.pushNumber(Number.NaN);
    else {
      this.#pushCode(MISSING_CODE);
      this.missing++;
    }
  }

  /** The finished column, its arrays cut to the row count. */
  finish(): Column {
    if (this.kind === 'numeric') {
      return { kind: 'numeric', name: this.name, values: this.#values!.slice(0, this.length) };
    }
    return {
      kind: 'categorical',
      name: this.name,
      codes: this.#codes!.slice(0, this.length),
      categories: this.categories,
    };
  }

  #code(text: string): number {
    let code = this.#dict.get(text);
    if (code === undefined) {
      code = this.categories.length;
      const kept = detach(text);
      this.#dict.set(kept, code);
      this.categories.push(kept);
      if (this.#fast.length < FAST_CATEGORIES && kept.trim() === kept && !isMissingCell(kept)) {
        this.#fast.push(kept);
        this.#fastCodes.push(code);
      }
    }
    return code;
  }

  #pushCode(code: number): void {
    if (this.length === this.#codes!.length) this.#codes = grow(this.#codes!);
    this.#codes![this.length++] = code;
  }

  #toCategorical(): void {
    const values = this.#values!;
    const codes = new Int32Array(values.length);
    for (let i = 0; i < this.length; i++) {
      const v = values[i];
      codes[i] = Number.isNaN(v) ? MISSING_CODE : this.#code(this.#spelling.get(v) ?? String(v));
    }
    this.#codes = codes;
    this.#values = undefined;
    this.#spelling.clear();
    this.kind = 'categorical';
    this.mixed = this.length > this.missing;
  }
}

function grow<T extends Float64Array | Int32Array>(a: T): T {
  const next = new (a.constructor as new (n: number) => T)(a.length * 2);
  next.set(a);
  return next;
}
