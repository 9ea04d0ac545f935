import { type NativeKernels, nativeKernels } from './native.js';

const SMALL_BINS = 64;
const PART = SMALL_BINS * 2;
const smallParts = new Float64Array(4 * PART);

/**
 * Histogram accumulation, the hot loop of tree training. For each listed feature f and each row r = rows[i],
 * i in [start, end): hist[(binOffsets[f] + bin(f, r)) * stride + c] += ordered[(i - start) * stride + c] for every
 * channel c < stride. `ordered` holds the node's gradient channels and hessian gathered in row order
 * ("ordered gradients"), so the inner loop reads them sequentially; only the bin lookup is indexed.
 */
export function accumulateHistogramTs(
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
): void {
  for (let j = 0; j < numFeatures; j++) {
    const f = features[j];
    const col = f * numRows;
    const base = binOffsets[f] * stride;
    const numBins = binOffsets[f + 1] - binOffsets[f];
    if (stride === 2 && numBins <= SMALL_BINS) {
      // Few bins: consecutive rows often hit the same bin, and each += waits for the previous one through memory.
      // Four interleaved partial histograms break that chain; they are summed in a fixed order (same as native).
      const part = smallParts;
      part.fill(0, 0, 4 * PART);
      let i = start;
      let o = 0;
      for (; i + 4 <= end; i += 4, o += 8) {
        const h0 = bins[col + rows[i]] * 2;
        const h1 = PART + bins[col + rows[i + 1]] * 2;
        const h2 = 2 * PART + bins[col + rows[i + 2]] * 2;
        const h3 = 3 * PART + bins[col + rows[i + 3]] * 2;
        part[h0] += ordered[o];
        part[h0 + 1] += ordered[o + 1];
        part[h1] += ordered[o + 2];
        part[h1 + 1] += ordered[o + 3];
        part[h2] += ordered[o + 4];
        part[h2 + 1] += ordered[o + 5];
        part[h3] += ordered[o + 6];
        part[h3 + 1] += ordered[o + 7];
      }
      for (; i < end; i++, o += 2) {
        const h = bins[col + rows[i]] * 2;
        part[h] += ordered[o];
        part[h + 1] += ordered[o + 1];
      }
      for (let c = 0; c < numBins * 2; c++) hist[base + c] += part[c] + part[PART + c] + part[2 * PART + c] + part[3 * PART + c];
    } else if (stride === 2) {
      for (let i = start, o = 0; i < end; i++, o += 2) {
        const h = base + bins[col + rows[i]] * 2;
        hist[h] += ordered[o];
        hist[h + 1] += ordered[o + 1];
      }
    } else {
      for (let i = start, o = 0; i < end; i++, o += stride) {
        const h = base + bins[col + rows[i]] * stride;
        for (let c = 0; c < stride; c++) hist[h + c] += ordered[o + c];
      }
    }
  }
}

/** accumulateHistogramTs, run by the native kernel when it is built. */
export function accumulateHistogram(
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
): void {
  const native = histogramKernels();
  if (native !== null && end - start >= NATIVE_MIN_ROWS) {
    native.accumulateHistogram(bins, numRows, rows, start, end, ordered, stride, features, numFeatures, binOffsets, hist);
  } else {
    accumulateHistogramTs(bins, numRows, rows, start, end, ordered, stride, features, numFeatures, binOffsets, hist);
  }
}

/** Below this many rows the N-API call overhead outweighs the faster loop. */
export const NATIVE_MIN_ROWS = 256;
let useNative = true;

/** The native kernels when they are built and switched on (`setNativeHistograms`), else null. */
export function histogramKernels(): NativeKernels | null {
  return useNative ? nativeKernels() : null;
}

/** Turns the native kernel off or on (benchmarks and tests compare both). */
export function setNativeHistograms(enabled: boolean): void {
  useNative = enabled;
}

export function nativeHistogramsAvailable(): boolean {
  return nativeKernels() !== null;
}
