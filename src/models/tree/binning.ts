import type { Column, ColumnKind } from '../../frame/column.js';
import { toFloat64 } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { nativeKernels } from './native.js';

/**
 * Quantile binning, done once per dataset and shared by every tree learner (and every CV fold of the AutoML
 * search, through `FitContext.binned`).
 *
 * Layout: one column-major matrix `bins` of `numRows * numFeatures` codes, feature f at [f*numRows, (f+1)*numRows).
 * Code 0 is the missing bin of every feature; codes 1..numBins-1 are value bins. With maxBins <= 255 value bins the
 * matrix is a Uint8Array (1 byte per value), above that a Uint16Array.
 *
 * Numeric bins (numeric, boolean and datetime-as-epoch columns): bin b >= 1 holds values v with
 * upperBounds[b-2] < v <= upperBounds[b-1]; the last bound is +Infinity. Categorical bins: bin b >= 1 holds the
 * category codes listed in `binCategories[b]` (one category per bin, except an overflow bin that gathers the
 * rarest categories when a column has more than maxBins of them). Text columns are not tree features.
 */
export type BinKind = 'numeric' | 'categorical';

export interface FeatureBinning {
  readonly name: string;
  readonly kind: BinKind;
  readonly sourceKind: ColumnKind;
  /** Number of codes including the missing bin 0. */
  readonly numBins: number;
  /** Numeric: inclusive upper bound of value bins 1..numBins-1 (length numBins-1, last = Infinity). */
  readonly upperBounds?: Float64Array;
  /** Categorical: category codes of each bin (index 0, the missing bin, is empty). */
  readonly binCategories?: readonly (readonly number[])[];
  /** Categorical: bin of each category code of the training dictionary (0 when never seen). */
  readonly categoryBin?: Int32Array;
  /** Categorical: size of the training dictionary. */
  readonly dictionarySize?: number;
}

export interface BinnedData {
  readonly numRows: number;
  readonly numFeatures: number;
  readonly features: readonly FeatureBinning[];
  /** Column-major bin codes (see above). May live on a SharedArrayBuffer. */
  readonly bins: Uint8Array | Uint16Array;
  /** Histogram offset of each feature's first bin; binOffsets[numFeatures] = total bins. */
  readonly binOffsets: Int32Array;
  /**
   * A row-major copy of 8-bit bins (numRows x numFeatures) for the native row-wise kernels, when made ahead
   * (shareRowBins in builder.ts: Autopilot makes it once on a SharedArrayBuffer for every worker and trial).
   */
  readonly rowBins?: Uint8Array;
}

export interface BinOptions {
  /** Value bins per feature (the missing bin comes on top). Default 255, at most 65535. */
  readonly maxBins?: number;
  /** Allocate the matrix on a SharedArrayBuffer so pool workers can read it without copying. */
  readonly shared?: boolean;
  /** Bin boundaries are computed from at most this many rows (evenly spaced). Default 200,000. */
  readonly sampleRows?: number;
}

export const DEFAULT_MAX_BINS = 255;

/** The columns trees can use: everything but text (and the excluded names, e.g. the target). */
export function treeFeatureNames(frame: Frame, exclude: readonly string[] = []): string[] {
  const skip = new Set(exclude);
  return frame.schema.filter((f) => f.kind !== 'text' && !skip.has(f.name)).map((f) => f.name);
}

