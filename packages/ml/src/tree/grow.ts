import type { BinnedData } from '../binning/bin-mapper.js';
import { MISSING_BIN } from '../binning/bin-mapper.js';
import type { Rng } from '../util/rng.js';
import { histogramKernel } from './histogram-kernel.js';
import { fillSide, partitionRows } from './partition.js';
import { HIST_STRIDE, type Split, type SplitConstraints, searchFeature } from './split.js';
import type { Tree } from './tree.js';
import { TreeBuilder } from './tree-builder.js';

export interface GrowParams extends SplitConstraints {
  readonly maxDepth: number;
  /** Minimum loss reduction to split (XGBoost's gamma); 0 for the forest. */
  readonly minSplitGain: number;
  /** Features drawn at random for each node (the forest's max_features); 0 = all allowed. */
  readonly featuresPerNode: number;
  /** Leaf value from a node's sums: forest G/H, boosting -G/(H+lambda)·eta. */
  readonly leafValue: (g: number, h: number) => number;
}

/** A grown tree plus, for each leaf, its row range in `rows` (for fast margin updates). */
export interface GrownTree {
  readonly tree: Tree;
  /** Rows partitioned by leaf: the rows of leaf j are rows[leafStart[j] .. leafEnd[j]). */
  readonly rows: Uint32Array;
  readonly leafNodes: number[];
  readonly leafStart: number[];
  readonly leafEnd: number[];
}

/** Nodes with fewer rows than this scan only the bins they touch (forest nodes deep down). */
const SMALL_NODE = 48;

/** One histogram to build: the rows in [start, end) of the workspace into slot `slot`. */
interface HistogramTask {
  start: number;
  end: number;
  slot: number;
}

/** Buffers reused across the trees of one training run: row order, ordered gradients, histogram slots. */
export class GrowWorkspace {
  readonly rows: Uint32Array;
  readonly og: Float64Array;
  readonly oh: Float64Array;
  readonly scratch: Uint32Array;
  readonly sg: Float64Array;
  readonly sh: Float64Array;
  /** Partition side of each bin for the split being applied. */
  readonly side = new Uint8Array(256);
  readonly histSize: number;
  readonly hists: Float64Array[] = [];
  private readonly free: number[] = [];

  constructor(
    readonly capacity: number,
    readonly nFeatures: number,
  ) {
    this.rows = new Uint32Array(capacity);
    this.og = new Float64Array(capacity);
    this.oh = new Float64Array(capacity);
    this.scratch = new Uint32Array(capacity);
    this.sg = new Float64Array(capacity);
    this.sh = new Float64Array(capacity);
    this.histSize = nFeatures * HIST_STRIDE;
  }

  /** A histogram slot (contents undefined: builders clear what they fill). */
  take(): number {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    this.hists.push(new Float64Array(this.histSize));
    return this.hists.length - 1;
  }

  release(slot: number): void {
    this.free.push(slot);
  }
}

/** Build the histograms of `tasks` (cleared first) over `features`. */
function buildHistograms(
  ws: GrowWorkspace,
  data: BinnedData,
  tasks: readonly HistogramTask[],
  features: Int32Array,
): void {
  const kernel = histogramKernel(data.nFeatures, features);
  for (const t of tasks) {
    const hist = ws.hists[t.slot];
    for (let k = 0; k < features.length; k++)
      hist.fill(0, features[k] * HIST_STRIDE, (features[k] + 1) * HIST_STRIDE);
    kernel(data.bins, ws.rows, ws.og, ws.oh, hist, t.start, t.end);
  }
}

interface Node {
  id: number;
  start: number;
  end: number;
  g: number;
  h: number;
  depth: number;
  slot: number;
}

/**
 * Grow one tree depth-wise on binned data from per-row gradient statistics (`g`, `h`): for
 * boosting the loss derivatives; g = sample weight × label and h = sample weight give the
 * forest's Gini trees. Histograms are built level by level for the smaller child of each split
 * and derived for the larger one by subtraction; with per-node feature sampling only the drawn
 * features are built, node by node. The forest itself grows its trees with the specialised
 * forest/grow-forest-tree.ts, which must give the same trees as this one (its tests compare).
 *
 * @param sample the training rows (each at most once, ascending), or null for all rows.
 * @param allowed features this tree may use (column subsampling), or null for all.
 */
