import type { Tree } from '../tree/tree.js';
import type { LeafTable } from './leaf-tables.js';

/*
 * Leaf tables (leaf-tables.ts) compiled to JavaScript, as tree-codegen.ts does for prediction: per
 * tree, each split's decision once (thresholds as constants), then per leaf the index of its table
 * row — the bits of the path features whose splits the row all follows — and d additions into
 * per-feature local accumulators, written to the output once per row. Only numbers from the model
 * enter the source, written in their exact shortest form.
 *
 * V8 optimises each generated function after a few thousand rows (measured: ~6,000 rows at ~15 µs
 * a tree before, ~1 µs after), so the first large batch of a new explainer runs several times
 * slower than the next ones; the explainer is meant to be built once per model and kept.
 */

/**
 * Adds the SHAP values of some trees for n encoded rows to the output: row i is x[o + i·xs ..],
 * its values go to out[p + i·ps ..]. Looping over rows inside the generated code lets V8 optimise
 * it on the first large batch (on-stack replacement) instead of after thousands of calls.
 */
export type TableShapFunction = (
  x: Float64Array,
  o: number,
  xs: number,
  out: Float64Array,
  p: number,
  ps: number,
  n: number,
) => void;

/**
 * Trees up to this many nodes in total share one generated function: about one depth-6 tree.
 * Larger functions were not optimised by V8 at all (measured: 300 rows/s instead of 8,000).
 */
const NODES_PER_FUNCTION = 150;

const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** Generate the functions for trees with leaf tables; all tables live in one array. */
export function compileLeafTables(
  trees: readonly Tree[],
  tables: readonly (readonly LeafTable[])[],
): TableShapFunction[] {
  let size = 0;
  for (const leaves of tables) for (const l of leaves) size += l.table.length;
  const all = new Float64Array(size);
  const bits: number[] = [];
  const fns: TableShapFunction[] = [];
  let chunk: string[] = [];
  let used = new Set<number>();
  let nodes = 0;
  let at = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    const acc = [...used].sort((a, b) => a - b);
    const body = [
      'for (let i = 0; i < n; i++, o += xs, p += ps) {',
      `let v = 0, e = 0${acc.map((f) => `, a${f} = 0`).join('')};`,
      ...chunk,
      ...acc.map((f) => `out[p + ${f}] += a${f};`),
      '}',
    ].join('\n');
    const fn = new Function('T', 'cb', 'x', 'o', 'xs', 'out', 'p', 'ps', 'n', body) as (
      T: Float64Array,
      cb: Uint32Array,
      ...args: Parameters<TableShapFunction>
    ) => void;
    fns.push((x, o, xs, out, p, ps, n) => fn(all, cb, x, o, xs, out, p, ps, n));
    chunk = [];
    used = new Set();
    nodes = 0;
  };
  const cb = new Uint32Array(trees.reduce((s, t) => s + t.catBits.length, 0));
  trees.forEach((t, ti) => {
    if (nodes + t.nNodes > NODES_PER_FUNCTION) flush();
    const catBase = bits.length;
    for (const w of t.catBits) bits.push(w);
    const lines: string[] = [];
    for (let n = 0; n < t.nNodes; n++) {
      const f = t.feature[n];
      if (f < 0) continue;
      let test: string;
      if (t.catOffset[n] >= 0) {
        const c = catBase + t.catOffset[n];
        test = `(v = x[o + ${f}], v !== v ? ${t.defaultLeft[n]} : (cb[${c} + (v >>> 5)] >>> (v & 31)) & 1)`;
      } else if (t.defaultLeft[n]) test = `(x[o + ${f}] > ${num(t.threshold[n])} ? 0 : 1)`;
      else test = `(x[o + ${f}] <= ${num(t.threshold[n])} ? 1 : 0)`;
      lines.push(`const d${n} = ${test};`);
    }
    for (const leaf of tables[ti]) {
      const d = leaf.features.length;
      if (d === 0) continue;
      all.set(leaf.table, at);
      // Bit k of the row index: the row follows every split on the path's k-th feature.
      const slots = leaf.conditions.map((conds, k) => {
        const terms = conds.map(([n, left]) => (left ? `d${n}` : `(1 - d${n})`)).join(' & ');
        return k === 0 ? `(${terms})` : `((${terms}) << ${k})`;
      });
      lines.push(`e = ${at} + (${slots.join(' | ')}) * ${d};`);
      lines.push(leaf.features.map((g, k) => `a${g} += T[e + ${k}];`).join(' '));
      for (const g of leaf.features) used.add(g);
      at += leaf.table.length;
    }
    chunk.push(`{\n${lines.join('\n')}\n}`);
    nodes += t.nNodes;
  });
  cb.set(bits);
  flush();
  return fns;
}
