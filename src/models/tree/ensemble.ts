import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import type { FeatureImportance } from '../types.js';
import type { BinnedData } from './binning.js';
import { featureViews, fillRowBlock } from './data.js';
import { PackedTrees } from './predict.js';
import { type FlatTree, treeFromJSON, type TreeJSON, treeToJSON } from './tree.js';
import { arrayAt, field, objectAt, oneOfAt, stringArrayAt, stringAt } from '../model-json.js';

/** A feature as a tree model stores it: how to read the column at prediction time. */
export interface TreeFeature {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categorical: the training dictionary (tree category sets index into it). */
  readonly dictionary?: readonly string[];
}

export function treeFeatures(data: Frame, binned: BinnedData): TreeFeature[] {
  return binned.features.map((fb) => {
    if (fb.kind !== 'categorical') return { name: fb.name, kind: 'numeric' };
    const col = data.column(fb.name);
    if (col.kind !== 'categorical') throw new TabpilotError('INTERNAL', `binned feature "${fb.name}" is categorical but the column is ${col.kind}`);
    return { name: fb.name, kind: 'categorical', dictionary: [...col.dictionary] };
  });
}

/** Rows per row-major block of the TypeScript walk: a block of 256 x F doubles stays in cache across the trees. */
const BLOCK_ROWS = 256;
/**
 * Fewer rows than this are walked in TypeScript: the native kernel's fixed cost per call (reading 17 arguments,
 * moving small on-heap typed arrays off the heap) exceeded a 300-tree walk of one row (measured for issue 13).
 */
const NATIVE_PREDICT_MIN_ROWS = 8;

let smallBlock = new Float64Array(0);

/** Per packed model, the channels when every tree adds into all dim channels: all zeros, never written. */
const zeroChannelsCache = new WeakMap<PackedTrees, Int32Array>();

/**
 * The channel each tree adds into, by a plain loop: Int32Array.from with a mapping function cost more than the
 * walk itself for a one-row request (measured for issue 13). Packed trees share one outputDim; when it is dim
 * (binary and regression GBDT, forests) every channel is 0 and one array per model serves every call: the loop
 * over 300 tree objects was 2 us of a 25 us one-row predict (issue 13).
 */
function channelsFor(trees: readonly FlatTree[], packed: PackedTrees, dim: number, channelOf: (t: number) => number): Int32Array {
  if (packed.outputDim === dim) {
    let zeros = zeroChannelsCache.get(packed);
    if (zeros === undefined) {
      zeros = new Int32Array(trees.length);
      zeroChannelsCache.set(packed, zeros);
    }
    return zeros;
  }
  const channels = new Int32Array(trees.length);
  for (let t = 0; t < trees.length; t++) channels[t] = trees[t].outputDim === dim ? 0 : channelOf(t);
  return channels;
}

/** The column names and dictionaries predictEnsemble reads, once per model's feature list. */
const featureListCache = new WeakMap<readonly TreeFeature[], { names: string[]; dictionaries: (readonly string[] | null)[] }>();
function featureLists(features: readonly TreeFeature[]): { names: string[]; dictionaries: (readonly string[] | null)[] } {
  let lists = featureListCache.get(features);
  if (lists === undefined) {
    lists = { names: features.map((f) => f.name), dictionaries: features.map((f) => f.dictionary ?? null) };
    featureListCache.set(features, lists);
  }
  return lists;
}

const packedCache = new WeakMap<readonly FlatTree[], PackedTrees>();
function packedFor(trees: readonly FlatTree[]): PackedTrees {
  let p = packedCache.get(trees);
  if (p === undefined) {
    p = new PackedTrees(trees);
    packedCache.set(trees, p);
  }
  return p;
}

/**
 * Sum of tree outputs for every row of `frame`: out[row * dim + channel] = init[channel] + sum over trees of
 * scale * value, where tree t adds into channel channelOf(t) (outputDim 1), or into all channels (outputDim = dim).
 * Rows are processed in blocks so memory stays flat and each block's matrix stays in cache.
 */
export function predictEnsemble(
  frame: Frame,
  features: readonly TreeFeature[],
  trees: readonly FlatTree[],
  dim: number,
  init: Float64Array,
  channelOf: (t: number) => number,
  scale = 1,
): Float64Array {
  const n = frame.numRows;
  const F = features.length;
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) out[i * dim + k] = init[k];
  const { names, dictionaries } = featureLists(features);
  const views = featureViews(frame, names, dictionaries);
  const packed = packedFor(trees);
  const channels = channelsFor(trees, packed, dim, channelOf);
  // The native kernel reads the columns directly; the TypeScript walk copies row-major blocks first. A few rows
  // (serving) take the TypeScript walk: the same sums bit for bit, without the native call's fixed cost.
  if (n >= NATIVE_PREDICT_MIN_ROWS && packed.addColumns(views, n, out, dim, channels, scale)) return out;
  const size = Math.min(n, BLOCK_ROWS) * F;
  // A few rows reuse one scratch block (prediction is synchronous): no allocation per served request.
  if (n < NATIVE_PREDICT_MIN_ROWS && smallBlock.length < size) smallBlock = new Float64Array(size);
  const x = n < NATIVE_PREDICT_MIN_ROWS ? smallBlock : new Float64Array(size);
  for (let start = 0; start < n; start += BLOCK_ROWS) {
    const end = Math.min(n, start + BLOCK_ROWS);
    const hasMissing = fillRowBlock(views, start, end, x);
    packed.addBlockTs(x, F, end - start, out.subarray(start * dim, end * dim), dim, channels, scale, hasMissing);
  }
  return out;
}

export function ensembleImportance(features: readonly TreeFeature[], trees: readonly FlatTree[]): FeatureImportance {
  const gain = new Float64Array(features.length);
  const split = new Float64Array(features.length);
  for (const t of trees) {
    for (let i = 0; i < t.numNodes; i++) {
      const f = t.feature[i];
      if (f >= 0) {
        gain[f] += t.gain[i];
        split[f] += 1;
      }
    }
  }
  return { names: features.map((f) => f.name), gain, split };
}

export function treesToJSON(trees: readonly FlatTree[]): TreeJSON[] {
  return trees.map(treeToJSON);
}

/** The trees at `path`, each checked by treeFromJSON (errors name `path[i].field[j]`). */
export function treesFromJSON(json: unknown, numFeatures: number, path = 'model.trees'): FlatTree[] {
  return arrayAt(json, path).map((t, i) => treeFromJSON(t, numFeatures, `${path}[${i}]`));
}

/** The feature list at `path`: name, kind numeric|categorical, and a string dictionary for categoricals. */
export function featuresFromJSON(json: unknown, path = 'model.features'): TreeFeature[] {
  return arrayAt(json, path).map((f, i) => {
    const o = objectAt(f, `${path}[${i}]`);
    const name = stringAt(field(o, 'name'), `${path}[${i}].name`);
    const kind = oneOfAt(field(o, 'kind'), `${path}[${i}].kind`, ['numeric', 'categorical'] as const);
    if (kind === 'numeric') return { name, kind };
    return { name, kind, dictionary: [...stringArrayAt(field(o, 'dictionary'), `${path}[${i}].dictionary`)] };
  });
}