/** Bins the named columns of `frame` (all non-text columns when `names` is omitted). */
export function binFrame(frame: Frame, names?: readonly string[], opts: BinOptions = {}): BinnedData {
  const maxBins = opts.maxBins ?? DEFAULT_MAX_BINS;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 65535) {
    throw new TabpilotError('INVALID_ARGUMENT', `maxBins must be an integer in [2, 65535], got ${maxBins}`);
  }
  const featureNames = names ?? treeFeatureNames(frame);
  const numRows = frame.numRows;
  const numFeatures = featureNames.length;
  const wide = maxBins > 255;
  const bytes = numRows * numFeatures * (wide ? 2 : 1);
  const buffer = opts.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const bins = wide ? new Uint16Array(buffer) : new Uint8Array(buffer);
  const sampleRows = opts.sampleRows ?? 200_000;
  const features: FeatureBinning[] = [];
  const binOffsets = new Int32Array(numFeatures + 1);
  for (let f = 0; f < numFeatures; f++) {
    const col = frame.column(featureNames[f]);
    if (col.kind === 'text') {
      throw new TabpilotError('TYPE_MISMATCH', 'text columns are not tree features; drop or encode them first', { column: col.name });
    }
    const out = bins.subarray(f * numRows, (f + 1) * numRows);
    const fb = col.kind === 'categorical' ? binCategorical(col, maxBins, out) : binNumeric(col, maxBins, sampleRows, out);
    features.push(fb);
    binOffsets[f + 1] = binOffsets[f] + fb.numBins;
  }
  return { numRows, numFeatures, features, bins, binOffsets };
}

let useNativeSort = true;
/** Turns the native sort of bin samples off or on (tests compare both). */
export function setNativeBinSort(enabled: boolean): void {
  useNativeSort = enabled;
}

function binNumeric(col: Column, maxBins: number, sampleRows: number, out: Uint8Array | Uint16Array): FeatureBinning {
  const values = toFloat64(col);
  const n = values.length;
  const step = n > sampleRows ? n / sampleRows : 1;
  const buffer = new Float64Array(Math.ceil(n / step) + 1);
  let k = 0;
  for (let p = 0; p < n; p += step) {
    const v = values[Math.floor(p)];
    if (v === v) buffer[k++] = v;
  }
  const sorted = buffer.subarray(0, k);
  const native = nativeKernels();
  if (native !== null && useNativeSort) native.sortFloat64(sorted);
  else sorted.sort();
  const upperBounds = numericUpperBounds(sorted, maxBins);
  assignNumericBins(values, upperBounds, out);
  return { name: col.name, kind: 'numeric', sourceKind: col.kind, numBins: upperBounds.length + 1, upperBounds };
}

/**
 * out[i] = 1 + (first j with values[i] <= upperBounds[j]), or 0 for NaN. A bucket table over the finite bound range
 * narrows each binary search to the few bounds inside one bucket (plain binary search over 255 bounds is
 * branch-miss bound and dominated binning time).
 */
export function assignNumericBins(values: Float64Array, upperBounds: Float64Array, out: Uint8Array | Uint16Array): void {
  const nb = upperBounds.length;
  const n = values.length;
  const lastFinite = nb - 2;
  if (lastFinite < 1) {
    for (let i = 0; i < n; i++) out[i] = values[i] !== values[i] ? 0 : values[i] <= upperBounds[0] ? 1 : nb;
    return;
  }
  const lo = upperBounds[0];
  const hi = upperBounds[lastFinite];
  const buckets = 4 * nb;
  const width = (hi - lo) / buckets;
  // first[b] = first bound index j with upperBounds[j] >= lo + b * width (b = 0..buckets).
  const first = new Int32Array(buckets + 2);
  for (let b = 0, j = 0; b <= buckets + 1; b++) {
    const edge = lo + b * width;
    while (j < lastFinite && upperBounds[j] < edge) j++;
    first[b] = j;
  }
  const inv = width > 0 ? 1 / width : 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      out[i] = 0;
      continue;
    }
    if (v <= lo) {
      out[i] = 1;
      continue;
    }
    if (v > hi) {
      out[i] = nb;
      continue;
    }
    let b = Math.floor((v - lo) * inv);
    if (b > buckets) b = buckets;
    let a = b > 0 ? first[b] - 1 : 0;
    if (a < 0) a = 0;
    let z = first[b + 1];
    // Binary search in [a, z]; the loops after it make the answer exact whatever the bucket rounding.
    while (a < z) {
      const mid = (a + z) >>> 1;
      if (v <= upperBounds[mid]) z = mid;
      else a = mid + 1;
    }
    while (a > 0 && v <= upperBounds[a - 1]) a--;
    while (v > upperBounds[a]) a++;
    out[i] = a + 1;
  }
}

