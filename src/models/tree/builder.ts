import type { Random } from '../../util/random.js';
import type { BinnedData } from './binning.js';
import { NATIVE_MIN_ROWS, accumulateHistogram, histogramKernels } from './histogram.js';
import { type NativeKernels, nativeKernels } from './native.js';
import { SCANNED_STRIDE, SCAN_INPUTS, scanInputs } from './scan.js';
import { type NodeRows, type SplitInfo, type SplitParams, SplitFinder } from './split.js';
import type { FlatTree } from './tree.js';

export interface TreeParams extends SplitParams {
  /** Maximum number of leaves. */
  readonly numLeaves: number;
  /** Maximum depth (root = depth 0); <= 0 means unlimited. */
  readonly maxDepth: number;
  /** Share of the tree's features considered at each node (random forests' maxFeatures). */
  readonly featureFractionByNode: number;
  /**
   * 'bestFirst' (leaf-wise, LightGBM): always split the leaf with the largest gain, so numLeaves caps a tree.
   * 'depthFirst': for unbounded forest trees; keeps only the histograms along the current path alive.
   */
  readonly growth: 'bestFirst' | 'depthFirst';
  /**
   * Threads for native histogram construction (default 1). Each thread owns whole features, so trees do not depend
   * on it; the TypeScript kernels ignore it.
   */
  readonly numThreads?: number;
}

export interface GrownTree {
  readonly tree: FlatTree;
  /** Leaf node of each range of `rows`: rows[leafStart[j] .. leafEnd[j]) reached leaf node leafNode[j]. */
  readonly leafNode: Int32Array;
  readonly leafStart: Int32Array;
  readonly leafEnd: Int32Array;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  stats: Float64Array;
  hist: Float64Array | null;
  split: SplitInfo | null;
  /** Extra trees: 1 per feature found constant in this leaf's rows (so in every descendant too); null otherwise. */
  constant: Uint8Array | null;
}

/**
 * Row-major copies of 8-bit bins for the native row-wise histogram kernel, one per binned matrix: Autopilot shares
 * one BinnedData across the candidates and folds of a worker, so the copy is made once, not once per fit.
 */
const ROW_BINS = new WeakMap<BinnedData, Uint8Array>();

/**
 * The binned matrix with its row-major copy made now on a SharedArrayBuffer (8-bit bins, native kernels on), so pool
 * workers read one copy instead of each making its own per trial; otherwise the matrix as it is.
 */
export function shareRowBins(binned: BinnedData): BinnedData {
  const kernels = histogramKernels();
  const { bins, numRows, numFeatures } = binned;
  if (kernels === null || !(bins instanceof Uint8Array) || numRows < NATIVE_MIN_ROWS || numFeatures === 0 || binned.rowBins !== undefined) return binned;
  const rowBins = new Uint8Array(new SharedArrayBuffer(numRows * numFeatures));
  kernels.transposeBins(bins, numRows, numFeatures, rowBins);
  return { ...binned, rowBins };
}

/**
 * Grows one tree on binned data with histogram split finding. Reusable across trees of one model: it owns the
 * histogram pool and scratch buffers sized for the dataset.
 */
export class TreeBuilder {
  private readonly finder: SplitFinder;
  private readonly stride: number;
  private readonly histSize: number;
  private readonly pool: Float64Array[] = [];
  private readonly constantPool: Uint8Array[] = [];
  /** Gathered (grad, hess) of a node's rows for the TypeScript histogram; made on first use (boosting's native row-wise path never needs it). */
  private ordered: Float64Array | null = null;
  private readonly scratch: Int32Array;
  private readonly nodeFeatures: Int32Array;
  private readonly rowWise: boolean;
  /** Boosting with the native kernel: histogram, subtraction and numeric scan of a node in one call (`fusedSplits`). */
  private readonly fused: boolean;
  private readonly isCategorical: Uint8Array;
  /** fusedSplits' inputs (l1, l2, then SCAN_INPUTS per child) and outputs (2 children x features, scan.ts). */
  private readonly scan = new Float64Array(2 + 2 * SCAN_INPUTS);
  private readonly scanned: Float64Array;

