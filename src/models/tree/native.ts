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
  ): number;
  /** Same contract as `PackedTrees.addBlockTs` in predict.ts. */
  predictPacked(
    x: Float64Array,
    numFeatures: number,
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
      loaded = require(p) as NativeKernels;
      break;
    } catch {
      // not built here; try the next location, else fall back to TypeScript
    }
  }
  return loaded;
}
