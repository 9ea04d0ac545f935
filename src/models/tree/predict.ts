import { nativeKernels } from './native.js';
import type { FlatTree } from './tree.js';

let usePackedNative = true;

/** Fewer rows than this take addFewRows (the eight-row interleaved walk needs eight). */
const FEW_ROWS = 8;
/** Turns the native prediction kernel off or on (benchmarks and tests compare both). */
export function setNativePrediction(enabled: boolean): void {
  usePackedNative = enabled;
}

/**
 * Trees repacked for batch prediction: all nodes of all trees in shared arrays, children interleaved
 * (child[2 * node] left, child[2 * node + 1] right) and leaves encoded as negative child indices (~leaf), so
 * the walk per node is one feature load, one compare and one child load.
 */
export class PackedTrees {
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly child: Int32Array;
  /** 1: missing goes right. */
  readonly missingRight: Uint8Array;
  readonly categorical: Uint8Array;
  readonly catOffset: Int32Array;
  readonly catLength: Int32Array;
  readonly catWords: Uint32Array;
  /** outputDim values per leaf. */
  readonly leafValue: Float64Array;
  readonly outputDim: number;
  readonly hasCategorical: boolean;

  constructor(trees: readonly FlatTree[]) {
    let internal = 0;
    let leaves = 0;
    let words = 0;
    const dim = trees.length > 0 ? trees[0].outputDim : 1;
    for (const t of trees) {
      for (let i = 0; i < t.numNodes; i++) (t.feature[i] >= 0 ? internal++ : leaves++);
      words += t.catWords.length;
    }
    this.outputDim = dim;
    this.roots = new Int32Array(trees.length);
    this.feature = new Int32Array(internal);
    this.threshold = new Float64Array(internal);
    this.child = new Int32Array(2 * internal);
    this.missingRight = new Uint8Array(internal);
    this.categorical = new Uint8Array(internal);
    this.catOffset = new Int32Array(internal);
    this.catLength = new Int32Array(internal);
    this.catWords = new Uint32Array(words);
    this.leafValue = new Float64Array(leaves * dim);
    let nodeBase = 0;
    let leafBase = 0;
    let wordBase = 0;
    let anyCategorical = false;
    trees.forEach((t, ti) => {
      // Old node index -> packed index (>= 0 internal, < 0 leaf).
      const map = new Int32Array(t.numNodes);
      let ni = nodeBase;
      let li = leafBase;
      for (let i = 0; i < t.numNodes; i++) map[i] = t.feature[i] >= 0 ? ni++ : ~li++;
      this.catWords.set(t.catWords, wordBase);
      for (let i = 0; i < t.numNodes; i++) {
        const m = map[i];
        if (m < 0) {
          for (let k = 0; k < dim; k++) this.leafValue[~m * dim + k] = t.value[i * dim + k];
          continue;
        }
        this.feature[m] = t.feature[i];
        this.threshold[m] = t.threshold[i];
        this.child[2 * m] = map[t.left[i]];
        this.child[2 * m + 1] = map[t.right[i]];
        this.missingRight[m] = t.defaultLeft[i] === 1 ? 0 : 1;
        if (t.categorical[i] === 1) {
          anyCategorical = true;
          this.categorical[m] = 1;
          this.catOffset[m] = t.catOffset[i] + wordBase;
          this.catLength[m] = t.catLength[i];
        }
      }
      this.roots[ti] = map[0];
      nodeBase = ni;
      leafBase = li;
      wordBase += t.catWords.length;
    });
    this.hasCategorical = anyCategorical;
  }

  /** Leaf (packed leaf index) of tree `t` for the row at x[base ...]. */
  leaf(t: number, x: Float64Array, base: number): number {
    let node = this.roots[t];
    const feature = this.feature;
    const threshold = this.threshold;
    const child = this.child;
    const missingRight = this.missingRight;
    while (node >= 0) {
      const v = x[base + feature[node]];
      let right: number;
      if (this.categorical[node] === 1) right = this.categoryRight(node, v);
      else right = missingRight[node] === 1 ? +!(v <= threshold[node]) : +(v > threshold[node]);
      node = child[2 * node + right];
    }
    return ~node;
  }