  constructor(
    private readonly binned: BinnedData,
    private readonly params: TreeParams,
  ) {
    this.finder = new SplitFinder(binned, params);
    this.stride = params.channels + 1;
    this.histSize = binned.binOffsets[binned.numFeatures] * this.stride;
    this.scratch = new Int32Array(binned.numRows);
    this.nodeFeatures = new Int32Array(binned.numFeatures);
    // One gradient channel on 8-bit bins (boosting): one pass over a node's rows for all features (XGBoost's
    // layout) instead of one pass per feature. Costs one more byte per binned value.
    this.rowWise = params.channels === 1 && !params.extraTrees && binned.bins instanceof Uint8Array;
    this.fused = this.rowWise && params.criterion === 'gradient' && params.featureFractionByNode >= 1;
    this.isCategorical = Uint8Array.from(binned.features, (fb) => (fb.kind === 'categorical' ? 1 : 0));
    this.scanned = new Float64Array(this.fused ? 2 * binned.numFeatures * SCANNED_STRIDE : 0);
  }

  /**
   * Grows a tree on rows[0..count) (reordered in place so each leaf's rows are contiguous). grad holds
   * `channels` values per data row (row-major), hess one value per data row. `features` lists the columns this
   * tree may use.
   */
  grow(rows: Int32Array, count: number, grad: Float64Array, hess: Float64Array, features: Int32Array, rng: Random): GrownTree {
    const K = this.params.channels;
    const S = this.stride;
    const nodes = new NodeList(K);
    const rootStats = new Float64Array(S);
    const native = K === 1 && count >= NATIVE_MIN_ROWS ? histogramKernels() : null;
    if (native !== null) native.sumGradients(rows, 0, count, grad, hess, rootStats);
    else {
      for (let i = 0; i < count; i++) {
        const r = rows[i];
        for (let k = 0; k < K; k++) rootStats[k] += grad[r * K + k];
        rootStats[K] += hess[r];
      }
    }
    // Extra trees score one random cut per candidate straight from the rows: no node histograms.
    const fromRows: NodeRows | null = this.params.extraTrees ? { rows, start: 0, end: count, grad, hess, constant: null } : null;
    const rootConstant = fromRows !== null ? this.constantFlags() : null;
    rootConstant?.fill(0);
    const root: Leaf = { node: nodes.add(this.finder, rootStats, -1), start: 0, end: count, depth: 0, stats: rootStats, hist: null, split: null, constant: rootConstant };
    const fused = this.fused ? histogramKernels() : null;
    if (fused !== null) this.fusedSplits(fused, rows, grad, hess, features, rng, root, true, null, null, false);
    else {
      if (fromRows === null) root.hist = this.buildHistogram(rows, 0, count, grad, hess, features);
      root.split = this.findSplit(root, features, rng, fromRows);
    }
    const open: Leaf[] = [];
    const done: Leaf[] = [];
    this.settle(root, open, done);
    let numLeaves = 1;
    while (open.length > 0 && numLeaves < this.params.numLeaves) {
      const leaf = this.takeNext(open);
      const split = leaf.split!;
      const mid = this.partition(rows, leaf.start, leaf.end, split);
      const leftStats = split.leftStats;
      const rightStats = new Float64Array(S);
      for (let c = 0; c < S; c++) rightStats[c] = leaf.stats[c] - leftStats[c];
      nodes.setSplit(leaf.node, split, this.binned);
      // A feature constant in the parent's rows is constant in both children's (the right child takes the parent's flags).
      const constant = leaf.constant;
      leaf.constant = null;
      const leftConstant = constant !== null ? this.constantFlags() : null;
      leftConstant?.set(constant!);
      const left: Leaf = { node: nodes.add(this.finder, leftStats, leaf.node), start: leaf.start, end: mid, depth: leaf.depth + 1, stats: leftStats, hist: null, split: null, constant: leftConstant };
      const right: Leaf = { node: nodes.add(this.finder, rightStats, leaf.node), start: mid, end: leaf.end, depth: leaf.depth + 1, stats: rightStats, hist: null, split: null, constant };
      nodes.left[leaf.node] = left.node;
      nodes.right[leaf.node] = right.node;
      numLeaves++;
      const canSplit = (l: Leaf): boolean =>
        (this.params.maxDepth <= 0 || l.depth < this.params.maxDepth) && l.end - l.start >= 2 * this.params.minDataInLeaf && numLeaves < this.params.numLeaves;
      const wantLeft = canSplit(left);
      const wantRight = canSplit(right);
      if (fromRows !== null && (wantLeft || wantRight)) {
        if (wantLeft) left.split = this.findSplit(left, features, rng, fromRows);
        if (wantRight) right.split = this.findSplit(right, features, rng, fromRows);
      } else if (wantLeft || wantRight) {
        // Subtraction trick: build the smaller child's histogram, derive the larger one from the parent's.
        const leftSmaller = mid - leaf.start <= leaf.end - mid;
        const small = leftSmaller ? left : right;
        const large = leftSmaller ? right : left;
        const parent = leaf.hist!;
        leaf.hist = null;
        if (fused !== null) {
          this.fusedSplits(fused, rows, grad, hess, features, rng, small, leftSmaller ? wantLeft : wantRight, large, parent, leftSmaller ? wantRight : wantLeft);
        } else {
          small.hist = this.buildHistogram(rows, small.start, small.end, grad, hess, features);
          const sh = small.hist;
          const native = histogramKernels();
          if (native !== null) native.subtractHistogram(parent, sh);
          else for (let i = 0; i < this.histSize; i++) parent[i] -= sh[i];
          large.hist = parent;
          if (wantLeft) left.split = this.findSplit(left, features, rng, null);
          if (wantRight) right.split = this.findSplit(right, features, rng, null);
        }
      } else {
        this.release(leaf);
      }
      this.settle(left, open, done);
      this.settle(right, open, done);
    }
    for (const l of open) {
      this.release(l);
      done.push(l);
    }
    done.sort((a, b) => a.start - b.start);
    return {
      tree: nodes.finish(),
      leafNode: Int32Array.from(done, (l) => l.node),
      leafStart: Int32Array.from(done, (l) => l.start),
      leafEnd: Int32Array.from(done, (l) => l.end),
    };
  }