export function growTree(
  data: BinnedData,
  g: Float64Array,
  h: Float64Array,
  sample: Uint32Array | null,
  params: GrowParams,
  rng: Rng | null,
  allowed: Int32Array | null,
  ws: GrowWorkspace,
): GrownTree {
  const nF = data.nFeatures;
  const features = allowed ?? Int32Array.from({ length: nF }, (_, i) => i);
  const sampling = params.featuresPerNode > 0 && params.featuresPerNode < features.length;
  const m = sample ? sample.length : data.nRows;
  const { rows, og, oh } = ws;
  let G = 0;
  let H = 0;
  for (let k = 0; k < m; k++) {
    const i = sample ? sample[k] : k;
    rows[k] = i;
    og[k] = g[i];
    oh[k] = h[i];
    G += og[k];
    H += oh[k];
  }

  const tb = new TreeBuilder(params.leafValue);

  const root: Node = { id: tb.add(G, H), start: 0, end: m, g: G, h: H, depth: 0, slot: -1 };
  const leafNodes: number[] = [];
  const leafStart: number[] = [];
  const leafEnd: number[] = [];
  const finishLeaf = (n: Node): void => {
    leafNodes.push(n.id);
    leafStart.push(n.start);
    leafEnd.push(n.end);
    if (n.slot >= 0) ws.release(n.slot);
    n.slot = -1;
  };
  const best: Split = { gain: 0, feature: -1, bin: 0, missingLeft: false, catBits: null, leftG: 0, leftH: 0 };
  const drawn = new Int32Array(features.length);
  const sampleHist = sampling ? new Float64Array(ws.histSize) : new Float64Array(0);
  const touched = new Uint8Array(256);
  const touchedBits = new Uint32Array(8);
  if (!sampling && params.maxDepth > 0) {
    root.slot = ws.take();
    buildHistograms(ws, data, [{ start: 0, end: m, slot: root.slot }], features);
  }

  let level: Node[] = [root];
  const tasks: HistogramTask[] = [];
  const subtractions: Node[] = [];
  while (level.length > 0) {
    const next: Node[] = [];
    tasks.length = 0;
    subtractions.length = 0;
    for (const node of level) {
      if (node.depth >= params.maxDepth || node.end - node.start < 2 || node.h < 2 * params.minChildWeight) {
        finishLeaf(node);
        continue;
      }
      best.gain = params.minSplitGain > 0 ? params.minSplitGain : 1e-12 * Math.max(1, node.h);
      best.feature = -1;
      let missingWeight = 0;
      if (sampling) {
        // Per-node feature draw: histograms of the drawn features only, from the column layout;
        // a small node scans (and clears) only the bins its rows touch.
        const cand = drawFeatures(features, params.featuresPerNode, rng!, drawn);
        const small = node.end - node.start < SMALL_NODE;
        if (!small) buildColumnHistograms(data, og, oh, rows, node.start, node.end, cand, sampleHist);
        for (let k = 0; k < cand.length; k++) {
          const f = cand[k];
          const nt = small
            ? buildFeatureHistogram(
                data,
                og,
                oh,
                rows,
                node.start,
                node.end,
                f,
                sampleHist,
                touchedBits,
                touched,
              )
            : 0;
          searchFeature(
            sampleHist,
            f,
            data.features[f],
            node.g,
            node.h,
            params,
            best,
            small ? touched : null,
            nt,
          );
          const o = f * HIST_STRIDE;
          const mw = sampleHist[o + MISSING_BIN * 2 + 1];
          if (f === best.feature) missingWeight = mw;
          if (small) {
            for (let j = 0; j < nt; j++) {
              sampleHist[o + 2 * touched[j]] = 0;
              sampleHist[o + 2 * touched[j] + 1] = 0;
            }
          } else sampleHist.fill(0, o, o + HIST_STRIDE);
        }
      } else {
        const hist = ws.hists[node.slot];
        for (let k = 0; k < features.length; k++) {
          const f = features[k];
          searchFeature(hist, f, data.features[f], node.g, node.h, params, best);
        }
        if (best.feature >= 0) missingWeight = hist[best.feature * HIST_STRIDE + MISSING_BIN * 2 + 1];
      }
      if (best.feature < 0) {
        finishLeaf(node);
        continue;
      }
      // A node without missing values in training sends them to its heavier child.
      if (missingWeight === 0) best.missingLeft = best.leftH >= node.h - best.leftH;
      const mid = partition(data, ws, node.start, node.end, best);
      const lg = best.leftG;
      const lh = best.leftH;
      const depth = node.depth + 1;
      const left: Node = { id: tb.add(lg, lh), start: node.start, end: mid, g: lg, h: lh, depth, slot: -1 };
      const right: Node = {
        id: tb.add(node.g - lg, node.h - lh),
        start: mid,
        end: node.end,
        g: node.g - lg,
        h: node.h - lh,
        depth,
        slot: -1,
      };
      tb.split(node.id, best, left.id, right.id, data);
      // Children that will be split again need histograms: build the smaller, subtract for the larger.
      if (!sampling && depth < params.maxDepth) {
        const [small, large] = mid - node.start <= node.end - mid ? [left, right] : [right, left];
        small.slot = ws.take();
        large.slot = node.slot;
        tasks.push({ start: small.start, end: small.end, slot: small.slot });
        subtractions.push(large, small);
      } else if (node.slot >= 0) {
        ws.release(node.slot);
      }
      node.slot = -1;
      next.push(left, right);
    }
    if (tasks.length > 0) {
      buildHistograms(ws, data, tasks, features);
      for (let k = 0; k < subtractions.length; k += 2) {
        const ph = ws.hists[subtractions[k].slot];
        const shist = ws.hists[subtractions[k + 1].slot];
        for (let j = 0; j < features.length; j++) {
          const o = features[j] * HIST_STRIDE;
          for (let q = o; q < o + HIST_STRIDE; q++) ph[q] -= shist[q];
        }
      }
    }
    level = next;
  }
  const tree = tb.build();
  return { tree, rows: rows.subarray(0, m), leafNodes, leafStart, leafEnd };
}

