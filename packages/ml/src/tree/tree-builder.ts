import type { BinnedData } from '../binning/bin-mapper.js';
import type { Split } from './split.js';
import type { Tree } from './tree.js';

/** Accumulates a tree's nodes while it grows, then freezes them into the flat {@link Tree}. */
export class TreeBuilder {
  private readonly feature: number[] = [];
  private readonly threshold: number[] = [];
  private readonly thresholdBin: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly defaultLeft: number[] = [];
  private readonly catOffset: number[] = [];
  private readonly catBits: number[] = [];
  private readonly value: number[] = [];
  private readonly cover: number[] = [];
  private readonly gain: number[] = [];

  constructor(private readonly leafValue: (g: number, h: number) => number) {}

  /** Add a node (a leaf until split) with its gradient sums; returns its index. */
  add(g: number, h: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.thresholdBin.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.defaultLeft.push(0);
    this.catOffset.push(-1);
    this.value.push(this.leafValue(g, h));
    this.cover.push(h);
    this.gain.push(0);
    return this.feature.length - 1;
  }

  /** Turn node `id` into a split towards `left` and `right`. */
  split(id: number, s: Split, left: number, right: number, data: BinnedData): void {
    this.feature[id] = s.feature;
    this.left[id] = left;
    this.right[id] = right;
    this.defaultLeft[id] = s.missingLeft ? 1 : 0;
    this.gain[id] = s.gain;
    if (s.catBits) {
      this.catOffset[id] = this.catBits.length;
      for (let w = 0; w < 8; w++) this.catBits.push(s.catBits[w]);
    } else {
      const fb = data.features[s.feature];
      this.thresholdBin[id] = s.bin;
      this.threshold[id] =
        fb.kind === 'numeric' ? (s.bin < fb.thresholds.length ? fb.thresholds[s.bin] : fb.upper) : s.bin;
    }
  }

  build(): Tree {
    return {
      nNodes: this.feature.length,
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      thresholdBin: Uint8Array.from(this.thresholdBin),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      catOffset: Int32Array.from(this.catOffset),
      catBits: Uint32Array.from(this.catBits),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    };
  }
}
