import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { featureMatrix } from '../models/tree/data.js';
import { TreeShapExplainer } from './treeshap.js';
import type { Explanation } from './types.js';

export interface TreeExplainerForPipeline {
  explain(frame: Frame): Explanation;
}

export function treeExplainer(pipeline: Pipeline): TreeExplainerForPipeline | null {
  const view = pipeline.model.treeEnsemble?.();
  if (view === undefined) return null;
  const { trees, dim, features } = view;
  const boosted = view.output === 'raw-score';
  const explainer = new TreeShapExplainer(trees, features.length, dim, view.scale, view.bias, view.channel);
  const classes = pipeline.classes ?? [];
  let outputs: string[];
  if (pipeline.task === 'regression') outputs = ['prediction'];
  else if (boosted) outputs = dim === 1 ? [`log-odds of ${classes[1]}`] : classes.map((c) => `raw score of ${c}`);
  else outputs = dim === 1 ? [`probability of ${classes[1]}`] : classes.slice(0, dim).map((c) => `probability of ${c}`);
  const names = features.map((f) => f.name);
  const dictionaries = features.map((f) => f.dictionary ?? null);
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