  private categoryRight(node: number, v: number): number {
    if (!(v >= 0)) return this.missingRight[node];
    const code = v | 0;
    const word = code >>> 5;
    if (word >= this.catLength[node]) return this.missingRight[node];
    return 1 - ((this.catWords[this.catOffset[node] + word] >>> (code & 31)) & 1);
  }

  /**
   * out[row * dim + channel] += scale * leaf value for rows [0, numRows) of the feature columns (one Float64Array
   * per feature, NaN = missing, categories as codes), trees in order; tree t adds into channel channels[t] when
   * leaves hold one value, else into all dim channels. Runs the native predictColumns kernel and returns true, or
   * returns false (nothing added) when the addon is absent or switched off: the caller then walks row-major
   * blocks with `addBlockTs`, which gives the same sums.
   */
  addColumns(columns: readonly Float64Array[], numRows: number, out: Float64Array, dim: number, channels: Int32Array, scale: number): boolean {
    const native = usePackedNative ? nativeKernels() : null;
    if (native === null) return false;
    native.predictColumns(
      columns, numRows, out, dim, channels, scale, this.roots, this.feature, this.threshold, this.child, this.missingRight, this.leafValue,
      this.outputDim, this.categorical, this.catOffset, this.catLength, this.catWords,
    );
    return true;
  }

  /**
   * out[row * dim + channel] += scale * leaf value for rows [0, numRows) of the row-major block x, trees in order
   * (the TypeScript twin of the native predictColumns kernel: same sums, bit for bit).
   */
  addBlockTs(x: Float64Array, numFeatures: number, numRows: number, out: Float64Array, dim: number, channels: Int32Array, scale: number, hasMissing = true): void {
    if (this.outputDim === 1 && numRows < FEW_ROWS) return this.addFewRows(x, numFeatures, numRows, out, dim, channels, scale);
    const feature = this.feature;
    const threshold = this.threshold;
    const child = this.child;
    const missingRight = this.missingRight;
    const leafValue = this.leafValue;
    const od = this.outputDim;
    for (let t = 0; t < this.roots.length; t++) {
      const root = this.roots[t];
      const channel = od === dim ? 0 : channels[t];
      if (!this.hasCategorical && od === 1 && !hasMissing) {
        // No missing values in this block: one compare per node, no missing-direction lookup. Eight rows walk
        // the tree together so their dependent load chains overlap (the walk is latency-bound, not compute-bound).
        const F = numFeatures;
        let i = 0;
        for (; i + 7 < numRows; i += 8) {
          const b0 = i * F;
          const b1 = b0 + F;
          const b2 = b1 + F;
          const b3 = b2 + F;
          const b4 = b3 + F;
          const b5 = b4 + F;
          const b6 = b5 + F;
          const b7 = b6 + F;
          let n0 = root;
          let n1 = root;
          let n2 = root;
          let n3 = root;
          let n4 = root;
          let n5 = root;
          let n6 = root;
          let n7 = root;
          while ((n0 & n1 & n2 & n3 & n4 & n5 & n6 & n7) >= 0) {
            if (n0 >= 0) n0 = child[2 * n0 + +(x[b0 + feature[n0]] > threshold[n0])];
            if (n1 >= 0) n1 = child[2 * n1 + +(x[b1 + feature[n1]] > threshold[n1])];
            if (n2 >= 0) n2 = child[2 * n2 + +(x[b2 + feature[n2]] > threshold[n2])];
            if (n3 >= 0) n3 = child[2 * n3 + +(x[b3 + feature[n3]] > threshold[n3])];
            if (n4 >= 0) n4 = child[2 * n4 + +(x[b4 + feature[n4]] > threshold[n4])];
            if (n5 >= 0) n5 = child[2 * n5 + +(x[b5 + feature[n5]] > threshold[n5])];
            if (n6 >= 0) n6 = child[2 * n6 + +(x[b6 + feature[n6]] > threshold[n6])];
            if (n7 >= 0) n7 = child[2 * n7 + +(x[b7 + feature[n7]] > threshold[n7])];
          }
          out[(i + 0) * dim + channel] += scale * leafValue[~n0];
          out[(i + 1) * dim + channel] += scale * leafValue[~n1];
          out[(i + 2) * dim + channel] += scale * leafValue[~n2];
          out[(i + 3) * dim + channel] += scale * leafValue[~n3];
          out[(i + 4) * dim + channel] += scale * leafValue[~n4];
          out[(i + 5) * dim + channel] += scale * leafValue[~n5];
          out[(i + 6) * dim + channel] += scale * leafValue[~n6];
          out[(i + 7) * dim + channel] += scale * leafValue[~n7];
        }
        for (let base = i * F; i < numRows; i++, base += F) {
          let node = root;
          while (node >= 0) node = child[2 * node + +(x[base + feature[node]] > threshold[node])];
          out[i * dim + channel] += scale * leafValue[~node];
        }
        continue;
      }
      if (!this.hasCategorical && od === 1) {
        for (let i = 0, base = 0; i < numRows; i++, base += numFeatures) {
          let node = root;
          while (node >= 0) {
            const v = x[base + feature[node]];
            const th = threshold[node];
            node = child[2 * node + (missingRight[node] === 1 ? +!(v <= th) : +(v > th))];
          }
          out[i * dim + channel] += scale * leafValue[~node];
        }
        continue;
      }
      for (let i = 0, base = 0; i < numRows; i++, base += numFeatures) {
        const leaf = this.leafFrom(root, x, base);
        const o = i * dim + channel;
        for (let k = 0; k < od; k++) out[o + k] += scale * leafValue[leaf * od + k];
      }
    }
  }

