import { availableParallelism } from 'node:os';
import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TreeBuilder } from '../tree/builder.js';
import { encodeTarget } from '../preprocess/target.js';
import { featureMatrix, prepareTrainingData } from '../tree/data.js';
import { histogramKernels } from '../tree/histogram.js';
import { treeFeatures } from '../tree/ensemble.js';
import { addTreePrediction, type FlatTree, leafOfBinnedRow } from '../tree/tree.js';
import type { FitContext } from '../types.js';
import { GbdtModel } from './model.js';
import { objectiveFor } from './objectives.js';

export interface GbdtParams {
  numRounds: number;
  learningRate: number;
  numLeaves: number;
  /** <= 0: unlimited. */
  maxDepth: number;
  maxBins: number;
  minDataInLeaf: number;
  minSumHessian: number;
  lambdaL1: number;
  lambdaL2: number;
  minGainToSplit: number;
  /** Share of features each tree may use. */
  featureFraction: number;
  /** Share of rows each bagging round draws (without replacement). */
  baggingFraction: number;
  /** Redraw the bag every baggingFreq rounds; 0 disables bagging. */
  baggingFreq: number;
  /** Stop when the validation metric has not improved for this many rounds (needs ctx.validation); 0 = never. */
  earlyStoppingRounds: number;
  /** Categorical splits: smoothing of the per-category gradient ratio (LightGBM cat_smooth). */
  catSmooth: number;
  /** Categorical splits: extra L2 (LightGBM cat_l2). */
  catL2: number;
  /** Categorical splits: at most this many categories on one side (LightGBM max_cat_threshold). */
  maxCatThreshold: number;
  /**
   * Threads for native histogram construction, capped at os.availableParallelism(). A runtime setting: the trees
   * do not depend on it and the model does not store it. The TypeScript kernels ignore it.
   */
  numThreads: number;
}

