import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TreeBuilder } from '../tree/builder.js';
import { prepareTrainingData } from '../tree/data.js';
import { treeFeatures } from '../tree/ensemble.js';
import { type FlatTree, leafOfBinnedRow } from '../tree/tree.js';
import type { FitContext } from '../types.js';
import { ForestModel, type OutOfBagScore } from './model.js';

export interface ForestParams {
  numTrees: number;
  /** <= 0: unlimited. */
  maxDepth: number;
  minSamplesLeaf: number;
  /** Features tried at each split: 'sqrt', 'log2', or a fraction in (0, 1]; 'auto' = sqrt (classification) / 1.0 (regression). */
  maxFeatures: string | number;
  bootstrap: boolean;
  /** Share of rows drawn (with replacement) per tree when bootstrapping. */
  maxSamples: number;
  criterion: 'gini' | 'entropy';
  /** <= 0: unlimited. */
  maxLeaves: number;
  maxBins: number;
  minImpurityDecrease: number;
}

/** Trains a random forest (bootstrap + best splits) or extra trees (random thresholds) on shared binned data. */
export async function trainForest(kind: 'rf' | 'extratrees', data: Frame, target: Column, ctx: FitContext, params: ForestParams): Promise<ForestModel> {
  const td = prepareTrainingData(data, target, ctx, params.maxBins);
  const { binned, rows, y, weight } = td;
  const classification = ctx.task !== 'regression';
  const K = classification ? td.classes!.length : 1;
  const n = binned.numRows;
  const F = binned.numFeatures;
  const featureFraction = resolveMaxFeatures(params.maxFeatures, F, classification);
  const builder = new TreeBuilder(binned, {
    criterion: classification ? params.criterion : 'gradient',
    channels: K,
    numLeaves: params.maxLeaves > 0 ? params.maxLeaves : Number.MAX_SAFE_INTEGER,
    maxDepth: params.maxDepth,
    minDataInLeaf: params.minSamplesLeaf,
    minSumHessian: 0,
    lambdaL1: 0,
    lambdaL2: 0,
    minGainToSplit: params.minImpurityDecrease,
    extraTrees: kind === 'extratrees',
    featureFractionByNode: featureFraction,
    growth: params.maxLeaves > 0 ? 'bestFirst' : 'depthFirst',
    catSmooth: 0,
    catL2: 0,
    maxCatThreshold: 64,
    maxCatToOnehot: 4,
    minDataPerGroup: params.minSamplesLeaf,
  });
  const allFeatures = Int32Array.from({ length: F }, (_, i) => i);
  const grad = new Float64Array(n * K);
  const hess = new Float64Array(n);
  const multiplicity = new Int32Array(n);
  const work = new Int32Array(rows.length);
  const oobSum = params.bootstrap ? new Float64Array(n * K) : null;
  const oobCount = params.bootstrap ? new Int32Array(n) : null;
  const trees: FlatTree[] = [];
  const draws = Math.max(1, Math.round(params.maxSamples * rows.length));

  for (let t = 0; t < params.numTrees; t++) {
    const rng = ctx.rng.fork(t);
    let count = 0;
    if (params.bootstrap) {
      for (let i = 0; i < rows.length; i++) multiplicity[rows[i]] = 0;
      for (let d = 0; d < draws; d++) multiplicity[rows[rng.int(rows.length)]]++;
      for (let i = 0; i < rows.length; i++) if (multiplicity[rows[i]] > 0) work[count++] = rows[i];
    } else {
      for (let i = 0; i < rows.length; i++) multiplicity[rows[i]] = 1;
      work.set(rows);
      count = rows.length;
    }
    for (let i = 0; i < count; i++) {
      const r = work[i];
      const w = weight[r] * multiplicity[r];
      hess[r] = w;
      if (classification) {
        for (let k = 0; k < K; k++) grad[r * K + k] = 0;
        grad[r * K + y[r]] = w;
      } else grad[r] = -w * y[r];
    }
    const grown = builder.grow(work, count, grad, hess, allFeatures, rng);
    trees.push(grown.tree);
    if (oobSum && oobCount) {
      const value = grown.tree.value;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (multiplicity[r] > 0) continue;
        const leaf = leafOfBinnedRow(grown.tree, binned, r);
        for (let k = 0; k < K; k++) oobSum[r * K + k] += value[leaf * K + k];
        oobCount[r]++;
      }
    }
    ctx.onProgress?.({ iteration: t + 1, total: params.numTrees });
    if (ctx.deadline !== undefined && Date.now() > ctx.deadline) break;
    if ((t & 7) === 7) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const oob = oobSum && oobCount ? outOfBagScore(classification, K, rows, y, oobSum, oobCount) : undefined;
  return new ForestModel({
    kind,
    task: ctx.task,
    classes: td.classes,
    features: treeFeatures(data, binned),
    dim: K,
    trees,
    params: { ...params },
    oob,
  });
}

export function resolveMaxFeatures(maxFeatures: string | number, F: number, classification: boolean): number {
  if (typeof maxFeatures === 'number') return maxFeatures;
  const m = maxFeatures === 'sqrt' || (maxFeatures === 'auto' && classification) ? Math.sqrt(F) : maxFeatures === 'log2' ? Math.log2(F) : F;
  return Math.min(1, Math.max(1, Math.floor(m)) / F);
}

/** sklearn's oob_score_: accuracy for classifiers, R^2 for regressors, over rows left out by at least one tree. */
function outOfBagScore(classification: boolean, K: number, rows: Int32Array, y: Float64Array, sum: Float64Array, count: Int32Array): OutOfBagScore | undefined {
  let used = 0;
  if (classification) {
    let correct = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (count[r] === 0) continue;
      used++;
      let best = 0;
      for (let k = 1; k < K; k++) if (sum[r * K + k] > sum[r * K + best]) best = k;
      if (best === y[r]) correct++;
    }
    return used > 0 ? { metric: 'accuracy', value: correct / used, rows: used } : undefined;
  }
  let mean = 0;
  for (let i = 0; i < rows.length; i++) if (count[rows[i]] > 0) {
    mean += y[rows[i]];
    used++;
  }
  if (used === 0) return undefined;
  mean /= used;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (count[r] === 0) continue;
    ssRes += (y[r] - sum[r] / count[r]) ** 2;
    ssTot += (y[r] - mean) ** 2;
  }
  return { metric: 'r2', value: ssTot > 0 ? 1 - ssRes / ssTot : 0, rows: used };
}
