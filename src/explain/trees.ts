import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { featureMatrix } from '../models/tree/data.js';
import type { TreeFeature } from '../models/tree/ensemble.js';
import type { FlatTree } from '../models/tree/tree.js';
import type { FittedModel } from '../models/types.js';
import { TreeShapExplainer } from './treeshap.js';
import type { Explanation } from './types.js';

/**
 * TreeSHAP for the tree learners (gbdt, rf, extratrees), on the model's own features after the pipeline's
 * alignment and flow. Explains the raw output the trees add up: the booster's raw score (regression value,
 * binary log-odds, multiclass logits) or the forest's averaged leaf values (regression value, class probabilities).
 */
interface TreeModelState {
  readonly features: readonly TreeFeature[];
  readonly trees: readonly FlatTree[];
  readonly dim?: number;
  readonly initScore?: Float64Array;
}

const TREE_KINDS = new Set(['gbdt', 'rf', 'extratrees']);

function treeState(model: FittedModel): TreeModelState | null {
  if (!TREE_KINDS.has(model.kind)) return null;
  const state = (model as unknown as { state?: TreeModelState }).state;
  if (!state || !Array.isArray(state.trees) || !Array.isArray(state.features)) return null;
  return state;
}

export function isTreeModel(model: FittedModel): boolean {
  return treeState(model) !== null;
}

export interface TreeExplainerForPipeline {
  explain(frame: Frame): Explanation;
}

export function treeExplainer(pipeline: Pipeline): TreeExplainerForPipeline | null {
  const model = pipeline.model;
  const state = treeState(model);
  if (state === null) return null;
  const trees = state.trees;
  const dim = state.dim ?? (trees[0]?.outputDim ?? 1);
  const boosted = model.kind === 'gbdt';
  const singleOutputTrees = trees.length > 0 && trees[0].outputDim === 1 && dim > 1;
  const channel = singleOutputTrees ? Int32Array.from(trees, (_, t) => t % dim) : undefined;
  const bias = state.initScore ? Float64Array.from(state.initScore) : new Float64Array(dim);
  const scale = boosted ? 1 : 1 / Math.max(1, trees.length);
  const explainer = new TreeShapExplainer(trees, state.features.length, dim, scale, bias, channel);
  const classes = pipeline.classes ?? [];
  let outputs: string[];
  if (pipeline.task === 'regression') outputs = ['prediction'];
  else if (boosted) outputs = dim === 1 ? [`log-odds of ${classes[1]}`] : classes.map((c) => `raw score of ${c}`);
  else outputs = dim === 1 ? [`probability of ${classes[1]}`] : classes.slice(0, dim).map((c) => `probability of ${c}`);
  const names = state.features.map((f) => f.name);
  const dictionaries = state.features.map((f) => f.dictionary ?? null);
  return {
    explain(frame: Frame): Explanation {
      const prepared = pipeline.prepare(frame).frame;
      const x = featureMatrix(prepared, names, dictionaries);
      const n = prepared.numRows;
      const m = names.length;
      const phi = explainer.explain(x, n);
      // Drop the per-row expected-value slot: values are n x m x k, expectedValue is shared.
      const values = new Float64Array(n * m * dim);
      for (let r = 0; r < n; r++) values.set(phi.subarray(r * (m + 1) * dim, (r * (m + 1) + m) * dim), r * m * dim);
      return {
        method: 'treeshap',
        detail: `exact TreeSHAP over ${trees.length} trees (path-dependent, cover-weighted)`,
        featureNames: names,
        outputs,
        numRows: n,
        values,
        expectedValue: Float64Array.from(explainer.expectedValue),
      };
    },
  };
}
