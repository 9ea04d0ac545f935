import type { Frame } from '../../frame/frame.js';
import { encodeTarget } from '../preprocess/target.js';
import { featureMatrix, featureViews } from '../tree/data.js';
import { addTreePrediction, categoryGoesLeft, type FlatTree } from '../tree/tree.js';
import type { FitContext } from '../types.js';

/**
 * Early-stopping rows of a boosting fit. Their features are read where they already are, as one numeric view per
 * feature column (a numeric or datetime column is its own view, no copy), unless the copies that views would need
 * (categorical or boolean columns, full length each) outweigh a row-major matrix of just these rows. Either way a
 * tree walks the same values with the same comparisons, so the scores are the same to the bit.
 */
export interface EarlyStoppingRows {
  readonly n: number;
  /** Encoded target of each row (regression value or class index). */
  readonly y: Float64Array;
  /** Adds the tree's leaf value of every row into scores[i * stride + offset]. */
  addTree(tree: FlatTree, scores: Float64Array, stride: number, offset: number): void;
}

export function earlyStoppingRows(ctx: FitContext, data: Frame, featureNames: readonly string[], classes?: readonly string[]): EarlyStoppingRows {
  const v = ctx.validation!;
  const rows = v.rows ?? Int32Array.from({ length: v.data.numRows }, (_, i) => i);
  const n = rows.length;
  const F = featureNames.length;
  const dictionaries = featureNames.map((name) => {
    const c = data.column(name);
    return c.kind === 'categorical' ? c.dictionary : null;
  });
  const { y } = encodeTarget(v.target, ctx.task, classes ? [...classes] : undefined, rows);
  const copied = featureNames.filter((name, f) => {
    if (dictionaries[f] !== null || !v.data.has(name)) return true;
    const kind = v.data.column(name).kind;
    return kind !== 'numeric' && kind !== 'datetime';
  }).length;
  if (copied * v.data.numRows <= n * F) {
    const views = featureViews(v.data, featureNames, dictionaries);
    return { n, y, addTree: (tree, scores, stride, offset) => addTreePredictionAt(tree, views, rows, scores, stride, offset) };
  }
  const x = featureMatrix(v.data, featureNames, dictionaries, rows);
  return { n, y, addTree: (tree, scores, stride, offset) => addTreePrediction(tree, x, F, n, scores, stride, offset) };
}

/**
 * addTreePrediction (tree.ts) for rows[i] of per-feature column views: out[i * outStride + outOffset ...] += the
 * leaf value, with the same comparisons (NaN fails `v <= threshold`; categorical splits by categoryGoesLeft).
 */
export function addTreePredictionAt(t: FlatTree, views: readonly Float64Array[], rows: Int32Array, out: Float64Array, outStride: number, outOffset: number): void {
  const { feature, threshold, left, right, categorical, defaultLeft, value } = t;
  const dim = t.outputDim;
  let anyCategorical = false;
  for (let i = 0; i < t.numNodes; i++) if (categorical[i] === 1 && feature[i] >= 0) anyCategorical = true;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const x = views[f][r];
      const goLeft = !anyCategorical || categorical[node] === 0 ? x <= threshold[node] || (x !== x && defaultLeft[node] === 1) : categoryGoesLeft(t, node, x);
      node = goLeft ? left[node] : right[node];
      f = feature[node];
    }
    const o = i * outStride + outOffset;
    for (let k = 0; k < dim; k++) out[o + k] += value[node * dim + k];
  }
}
