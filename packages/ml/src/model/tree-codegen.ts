import type { Tree } from '../tree/tree.js';

/** Sum of some trees' leaf values for one encoded row. */
export type TreeSumFunction = (x: ArrayLike<number>, offset: number) => number;

/** Trees whose nodes add up to at most this many per generated function (V8 stops optimising huge functions). */
const NODES_PER_FUNCTION = 1500;

/**
 * Compile shallow trees (gradient boosting's) to JavaScript: nested `if`s with the thresholds as
 * constants, so V8 turns each tree into straight machine code with no node loads at all (the
 * approach treelite takes with C). Missing values: a default-left numeric node tests
 * `!(v > t)`, true for NaN; a default-right one tests `v <= t`, false for NaN. Only numbers from
 * the model enter the generated source, written in their exact shortest form.
 */
export function compileTreeSums(trees: readonly Tree[]): TreeSumFunction[] {
  const fns: TreeSumFunction[] = [];
  let chunk: string[] = [];
  let nodes = 0;
  let bits: number[] = [];
  const flush = () => {
    if (chunk.length === 0) return;
    const body = `let s = 0; let v = 0;\n${chunk.join('\n')}\nreturn s;`;
    const fn = new Function('cb', 'x', 'o', body) as (
      cb: Uint32Array,
      x: ArrayLike<number>,
      o: number,
    ) => number;
    const cb = Uint32Array.from(bits);
    fns.push((x, o) => fn(cb, x, o));
    chunk = [];
    nodes = 0;
    bits = [];
  };
  for (const t of trees) {
    if (nodes + t.nNodes > NODES_PER_FUNCTION) flush();
    const base = bits.length;
    for (const w of t.catBits) bits.push(w);
    chunk.push(treeSource(t, 0, base));
    nodes += t.nNodes;
  }
  flush();
  return fns;
}

const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

function treeSource(t: Tree, node: number, catBase: number): string {
  if (t.feature[node] < 0) return `s += ${num(t.value[node])};`;
  const f = t.feature[node];
  const left = treeSource(t, t.left[node], catBase);
  const right = treeSource(t, t.right[node], catBase);
  let test: string;
  if (t.catOffset[node] >= 0) {
    const c = catBase + t.catOffset[node];
    test = `(v = x[o + ${f}], v !== v ? ${t.defaultLeft[node] ? 'true' : 'false'} : ((cb[${c} + (v >>> 5)] >>> (v & 31)) & 1) === 1)`;
  } else {
    const thr = num(t.threshold[node]);
    test = t.defaultLeft[node] ? `!(x[o + ${f}] > ${thr})` : `x[o + ${f}] <= ${thr}`;
  }
  return `if (${test}) { ${left} } else { ${right} }`;
}
