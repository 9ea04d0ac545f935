import { TabpilotError } from '../../util/errors.js';
import type { BinnedData } from './binning.js';

/**
 * A tree flattened into parallel typed arrays, node 0 the root. Per node:
 *   feature       index into the model's feature list, -1 for a leaf
 *   threshold     numeric split: x <= threshold goes left (raw feature units; datetimes in epoch ms)
 *   binThreshold  the same split in bin codes (bin <= binThreshold goes left); used on binned training data
 *   categorical   1 when the split is on category membership: code in the node's left-set goes left
 *   catOffset/catLength  the left-set as a bitset over training category codes, words catWords[catOffset ...]
 *   defaultLeft   where a missing (or unseen) value goes: 1 = left
 *   left/right    child node indices (-1 for leaves)
 *   value         outputDim numbers per node: the leaf output (for internal nodes, what the node would output)
 *   cover         hessian sum (boosting) or weighted sample count (forests) of the training rows reaching the node;
 *                 exact TreeSHAP needs it
 *   gain          loss reduction of the split (0 for leaves)
 */
export interface FlatTree {
  readonly numNodes: number;
  readonly outputDim: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly binThreshold: Int32Array;
  readonly categorical: Uint8Array;
  readonly catOffset: Int32Array;
  readonly catLength: Int32Array;
  readonly catWords: Uint32Array;
  readonly defaultLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;
  readonly gain: Float64Array;
}

export interface TreeJSON {
  feature: number[];
  threshold: (number | null)[];
  binThreshold: number[];
  categorical: number[];
  catOffset: number[];
  catLength: number[];
  catWords: number[];
  defaultLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
  gain: number[];
  outputDim: number;
}

export function treeToJSON(t: FlatTree): TreeJSON {
  return {
    outputDim: t.outputDim,
    feature: Array.from(t.feature),
    // JSON has no Infinity; a null threshold means +Infinity.
    threshold: Array.from(t.threshold, (v) => (Number.isFinite(v) ? v : null)),
    binThreshold: Array.from(t.binThreshold),
    categorical: Array.from(t.categorical),
    catOffset: Array.from(t.catOffset),
    catLength: Array.from(t.catLength),
    catWords: Array.from(t.catWords),
    defaultLeft: Array.from(t.defaultLeft),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    cover: Array.from(t.cover),
    gain: Array.from(t.gain),
  };
}

export function treeFromJSON(j: TreeJSON, numFeatures: number): FlatTree {
  const arr = (name: keyof TreeJSON): unknown[] => {
    const v = j[name];
    if (!Array.isArray(v)) throw new TabpilotError('MODEL_FORMAT', `tree field "${name}" must be an array`);
    return v;
  };
  const feature = Int32Array.from(arr('feature') as number[]);
  const n = feature.length;
  const outputDim = j.outputDim;
  if (!Number.isInteger(outputDim) || outputDim < 1) throw new TabpilotError('MODEL_FORMAT', 'tree outputDim must be a positive integer');
  const t: FlatTree = {
    numNodes: n,
    outputDim,
    feature,
    threshold: Float64Array.from(arr('threshold') as (number | null)[], (v) => (v === null ? Infinity : v)),
    binThreshold: Int32Array.from(arr('binThreshold') as number[]),
    categorical: Uint8Array.from(arr('categorical') as number[]),
    catOffset: Int32Array.from(arr('catOffset') as number[]),
    catLength: Int32Array.from(arr('catLength') as number[]),
    catWords: Uint32Array.from(arr('catWords') as number[]),
    defaultLeft: Uint8Array.from(arr('defaultLeft') as number[]),
    left: Int32Array.from(arr('left') as number[]),
    right: Int32Array.from(arr('right') as number[]),
    value: Float64Array.from(arr('value') as number[]),
    cover: Float64Array.from(arr('cover') as number[]),
    gain: Float64Array.from(arr('gain') as number[]),
  };
  for (const key of ['threshold', 'binThreshold', 'categorical', 'catOffset', 'catLength', 'defaultLeft', 'left', 'right', 'cover', 'gain'] as const) {
    if (t[key].length !== n) throw new TabpilotError('MODEL_FORMAT', `tree field "${key}" has ${t[key].length} entries, expected ${n}`);
  }
  if (t.value.length !== n * outputDim) throw new TabpilotError('MODEL_FORMAT', `tree field "value" has ${t.value.length} entries, expected ${n * outputDim}`);
  for (let i = 0; i < n; i++) {
    if (feature[i] >= numFeatures) throw new TabpilotError('MODEL_FORMAT', `tree node ${i} splits on feature ${feature[i]}, model has ${numFeatures}`);
    if (feature[i] >= 0 && !(t.left[i] > i && t.left[i] < n && t.right[i] > i && t.right[i] < n)) {
      throw new TabpilotError('MODEL_FORMAT', `tree node ${i} has invalid children`);
    }
    if (t.categorical[i] && t.catOffset[i] + t.catLength[i] > t.catWords.length) {
      throw new TabpilotError('MODEL_FORMAT', `tree node ${i} category set is out of range`);
    }
  }
  return t;
}

