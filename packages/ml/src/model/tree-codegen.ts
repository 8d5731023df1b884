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
  const groups = sumGroups(trees);
  for (let g = 0; g + 1 < groups.length; g++) {
    const chunk: string[] = [];
    const bits: number[] = [];
    for (let k = groups[g]; k < groups[g + 1]; k++) {
      const t = trees[k];
      const base = bits.length;
      for (const w of t.catBits) bits.push(w);
      chunk.push(treeSource(t, 0, base));
    }
    const body = `let s = 0; let v = 0;\n${chunk.join('\n')}\nreturn s;`;
    const fn = new Function('cb', 'x', 'o', body) as (
      cb: Uint32Array,
      x: ArrayLike<number>,
      o: number,
    ) => number;
    const cb = Uint32Array.from(bits);
    fns.push((x, o) => fn(cb, x, o));
  }
  return fns;
}

/**
 * Where the generated functions' partial sums start: tree indices, first 0, last trees.length.
 * A row's output adds each group's sum (from 0, in tree order) to a total (from 0), and the batch
 * kernel adds in the same groups, so both give bit-identical results.
 */
export function sumGroups(trees: readonly Tree[]): number[] {
  const groups = [0];
  let nodes = 0;
  trees.forEach((t, k) => {
    if (nodes > 0 && nodes + t.nNodes > NODES_PER_FUNCTION) {
      groups.push(k);
      nodes = 0;
    }
    nodes += t.nNodes;
  });
  if (trees.length > 0) groups.push(trees.length);
  return groups;
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