/** Draw k distinct features from `pool` (partial Fisher–Yates into `out`). */
function drawFeatures(pool: Int32Array, k: number, rng: Rng, out: Int32Array): Int32Array {
  out.set(pool);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(out.length - i);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out.subarray(0, k);
}

/**
 * Accumulate (g, h) of rows[start..end) for one feature from the column-major bins, and list the
 * distinct bins seen, ascending, in `touched` (via a 256-bit set, so no sort); returns how many.
 * Small nodes then scan and clear only those bins.
 */
function buildFeatureHistogram(
  data: BinnedData,
  g: Float64Array,
  h: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
  f: number,
  hist: Float64Array,
  bits: Uint32Array,
  touched: Uint8Array,
): number {
  const cols = data.cols;
  const c = f * data.nRows;
  const o = f * HIST_STRIDE;
  for (let k = start; k < end; k++) {
    const b = cols[c + rows[k]];
    const p = o + (b << 1);
    bits[b >>> 5] |= 1 << (b & 31);
    hist[p] += g[k];
    hist[p + 1] += h[k];
  }
  let nt = 0;
  for (let w = 0; w < 8; w++) {
    let word = bits[w];
    bits[w] = 0;
    while (word !== 0) {
      const low = word & -word;
      touched[nt++] = (w << 5) + 31 - Math.clz32(low);
      word ^= low;
    }
  }
  return nt;
}

/**
 * Accumulate (g, h) of rows[start..end) for several features from the column-major bins, four
 * features per pass over the rows (one row index and gradient load serves four updates).
 */
function buildColumnHistograms(
  data: BinnedData,
  g: Float64Array,
  h: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
  features: Int32Array,
  hist: Float64Array,
): void {
  const cols = data.cols;
  const n = data.nRows;
  let j = 0;
  for (; j + 3 < features.length; j += 4) {
    const c0 = features[j] * n;
    const c1 = features[j + 1] * n;
    const c2 = features[j + 2] * n;
    const c3 = features[j + 3] * n;
    const o0 = features[j] * HIST_STRIDE;
    const o1 = features[j + 1] * HIST_STRIDE;
    const o2 = features[j + 2] * HIST_STRIDE;
    const o3 = features[j + 3] * HIST_STRIDE;
    for (let k = start; k < end; k++) {
      const i = rows[k];
      const gi = g[k];
      const hi = h[k];
      let p = o0 + (cols[c0 + i] << 1);
      hist[p] += gi;
      hist[p + 1] += hi;
      p = o1 + (cols[c1 + i] << 1);
      hist[p] += gi;
      hist[p + 1] += hi;
      p = o2 + (cols[c2 + i] << 1);
      hist[p] += gi;
      hist[p + 1] += hi;
      p = o3 + (cols[c3 + i] << 1);
      hist[p] += gi;
      hist[p + 1] += hi;
    }
  }
  for (; j < features.length; j++) {
    const c = features[j] * n;
    const o = features[j] * HIST_STRIDE;
    for (let k = start; k < end; k++) {
      const p = o + (cols[c + rows[k]] << 1);
      hist[p] += g[k];
      hist[p + 1] += h[k];
    }
  }
}

/** Partition the workspace rows [start..end) by a split; returns the first index of the right part. */
function partition(data: BinnedData, ws: GrowWorkspace, start: number, end: number, s: Split): number {
  fillSide(ws.side, s.bin, s.missingLeft, s.catBits);
  const { rows, og, oh, scratch, sg, sh } = ws;
  return partitionRows(data.cols, s.feature * data.nRows, ws.side, rows, og, oh, scratch, sg, sh, start, end);
}