/** Trains a gradient-boosted tree ensemble (one boosting iteration = one tree per raw score). */
export async function trainGbdt(data: Frame, target: Column, ctx: FitContext, params: GbdtParams): Promise<GbdtModel> {
  const td = prepareTrainingData(data, target, ctx, params.maxBins);
  const { binned, rows, y, weight } = td;
  const numClasses = td.classes?.length ?? 0;
  const objective = objectiveFor(ctx.task, numClasses);
  const dim = objective.dim;
  const n = binned.numRows;
  const F = binned.numFeatures;
  const rng = ctx.rng;

  const minDataPerGroup = Math.min(100, Math.max(params.minDataInLeaf, Math.floor(rows.length / 100)));
  const numThreads = Math.min(params.numThreads, availableParallelism());
  const builder = new TreeBuilder(binned, {
    criterion: 'gradient',
    channels: 1,
    numLeaves: params.numLeaves,
    maxDepth: params.maxDepth,
    minDataInLeaf: params.minDataInLeaf,
    minSumHessian: params.minSumHessian,
    lambdaL1: params.lambdaL1,
    lambdaL2: params.lambdaL2,
    minGainToSplit: params.minGainToSplit,
    extraTrees: false,
    featureFractionByNode: 1,
    growth: 'bestFirst',
    catSmooth: params.catSmooth,
    catL2: params.catL2,
    maxCatThreshold: params.maxCatThreshold,
    maxCatToOnehot: 4,
    minDataPerGroup,
    numThreads,
  });

  const initScore = objective.initScore(y, weight, rows);
  const scores = new Float64Array(n * dim);
  for (let i = 0; i < rows.length; i++) for (let k = 0; k < dim; k++) scores[rows[i] * dim + k] = initScore[k];
  const grad = new Float64Array(n * dim);
  const hess = new Float64Array(n * dim);

  // Validation: raw feature matrix once, scores updated tree by tree.
  const validation = ctx.validation ? prepareValidation(ctx, data, td.featureNames, td.classes) : null;
  const valScores = validation ? new Float64Array(validation.n * dim) : null;
  if (validation && valScores) for (let i = 0; i < validation.n; i++) for (let k = 0; k < dim; k++) valScores[i * dim + k] = initScore[k];
  const features = treeFeatures(data, binned);

  const allFeatures = Int32Array.from({ length: F }, (_, i) => i);
  const trees: FlatTree[] = [];
  const history: { iteration: number; metric: number }[] = [];
  let bestMetric = Infinity;
  let bestIteration = 0;
  let bag = rows;
  let outOfBag = new Int32Array(0);
  const work = new Int32Array(rows.length);
  const bagging = params.baggingFraction < 1 && params.baggingFreq > 0;

  for (let iter = 0; iter < params.numRounds; iter++) {
    if (bagging && iter % params.baggingFreq === 0) {
      const inBag: number[] = [];
      const out: number[] = [];
      for (let i = 0; i < rows.length; i++) (rng.next() < params.baggingFraction ? inBag : out).push(rows[i]);
      if (inBag.length === 0) inBag.push(rows[0]);
      bag = Int32Array.from(inBag);
      outOfBag = Int32Array.from(out);
    }
    const treeFeaturesList = params.featureFraction < 1 ? sampleFeatures(F, params.featureFraction, rng) : allFeatures;
    objective.gradients(scores, y, weight, bag, grad, hess, n, numThreads);
    for (let k = 0; k < dim; k++) {
      work.set(bag);
      const g = dim === 1 ? grad : grad.subarray(k * n, (k + 1) * n);
      const h = dim === 1 ? hess : hess.subarray(k * n, (k + 1) * n);
      const grown = builder.grow(work, bag.length, g, h, treeFeaturesList, rng);
      const tree = grown.tree;
      const value = tree.value as Float64Array;
      for (let i = 0; i < value.length; i++) value[i] *= params.learningRate;
      const native = dim === 1 ? histogramKernels() : null;
      if (native !== null) native.addLeafValues(work, grown.leafStart, grown.leafEnd, Float64Array.from(grown.leafNode, (node) => value[node]), scores, numThreads);
      else {
        for (let j = 0; j < grown.leafNode.length; j++) {
          const v = value[grown.leafNode[j]];
          const end = grown.leafEnd[j];
          if (dim === 1) for (let i = grown.leafStart[j]; i < end; i++) scores[work[i]] += v;
          else for (let i = grown.leafStart[j]; i < end; i++) scores[work[i] * dim + k] += v;
        }
      }
      for (let i = 0; i < outOfBag.length; i++) {
        const r = outOfBag[i];
        scores[r * dim + k] += value[leafOfBinnedRow(tree, binned, r)];
      }
      if (validation && valScores) addTreePrediction(tree, validation.x, F, validation.n, valScores, dim, k);
      trees.push(tree);
    }
    let metric: number | undefined;
    if (validation && valScores) {
      metric = objective.metric(valScores, validation.y, validation.n);
      history.push({ iteration: iter + 1, metric });
      if (metric < bestMetric - 1e-12) {
        bestMetric = metric;
        bestIteration = iter + 1;
      }
    } else bestIteration = iter + 1;
    ctx.onProgress?.({ iteration: iter + 1, total: params.numRounds, metric });
    if (validation && params.earlyStoppingRounds > 0 && iter + 1 - bestIteration >= params.earlyStoppingRounds) break;
    if (ctx.deadline !== undefined && Date.now() > ctx.deadline) break;
    if ((iter & 15) === 15) await yieldToEventLoop();
  }
  if (validation && params.earlyStoppingRounds > 0) trees.length = bestIteration * dim;
  return new GbdtModel({
    task: ctx.task,
    classes: td.classes,
    features,
    dim,
    initScore,
    trees,
    bestIteration,
    params: storedParams(params),
    history: history.length > 0 ? history : undefined,
  });
}

/** The hyperparameters a model records: all but the runtime thread count. */
function storedParams(params: GbdtParams): Omit<GbdtParams, 'numThreads'> {
  const { numThreads: _threads, ...rest } = params;
  return rest;
}

function sampleFeatures(F: number, fraction: number, rng: FitContext['rng']): Int32Array {
  const m = Math.max(1, Math.round(F * fraction));
  const perm = rng.permutation(F);
  return perm.subarray(0, m).sort();
}

function prepareValidation(ctx: FitContext, data: Frame, featureNames: string[], classes?: string[]): { x: Float64Array; y: Float64Array; n: number } {
  const v = ctx.validation!;
  const n = v.rows ? v.rows.length : v.data.numRows;
  const rows = v.rows ?? Int32Array.from({ length: v.data.numRows }, (_, i) => i);
  const dictionaries = featureNames.map((name) => {
    const c = data.column(name);
    return c.kind === 'categorical' ? c.dictionary : null;
  });
  const x = featureMatrix(v.data, featureNames, dictionaries, rows);
  const { y } = encodeTarget(v.target, ctx.task, classes, rows);
  return { x, y, n };
}

/** Lets timers and progress output run during long fits. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