/** Bin boundaries from sorted finite values: one bin per distinct value when few, else greedy equal-count bins. */
export function numericUpperBounds(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (distinct.length > 0 && sorted[i] === distinct[distinct.length - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(sorted[i]);
      counts.push(1);
    }
  }
  const bounds: number[] = [];
  const between = (a: number, b: number): number => {
    const mid = a + (b - a) / 2;
    return mid >= b || mid < a ? a : mid;
  };
  if (distinct.length <= maxBins) {
    for (let j = 0; j + 1 < distinct.length; j++) bounds.push(between(distinct[j], distinct[j + 1]));
  } else {
    let remaining = sorted.length;
    let binsLeft = maxBins;
    let acc = 0;
    for (let j = 0; j + 1 < distinct.length && binsLeft > 1; j++) {
      acc += counts[j];
      const target = remaining / binsLeft;
      // Cut when this bin is full, or when the next value alone would overfill it (heavy values get their own bin).
      if (acc >= target || acc + counts[j + 1] > target * 1.5) {
        bounds.push(between(distinct[j], distinct[j + 1]));
        remaining -= acc;
        acc = 0;
        binsLeft--;
      }
    }
  }
  bounds.push(Infinity);
  return Float64Array.from(bounds);
}

function binCategorical(col: Column & { kind: 'categorical' }, maxBins: number, out: Uint8Array | Uint16Array): FeatureBinning {
  const dictionarySize = col.dictionary.length;
  const counts = new Float64Array(dictionarySize);
  const codes = col.codes;
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) counts[codes[i]]++;
  const seen: number[] = [];
  for (let c = 0; c < dictionarySize; c++) if (counts[c] > 0) seen.push(c);
  seen.sort((a, b) => counts[b] - counts[a] || a - b);
  const binCategories: number[][] = [[]];
  const categoryBin = new Int32Array(dictionarySize);
  for (let j = 0; j < seen.length; j++) {
    const b = Math.min(j + 1, maxBins);
    if (b === binCategories.length) binCategories.push([]);
    binCategories[b].push(seen[j]);
    categoryBin[seen[j]] = b;
  }
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    out[i] = c >= 0 && c < dictionarySize ? categoryBin[c] : 0;
  }
  return {
    name: col.name,
    kind: 'categorical',
    sourceKind: 'categorical',
    numBins: binCategories.length,
    binCategories,
    categoryBin,
    dictionarySize,
  };
}

/** Checks that `binned` describes `frame`'s rows and the given features (FitContext.binned from a caller). */
export function assertBinnedMatches(binned: unknown, frame: Frame, names: readonly string[]): BinnedData {
  const b = binned as BinnedData;
  if (!b || typeof b !== 'object' || !(b.bins instanceof Uint8Array || b.bins instanceof Uint16Array) || !Array.isArray(b.features)) {
    throw new TabpilotError('INVALID_ARGUMENT', 'FitContext.binned is not a BinnedData from binFrame()');
  }
  if (b.numRows !== frame.numRows) {
    throw new TabpilotError('INVALID_ARGUMENT', `FitContext.binned has ${b.numRows} rows but the data has ${frame.numRows}`);
  }
  if (b.features.length !== names.length || b.features.some((f, i) => f.name !== names[i])) {
    throw new TabpilotError('INVALID_ARGUMENT', `FitContext.binned features [${b.features.map((f) => f.name).join(', ')}] differ from the data's tree features [${names.join(', ')}]`);
  }
  return b;
}

/** Bytes of the bin matrix per value (1 for <= 255 value bins). */
export function bytesPerBinnedValue(b: BinnedData): number {
  return b.bins.BYTES_PER_ELEMENT;
}
