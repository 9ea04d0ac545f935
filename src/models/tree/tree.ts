import { field, formatError, numberArrayAt, numberAt, objectAt } from '../model-json.js';
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

/** Largest category code a left-set bitset word can hold bits for (32 bits per word). */
const MAX_WORD = 0xffffffff;

/** Range of an Int32Array element. */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A tree from its JSON, every field checked (types, lengths, finite numbers, features in range, children after
 * their parent so the tree has no cycle, category sets inside catWords); errors name the field at `path`.
 */
export function treeFromJSON(json: unknown, numFeatures: number, path = 'tree'): FlatTree {
  const j = objectAt(json, path);
  const at = (name: keyof TreeJSON) => field(j, name);
  // Int32Array fields: a value outside int32 would wrap (2^31 becomes -2^31) past the checks below and index
  // out of bounds in the native kernels (found by the model-loader fuzz target).
  const int = { integer: true, min: INT32_MIN, max: INT32_MAX };
  const count = { integer: true, min: 0, max: INT32_MAX };
  const flag = { integer: true, min: 0, max: 1 };
  const outputDim = numberAt(at('outputDim'), `${path}.outputDim`, { integer: true, min: 1 });
  const feature = Int32Array.from(numberArrayAt(at('feature'), `${path}.feature`, undefined, { integer: true, min: -1, max: numFeatures - 1 }));
  const n = feature.length;
  if (n === 0) throw formatError(`${path}.feature`, 'a tree needs at least one node');
  const t: FlatTree = {
    numNodes: n,
    outputDim,
    feature,
    threshold: numberArrayAt(at('threshold'), `${path}.threshold`, n, { nullAs: Infinity }),
    binThreshold: Int32Array.from(numberArrayAt(at('binThreshold'), `${path}.binThreshold`, n, int)),
    categorical: Uint8Array.from(numberArrayAt(at('categorical'), `${path}.categorical`, n, flag)),
    catOffset: Int32Array.from(numberArrayAt(at('catOffset'), `${path}.catOffset`, n, count)),
    catLength: Int32Array.from(numberArrayAt(at('catLength'), `${path}.catLength`, n, count)),
    catWords: Uint32Array.from(numberArrayAt(at('catWords'), `${path}.catWords`, undefined, { integer: true, min: 0, max: MAX_WORD })),
    defaultLeft: Uint8Array.from(numberArrayAt(at('defaultLeft'), `${path}.defaultLeft`, n, flag)),
    left: Int32Array.from(numberArrayAt(at('left'), `${path}.left`, n, int)),
    right: Int32Array.from(numberArrayAt(at('right'), `${path}.right`, n, int)),
    value: numberArrayAt(at('value'), `${path}.value`, n * outputDim),
    cover: numberArrayAt(at('cover'), `${path}.cover`, n),
    gain: numberArrayAt(at('gain'), `${path}.gain`, n),
  };
  for (let i = 0; i < n; i++) {
    if (feature[i] < 0) continue;
    // Children strictly after their parent: every walk moves forward, so no cycle and no walk off the end.
    for (const side of ['left', 'right'] as const) {
      const c = t[side][i];
      if (!(c > i && c < n)) throw formatError(`${path}.${side}[${i}]`, `expected a child node index in (${i}, ${n}), got ${c}`);
    }
    if (t.categorical[i] && t.catOffset[i] + t.catLength[i] > t.catWords.length) {
      throw formatError(`${path}.catOffset[${i}]`, `category set [${t.catOffset[i]}, +${t.catLength[i]}) runs past catWords (${t.catWords.length} words)`);
    }
  }
  return t;
}

/** Whether category code v (NaN or negative: missing) goes left at categorical node `node`. */
export function categoryGoesLeft(t: FlatTree, node: number, v: number): boolean {
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