  /**
   * The native twin of buildHistogram + subtraction + findSplit for boosting, in one call: `small` gets its
   * histogram, `large` (with the parent's histogram) gets the parent's minus it, and the numeric candidates of the
   * leaves that want a split are scanned natively (feature blocks on the pool threads); the searches are then
   * finished here (categorical features, the choice across features), the left child first.
   */
  private fusedSplits(
    kernels: NativeKernels,
    rows: Int32Array,
    grad: Float64Array,
    hess: Float64Array,
    features: Int32Array,
    rng: Random,
    small: Leaf,
    wantSmall: boolean,
    large: Leaf | null,
    parent: Float64Array | null,
    wantLarge: boolean,
  ): void {
    const scan = this.scan;
    scan[0] = this.params.lambdaL1;
    scan[1] = this.params.lambdaL2;
    scan[2] = 0;
    scan[2 + SCAN_INPUTS] = 0;
    const { minSumHessian, minDataInLeaf } = this.params;
    for (const [leaf, want, off] of [[small, wantSmall, 2], [large, wantLarge, 2 + SCAN_INPUTS]] as const) {
      if (leaf !== null && want) scanInputs(leaf.stats, leaf.end - leaf.start, this.finder.score(leaf.stats, 0), minSumHessian, minDataInLeaf, scan, off);
    }
    small.hist = this.pool.pop() ?? new Float64Array(this.histSize);
    const { numFeatures, binOffsets } = this.binned;
    const m = features.length;
    kernels.histogramSplits(this.rowBins(kernels), numFeatures, rows, small.start, small.end, grad, hess, features, m, binOffsets, small.hist, parent, this.isCategorical, scan, this.scanned, this.params.numThreads ?? 1);
    if (large !== null) large.hist = parent;
    const order: [Leaf, boolean, number][] = [[small, wantSmall, 0]];
    if (large !== null) order.push([large, wantLarge, m * SCANNED_STRIDE]);
    if (large !== null && large.start < small.start) order.reverse();
    for (const [leaf, want, off] of order) {
      if (want) leaf.split = this.finder.findScanned(leaf.hist!, leaf.stats, leaf.end - leaf.start, features, m, rng, this.scanned, off);
    }
  }

  /** The row-major copy of the 8-bit bins (made ahead, or on first use and shared by every builder on the same matrix). */
  private rowBins(kernels: NativeKernels): Uint8Array {
    const { bins, numRows, numFeatures } = this.binned;
    if (this.binned.rowBins !== undefined) return this.binned.rowBins;
    let rowBins = ROW_BINS.get(this.binned);
    if (rowBins === undefined) {
      rowBins = new Uint8Array(numRows * numFeatures);
      kernels.transposeBins(bins as Uint8Array, numRows, numFeatures, rowBins);
      ROW_BINS.set(this.binned, rowBins);
    }
    return rowBins;
  }