  /**
   * addBlockTs for a few rows of one-value leaves (served requests): each row walks FEW_ROWS_TREES trees at once, so
   * their dependent load chains overlap as the eight-row walk's do, and adds their leaves in tree order (the same
   * sums, bit for bit). A one-row walk of 300 trees took 16 us one tree at a time (issue 13).
   */
  private addFewRows(x: Float64Array, numFeatures: number, numRows: number, out: Float64Array, dim: number, channels: Int32Array, scale: number): void {
    const roots = this.roots;
    const leafValue = this.leafValue;
    const T = roots.length;
    // With one-value leaves, dim 1 means every tree adds into channel 0 (as addBlockTs reads it).
    const all = dim === 1;
    for (let i = 0, base = 0; i < numRows; i++, base += numFeatures) {
      const o = i * dim;
      let t = 0;
      for (; t + 3 < T; t += 4) {
        let n0 = roots[t];
        let n1 = roots[t + 1];
        let n2 = roots[t + 2];
        let n3 = roots[t + 3];
        while ((n0 & n1 & n2 & n3) >= 0) {
          if (n0 >= 0) n0 = this.next(n0, x, base);
          if (n1 >= 0) n1 = this.next(n1, x, base);
          if (n2 >= 0) n2 = this.next(n2, x, base);
          if (n3 >= 0) n3 = this.next(n3, x, base);
        }
        out[o + (all ? 0 : channels[t])] += scale * leafValue[~n0];
        out[o + (all ? 0 : channels[t + 1])] += scale * leafValue[~n1];
        out[o + (all ? 0 : channels[t + 2])] += scale * leafValue[~n2];
        out[o + (all ? 0 : channels[t + 3])] += scale * leafValue[~n3];
      }
      for (; t < T; t++) out[o + (all ? 0 : channels[t])] += scale * leafValue[this.leafFrom(roots[t], x, base)];
    }
  }

  /** The child the walk takes from internal node `node` for the row at x[base...]. */
  private next(node: number, x: Float64Array, base: number): number {
    const v = x[base + this.feature[node]];
    const right = this.categorical[node] === 1 ? this.categoryRight(node, v) : this.missingRight[node] === 1 ? +!(v <= this.threshold[node]) : +(v > this.threshold[node]);
    return this.child[2 * node + right];
  }

  private leafFrom(root: number, x: Float64Array, base: number): number {
    let node = root;
    while (node >= 0) node = this.next(node, x, base);
    return ~node;
  }
}
