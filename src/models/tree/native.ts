import { createRequire } from 'node:module';

/**
 * Optional C++ kernels (native/, built by `npm run build:native`). Every kernel has a TypeScript twin in this
 * folder; when the addon is absent (not built, or TABPILOT_NO_NATIVE=1) the twin runs instead.
 */
export interface NativeKernels {
  /** Same contract as `accumulateHistogramTs` in histogram.ts. */
  accumulateHistogram(
    bins: Uint8Array | Uint16Array,
    numRows: number,
    rows: Int32Array,
    start: number,
    end: number,
    ordered: Float64Array,
    stride: number,
    features: Int32Array,
    numFeatures: number,
    binOffsets: Int32Array,
    hist: Float64Array,
  ): void;
  /** The one-channel gather of `TreeBuilder.buildHistogram` (ordered[2j], ordered[2j+1] = grad, hess of rows[start + j]). */
  gatherOrdered(rows: Int32Array, start: number, end: number, grad: Float64Array, hess: Float64Array, ordered: Float64Array): void;
  /**
   * hist (zeroed) += the one-channel histogram of rows[start, end) from a ROW-MAJOR copy of 8-bit bins
   * (`transposeBins`), reading grad/hess by row: the same sums, in the same order, as `gatherOrdered` then
   * `accumulateHistogramTs` with stride 2 (its TypeScript twin). `threads` > 1 splits the features into blocks,
   * one per thread (same result; the TS twin has no threads).
   */
  buildHistogramRows(
    rowBins: Uint8Array,
    numFeatures: number,
    rows: Int32Array,
    start: number,
    end: number,
    grad: Float64Array,
    hess: Float64Array,
    features: Int32Array,
    numListed: number,
    binOffsets: Int32Array,
    hist: Float64Array,
    threads: number,
  ): void;
  /**
   * The fused node kernel of boosting (`TreeBuilder.nodeSplits`): hist := the one-channel histogram of
   * rows[start, end) on the listed features (as `buildHistogramRows`; other regions untouched), then, with a
   * parent, parent -= hist on those features (the larger sibling), then child 0 (hist) and child 1 (parent) are
   * scanned like `SplitFinder.findNumericGradient` (its twin) starting from gain 0. scan = [l1, l2, then per child:
   * scan it (0/1), G, H, min child hessian, parent score]; out[(child * numListed + j) * 5 ..] = gain (-Infinity:
   * none, and for categorical features), bin threshold, default left (0/1), left gradient sum, left hessian sum.
   * Feature blocks go to `threads` pool threads (same result).
   */
  histogramSplits(
    rowBins: Uint8Array,
    numFeatures: number,
    rows: Int32Array,
    start: number,
    end: number,
    grad: Float64Array,
    hess: Float64Array,
    features: Int32Array,
    numListed: number,
    binOffsets: Int32Array,
    hist: Float64Array,
    parent: Float64Array | null,
    categorical: Uint8Array,
    scan: Float64Array,
    out: Float64Array,
    threads: number,
  ): void;
  /** `binaryLogloss.gradients` (gbdt/objectives.ts, its twin) over `rows`, with V8's Math.exp ported to C++. */
  binaryGradients(scores: Float64Array, y: Float64Array, w: Float64Array, rows: Int32Array, grad: Float64Array, hess: Float64Array, threads: number): void;
  /** `multiLogloss.gradients` (its twin) over `rows` for K classes, hessians scaled by `factor`, with V8's Math.exp. */
  multiclassGradients(scores: Float64Array, y: Float64Array, w: Float64Array, rows: Int32Array, grad: Float64Array, hess: Float64Array, n: number, K: number, factor: number, threads: number): void;
  /** out[r * numFeatures + f] = bins[f * numRows + r]: the row-major copy `buildHistogramRows` reads. */
  transposeBins(bins: Uint8Array, numRows: number, numFeatures: number, out: Uint8Array): void;
  /** out[0] += sum of grad[rows[i]], out[1] += sum of hess[rows[i]] over [start, end), in row order (`sumGradientsTs`). */
  sumGradients(rows: Int32Array, start: number, end: number, grad: Float64Array, hess: Float64Array, out: Float64Array): void;
  /**
   * scores[rows[i]] += leafValue[j] for i in [leafStart[j], leafEnd[j]) (the score update of gbdt/booster.ts);
   * `threads` > 1 splits the leaves over pool threads (disjoint rows: the same result).
   */
  addLeafValues(rows: Int32Array, leafStart: Int32Array, leafEnd: Int32Array, leafValue: Float64Array, scores: Float64Array, threads?: number): void;
  /** parent[i] -= child[i] for every element of child (the subtraction trick in `TreeBuilder.grow`). */
  subtractHistogram(parent: Float64Array, child: Float64Array): void;
  /** Sorts NaN-free values ascending in place, -0 before +0: the order of `Float64Array.prototype.sort`. */
  sortFloat64(values: Float64Array): void;
  /** Same contract as `partitionRowsTs` in builder.ts. */
  partitionRows(
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
    /** > 1: chunks partitioned in parallel, concatenated in order (the same result). */
    threads?: number,
  ): number;
  /**
   * Same sums as `PackedTrees.addBlockTs` in predict.ts over the row-major matrix of `columns` (one Float64Array
   * per feature, NaN = missing) for rows [0, numRows): the whole frame in one call, no row-major copy.
   */
  predictColumns(
    columns: readonly Float64Array[],
    numRows: number,
    out: Float64Array,
    dim: number,
    channels: Int32Array,
    scale: number,
    roots: Int32Array,
    feature: Int32Array,
    threshold: Float64Array,
    child: Int32Array,
    missingRight: Uint8Array,
    leafValue: Float64Array,
    outputDim: number,
    categorical: Uint8Array,
    catOffset: Int32Array,
    catLength: Int32Array,
    catWords: Uint32Array,
  ): void;
}

let loaded: NativeKernels | null | undefined;

/**
 * Every kernel of the contract: an addon built from older sources (a stale native/build after an upgrade) lacks
 * some, and is then not used at all (the TypeScript twins run), rather than failing at the first missing call.
 */
const KERNELS: readonly (keyof NativeKernels)[] = [
  'accumulateHistogram', 'gatherOrdered', 'buildHistogramRows', 'transposeBins', 'sumGradients', 'addLeafValues',
  'subtractHistogram', 'sortFloat64', 'partitionRows', 'predictColumns', 'histogramSplits', 'binaryGradients',
  'multiclassGradients',
];

const CANDIDATES = [
  '../../../native/build/Release/tabpilot_native.node', // from src/models/tree
  '../../../../native/build/Release/tabpilot_native.node', // from dist/src/models/tree
];

export function nativeKernels(): NativeKernels | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.TABPILOT_NO_NATIVE === '1') return loaded;
  const require = createRequire(import.meta.url);
  for (const p of CANDIDATES) {
    try {
      const addon = require(p) as Partial<NativeKernels>;
      if (KERNELS.every((k) => typeof addon[k] === 'function')) loaded = addon as NativeKernels;
      break;
    } catch {
      // not built here; try the next location, else fall back to TypeScript
    }
  }
  return loaded;
}