  private settle(leaf: Leaf, open: Leaf[], done: Leaf[]): void {
    if (leaf.split !== null) open.push(leaf);
    else {
      this.release(leaf);
      done.push(leaf);
    }
  }

  private takeNext(open: Leaf[]): Leaf {
    if (this.params.growth === 'depthFirst') return open.pop()!;
    let bi = 0;
    for (let i = 1; i < open.length; i++) if (open[i].split!.gain > open[bi].split!.gain) bi = i;
    const leaf = open[bi];
    open[bi] = open[open.length - 1];
    open.pop();
    return leaf;
  }

  private release(leaf: Leaf): void {
    if (leaf.hist !== null) {
      this.pool.push(leaf.hist);
      leaf.hist = null;
    }
    if (leaf.constant !== null) {
      this.constantPool.push(leaf.constant);
      leaf.constant = null;
    }
  }

  /** A per-feature flag array for extra trees' constant features, reused across leaves and trees (contents stale). */
  private constantFlags(): Uint8Array {
    return this.constantPool.pop() ?? new Uint8Array(this.binned.numFeatures);
  }

  /** fromRows (extra trees): the tree's rows and gradients, pointed at the leaf's range here. */
  private findSplit(leaf: Leaf, features: Int32Array, rng: Random, fromRows: NodeRows | null): SplitInfo | null {
    let list = features;
    let m = features.length;
    const frac = this.params.featureFractionByNode;
    if (frac < 1) {
      // Partial Fisher-Yates: the first m entries become a uniform random subset.
      list = this.nodeFeatures;
      list.set(features);
      m = Math.max(1, Math.round(frac * features.length));
      for (let i = 0; i < m; i++) {
        const j = i + rng.int(features.length - i);
        const t = list[i];
        list[i] = list[j];
        list[j] = t;
      }
    }
    const count = leaf.end - leaf.start;
    if (fromRows !== null) {
      fromRows.start = leaf.start;
      fromRows.end = leaf.end;
      fromRows.constant = leaf.constant;
      return this.finder.findFromRows(fromRows, leaf.stats, count, list, m, rng);
    }
    return this.finder.find(leaf.hist!, leaf.stats, count, list, m, rng);
  }

  private buildHistogram(rows: Int32Array, start: number, end: number, grad: Float64Array, hess: Float64Array, features: Int32Array): Float64Array {
    const hist = this.pool.pop() ?? new Float64Array(this.histSize);
    hist.fill(0);
    const K = this.params.channels;
    const S = this.stride;
    const rowWise = this.rowWise && end - start >= NATIVE_MIN_ROWS ? histogramKernels() : null;
    if (rowWise !== null) {
      const { numFeatures, binOffsets } = this.binned;
      rowWise.buildHistogramRows(this.rowBins(rowWise), numFeatures, rows, start, end, grad, hess, features, features.length, binOffsets, hist, this.params.numThreads ?? 1);
      return hist;
    }
    const ordered = (this.ordered ??= new Float64Array(this.binned.numRows * S));
    const native = end - start >= NATIVE_MIN_ROWS && nativePartitionEnabled ? nativeKernels() : null;
    if (K === 1 && native !== null) native.gatherOrdered(rows, start, end, grad, hess, ordered);
    else if (K === 1) {
      for (let i = start, o = 0; i < end; i++, o += 2) {
        const r = rows[i];
        ordered[o] = grad[r];
        ordered[o + 1] = hess[r];
      }
    } else {
      for (let i = start, o = 0; i < end; i++, o += S) {
        const r = rows[i];
        for (let k = 0; k < K; k++) ordered[o + k] = grad[r * K + k];
        ordered[o + K] = hess[r];
      }
    }
    accumulateHistogram(this.binned.bins, this.binned.numRows, rows, start, end, ordered, S, features, features.length, this.binned.binOffsets, hist);
    return hist;
  }