/** Leaf index reached by row `row` of the row-major matrix x (numFeatures columns); NaN = missing. */
export function leafOfRow(t: FlatTree, x: Float64Array, base: number): number {
  const feature = t.feature;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    const v = x[base + f];
    let goLeft: boolean;
    if (t.categorical[node] === 0) {
      goLeft = v <= t.threshold[node] || (v !== v && t.defaultLeft[node] === 1);
    } else {
      goLeft = categoryGoesLeft(t, node, v);
    }
    node = goLeft ? t.left[node] : t.right[node];
    f = feature[node];
  }
  return node;
}

function categoryGoesLeft(t: FlatTree, node: number, v: number): boolean {
  if (!(v >= 0)) return t.defaultLeft[node] === 1;
  const code = v | 0;
  const word = code >>> 5;
  if (word >= t.catLength[node]) return t.defaultLeft[node] === 1;
  return ((t.catWords[t.catOffset[node] + word] >>> (code & 31)) & 1) === 1;
}

/**
 * Adds scale * (leaf value, channel `channel`) of `t` for every row of the row-major matrix x into
 * out[row * outStride + outOffset]. Rows are walked in blocks so the tree's arrays stay in cache.
 */
export function addTreePrediction(
  t: FlatTree,
  x: Float64Array,
  numFeatures: number,
  numRows: number,
  out: Float64Array,
  outStride: number,
  outOffset: number,
  scale = 1,
): void {
  const feature = t.feature;
  const threshold = t.threshold;
  const left = t.left;
  const right = t.right;
  const categorical = t.categorical;
  const defaultLeft = t.defaultLeft;
  const value = t.value;
  const dim = t.outputDim;
  if (dim === 1 && !hasCategorical(t)) {
    // Hot path: numeric splits only. NaN fails `v <= threshold`, so the missing check runs only on the right branch.
    for (let i = 0, base = 0; i < numRows; i++, base += numFeatures) {
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        const v = x[base + f];
        node = v <= threshold[node] || (v !== v && defaultLeft[node] === 1) ? left[node] : right[node];
        f = feature[node];
      }
      out[i * outStride + outOffset] += scale * value[node];
    }
    return;
  }
  for (let i = 0, base = 0; i < numRows; i++, base += numFeatures) {
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const v = x[base + f];
      const goLeft = categorical[node] === 0 ? v <= threshold[node] || (v !== v && defaultLeft[node] === 1) : categoryGoesLeft(t, node, v);
      node = goLeft ? left[node] : right[node];
      f = feature[node];
    }
    const o = i * outStride + outOffset;
    for (let k = 0; k < dim; k++) out[o + k] += scale * value[node * dim + k];
  }
}

const categoricalCache = new WeakMap<FlatTree, boolean>();
function hasCategorical(t: FlatTree): boolean {
  let r = categoricalCache.get(t);
  if (r === undefined) {
    r = t.categorical.some((c, i) => c === 1 && t.feature[i] >= 0);
    categoricalCache.set(t, r);
  }
  return r;
}

/** Leaf reached by training row `row` of binned data (feature indices of the tree = binned feature indices). */
export function leafOfBinnedRow(t: FlatTree, binned: BinnedData, row: number): number {
  const bins = binned.bins;
  const n = binned.numRows;
  let node = 0;
  let f = t.feature[0];
  while (f >= 0) {
    const b = bins[f * n + row];
    let goLeft: boolean;
    if (b === 0) goLeft = t.defaultLeft[node] === 1;
    else if (t.categorical[node] === 0) goLeft = b <= t.binThreshold[node];
    else goLeft = categoryGoesLeft(t, node, binned.features[f].binCategories![b][0]);
    node = goLeft ? t.left[node] : t.right[node];
    f = t.feature[node];
  }
  return node;
}
