import { type Column, cellString, isMissing, toFloat64 } from '../../frame/column.js';
import { encodeTarget } from '../preprocess/target.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { takeFloat64 } from '../../util/buffer-pool.js';
import type { FitContext, Task } from '../types.js';
import { assertBinnedMatches, type BinnedData, binFrame, treeFeatureNames } from './binning.js';

/** Training data as every tree learner sees it: binned features, target, weights, and the row subset. */
export interface TreeTrainingData {
  readonly binned: BinnedData;
  readonly featureNames: string[];
  /** Training rows (indices into the binned data), ascending. */
  readonly rows: Int32Array;
  /** Per binned-data row: regression value or class index (only meaningful at `rows`). */
  readonly y: Float64Array;
  /** Per binned-data row weight (sample weight x class weight; only meaningful at `rows`). */
  readonly weight: Float64Array;
  readonly classes?: string[];
}

/** Builds the training view from a frame and FitContext, binning unless ctx.binned is given. */
export function prepareTrainingData(data: Frame, target: Column, ctx: FitContext, maxBins: number): TreeTrainingData {
  if (target.length !== data.numRows) {
    throw new TabpilotError('INVALID_ARGUMENT', `target has ${target.length} rows, data has ${data.numRows}`, { column: target.name });
  }
  const featureNames = treeFeatureNames(data, [target.name]);
  if (featureNames.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'no usable feature columns (trees ignore text columns)');
  const binned = ctx.binned !== undefined ? assertBinnedMatches(ctx.binned, data, featureNames) : binFrame(data, featureNames, { maxBins });
  const n = data.numRows;
  let rows: Int32Array;
  if (ctx.rows !== undefined) {
    rows = Int32Array.from(ctx.rows);
    for (let i = 0; i < rows.length; i++) {
      if (!(rows[i] >= 0 && rows[i] < n)) throw new TabpilotError('INVALID_ARGUMENT', `FitContext.rows has index ${rows[i]} outside [0, ${n})`);
    }
  } else {
    rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
  }
  if (rows.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'no training rows');
  const { y, classes } = encodeTargetAt(target, ctx.task, rows, ctx.classes);
  const weight = takeFloat64(n);
  if (ctx.sampleWeight !== undefined) {
    if (ctx.sampleWeight.length !== rows.length) {
      throw new TabpilotError('INVALID_ARGUMENT', `sampleWeight has ${ctx.sampleWeight.length} entries, expected ${rows.length} (one per training row)`);
    }
    for (let i = 0; i < rows.length; i++) {
      const w = ctx.sampleWeight[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new TabpilotError('INVALID_ARGUMENT', `sampleWeight[${i}] = ${w} is not a finite non-negative number`);
      weight[rows[i]] = w;
    }
  } else {
    for (let i = 0; i < rows.length; i++) weight[rows[i]] = 1;
  }
  if (classes !== undefined && ctx.classWeight !== undefined) applyClassWeight(ctx.classWeight, classes, rows, y, weight);
  // Sorted rows keep histogram bin lookups close to sequential (in place: `rows` is this function's own copy).
  return { binned, featureNames, rows: rows.sort(), y, weight, classes };
}

/** Target values per data row (regression values, or class indices into `classes`), set at `rows` only. */
export function encodeTargetAt(target: Column, task: Task, rows: Int32Array, given?: readonly string[]): { y: Float64Array; classes?: string[] } {
  const encoded = encodeTarget(target, task, given, rows);
  const y = takeFloat64(target.length);
  for (let i = 0; i < rows.length; i++) y[rows[i]] = encoded.y[i];
  return { y, classes: encoded.classes ? [...encoded.classes] : undefined };
}

function applyClassWeight(
  classWeight: 'balanced' | Readonly<Record<string, number>>,
  classes: readonly string[],
  rows: Int32Array,
  y: Float64Array,
  weight: Float64Array,
): void {
  const k = classes.length;
  const factor = new Float64Array(k).fill(1);
  if (classWeight === 'balanced') {
    const count = new Float64Array(k);
    for (let i = 0; i < rows.length; i++) count[y[rows[i]]]++;
    for (let c = 0; c < k; c++) factor[c] = count[c] > 0 ? rows.length / (k * count[c]) : 0;
  } else {
    for (const [label, w] of Object.entries(classWeight)) {
      const c = classes.indexOf(label);
      if (c < 0) throw new TabpilotError('INVALID_ARGUMENT', `classWeight names unknown class "${label}"`);
      if (!(w >= 0)) throw new TabpilotError('INVALID_ARGUMENT', `classWeight for "${label}" must be >= 0`);
      factor[c] = w;
    }
  }
  for (let i = 0; i < rows.length; i++) weight[rows[i]] *= factor[y[rows[i]]];
}

/**
 * Per feature, a numeric view of the input column for prediction: numbers as-is (zero-copy), datetimes in epoch
 * ms, booleans 0/1, categorical codes in the training dictionary (remapped by label when the input's dictionary
 * differs; an unseen label is missing), missing = NaN. A missing column is SCHEMA_MISMATCH.
 */
export function featureViews(frame: Frame, names: readonly string[], dictionaries: readonly (readonly string[] | null)[]): Float64Array[] {
  return names.map((name, f) => {
    if (!frame.has(name)) {
      throw new TabpilotError('SCHEMA_MISMATCH', `input has no feature column "${name}" (the model needs: ${names.join(', ')})`, { column: name });
    }
    const col = frame.column(name);
    const dictionary = dictionaries[f];
    if (dictionary) return categoryCodes(col, dictionary);
    if (col.kind === 'categorical') {
      throw new TabpilotError('TYPE_MISMATCH', 'column is categorical but the model was trained on it as a number', { column: col.name });
    }
    return toFloat64(col);
  });
}

/** Row-major block x[(i - start) * F + f] of the views for rows [start, end). Returns whether any value is NaN. */
export function fillRowBlock(views: readonly Float64Array[], start: number, end: number, x: Float64Array): boolean {
  const F = views.length;
  let nan = false;
  for (let f = 0; f < F; f++) {
    const v = views[f];
    for (let i = start, o = f; i < end; i++, o += F) {
      const value = v[i];
      if (value !== value) nan = true;
      x[o] = value;
    }
  }
  return nan;
}

/** Row-major matrix of the named features for the given rows (all rows when omitted). */
export function featureMatrix(frame: Frame, names: readonly string[], dictionaries: readonly (readonly string[] | null)[], rows?: Int32Array): Float64Array {
  const views = featureViews(frame, names, dictionaries);
  const F = names.length;
  if (!rows) {
    const x = new Float64Array(frame.numRows * F);
    fillRowBlock(views, 0, frame.numRows, x);
    return x;
  }
  const x = new Float64Array(rows.length * F);
  for (let f = 0; f < F; f++) {
    const v = views[f];
    for (let i = 0; i < rows.length; i++) x[i * F + f] = v[rows[i]];
  }
  return x;
}

/** Codes of `col` in the training dictionary (NaN for missing or unseen labels). */
function categoryCodes(col: Column, dictionary: readonly string[]): Float64Array {
  const out = new Float64Array(col.length);
  if (col.kind === 'categorical') {
    const same = col.dictionary === dictionary || (col.dictionary.length <= dictionary.length && col.dictionary.every((d, i) => d === dictionary[i]));
    const remap = same ? null : col.dictionary.map((d) => dictionary.indexOf(d));
    const lookup = remap ?? [];
    for (let i = 0; i < col.length; i++) {
      const c = col.codes[i];
      const m = c < 0 ? -1 : remap ? lookup[c] : c;
      out[i] = m < 0 ? NaN : m;
    }
    return out;
  }
  const index = new Map(dictionary.map((d, i) => [d, i]));
  for (let i = 0; i < col.length; i++) {
    const m = isMissing(col, i) ? undefined : index.get(cellString(col, i));
    out[i] = m === undefined ? NaN : m;
  }
  return out;
}