  /** Stable in-place partition of rows[start, end): rows going left first. Returns the boundary. */
  private partition(rows: Int32Array, start: number, end: number, split: SplitInfo): number {
    let goesLeft: Uint8Array | null = null;
    if (split.leftBins !== null) {
      goesLeft = new Uint8Array(this.binned.features[split.feature].numBins);
      for (const b of split.leftBins) goesLeft[b] = 1;
      goesLeft[0] = split.defaultLeft ? 1 : 0;
    }
    const native = end - start >= NATIVE_MIN_ROWS ? nativeKernels() : null;
    const args = [this.binned.bins, this.binned.numRows, split.feature, rows, start, end, this.scratch, split.binThreshold, split.defaultLeft, goesLeft] as const;
    return native !== null && nativePartitionEnabled ? native.partitionRows(...args, this.params.numThreads ?? 1) : partitionRowsTs(...args);
  }
}

let nativePartitionEnabled = true;
/** Turns the native partition and gather kernels off or on (tests compare both). */
export function setNativePartition(enabled: boolean): void {
  nativePartitionEnabled = enabled;
}

/**
 * Stable partition of rows[start, end) by one split on binned data: rows whose bin goes left first (numeric:
 * bin <= binThreshold, bin 0 = missing follows missingLeft; categorical: goesLeft[bin] = 1). Returns the boundary.
 */
export function partitionRowsTs(
  bins: Uint8Array | Uint16Array,
  numRows: number,
  feature: number,
  rows: Int32Array,
  start: number,
  end: number,
  scratch: Int32Array,
  binThreshold: number,
  missingLeft: boolean,
  goesLeft: Uint8Array | null,
): number {
  const col = feature * numRows;
  let w = start;
  let s = 0;
  if (goesLeft === null) {
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const b = bins[col + r];
      if (b === 0 ? missingLeft : b <= binThreshold) rows[w++] = r;
      else scratch[s++] = r;
    }
  } else {
    for (let i = start; i < end; i++) {
      const r = rows[i];
      if (goesLeft[bins[col + r]] === 1) rows[w++] = r;
      else scratch[s++] = r;
    }
  }
  // A loop rather than rows.set(scratch.subarray(..)): small nodes are the common case, and a view per call is garbage.
  for (let i = 0; i < s; i++) rows[w + i] = scratch[i];
  return w;
}

/** Growable node arrays, frozen into a FlatTree at the end. */
class NodeList {
  feature: number[] = [];
  threshold: number[] = [];
  binThreshold: number[] = [];
  categorical: number[] = [];
  catOffset: number[] = [];
  catLength: number[] = [];
  catWords: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  cover: number[] = [];
  gain: number[] = [];
  private readonly out: Float64Array;

  constructor(private readonly dim: number) {
    this.out = new Float64Array(dim);
  }

  add(finder: SplitFinder, stats: Float64Array, _parent: number): number {
    const id = this.feature.length;
    this.feature.push(-1);
    this.threshold.push(0);
    this.binThreshold.push(0);
    this.categorical.push(0);
    this.catOffset.push(0);
    this.catLength.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    finder.output(stats, 0, this.out, 0);
    for (let k = 0; k < this.dim; k++) this.value.push(this.out[k]);
    this.cover.push(stats[this.dim]);
    this.gain.push(0);
    return id;
  }

  setSplit(node: number, split: SplitInfo, binned: BinnedData): void {
    const fb = binned.features[split.feature];
    this.feature[node] = split.feature;
    this.gain[node] = split.gain;
    this.defaultLeft[node] = split.defaultLeft ? 1 : 0;
    if (split.leftBins === null) {
      this.binThreshold[node] = split.binThreshold;
      this.threshold[node] = split.binThreshold === 0 ? -Number.MAX_VALUE : fb.upperBounds![split.binThreshold - 1];
    } else {
      this.categorical[node] = 1;
      this.binThreshold[node] = -1;
      const words = new Array<number>(Math.max(1, Math.ceil(fb.dictionarySize! / 32))).fill(0);
      for (const b of split.leftBins) {
        for (const code of fb.binCategories![b]) words[code >>> 5] = (words[code >>> 5] | (1 << (code & 31))) >>> 0;
      }
      this.catOffset[node] = this.catWords.length;
      this.catLength[node] = words.length;
      this.catWords.push(...words);
    }
  }

  finish(): FlatTree {
    const n = this.feature.length;
    return {
      numNodes: n,
      outputDim: this.dim,
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      binThreshold: Int32Array.from(this.binThreshold),
      categorical: Uint8Array.from(this.categorical),
      catOffset: Int32Array.from(this.catOffset),
      catLength: Int32Array.from(this.catLength),
      catWords: Uint32Array.from(this.catWords),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    };
  }
}
