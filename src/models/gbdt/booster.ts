import { availableParallelism } from 'node:os';
import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import type { BinnedData } from '../tree/binning.js';
import { TreeBuilder } from '../tree/builder.js';
import { prepareTrainingData } from '../tree/data.js';
import { histogramKernels } from '../tree/histogram.js';
import { treeFeatures } from '../tree/ensemble.js';
import { type FlatTree, leafOfBinnedRow } from '../tree/tree.js';
import type { FitContext } from '../types.js';
import { giveBackFloat64, takeFloat64 } from '../../util/buffer-pool.js';
import { GbdtModel } from './model.js';
import { objectiveFor } from './objectives.js';
import { earlyStoppingRows } from './validation.js';

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

  const numThreads = Math.min(params.numThreads, availableParallelism());
  const builder = boostingTreeBuilder(binned, params, rows.length, numThreads);

  const initScore = objective.initScore(y, weight, rows);
  // Data-sized (all rows, not only the training rows: the tree builder indexes them by data row); reused by the
  // next fit of the same size in this thread (buffer-pool.ts).
  const scores = takeFloat64(n * dim);
  for (let i = 0; i < rows.length; i++) for (let k = 0; k < dim; k++) scores[rows[i] * dim + k] = initScore[k];
  const grad = takeFloat64(n * dim);
  const hess = takeFloat64(n * dim);

  // Validation: raw features read in place (validation.ts), scores updated tree by tree.
  const validation = ctx.validation ? earlyStoppingRows(ctx, data, td.featureNames, td.classes) : null;
  const valScores = validation ? new Float64Array(validation.n * dim) : null;
  if (validation && valScores) for (let i = 0; i < validation.n; i++) for (let k = 0; k < dim; k++) valScores[i * dim + k] = initScore[k];
  const features = treeFeatures(data, binned);

  const allFeatures = Int32Array.from({ length: F }, (_, i) => i);
  const trees: FlatTree[] = [];
  const history: { iteration: number; metric: number }[] = [];
  let bestMetric = Infinity;
  let bestIteration = 0;
  let bag: Int32Array = rows;
  let outOfBag: Int32Array = new Int32Array(0);
  const work = new Int32Array(rows.length);
  const bagging = params.baggingFraction < 1 && params.baggingFreq > 0;
  // One buffer for every bagging round (drawBag).
  const bagRows = bagging ? new Int32Array(rows.length) : null;

  for (let iter = 0; iter < params.numRounds; iter++) {
    if (bagRows !== null && iter % params.baggingFreq === 0) ({ bag, outOfBag } = drawBag(rows, params.baggingFraction, rng, bagRows));
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
      if (validation && valScores) validation.addTree(tree, valScores, dim, k);
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
  giveBackFloat64(scores, grad, hess, y, weight);
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

/** The tree builder of one boosting fit on `numRows` training rows. */
function boostingTreeBuilder(binned: BinnedData, params: GbdtParams, numRows: number, numThreads: number): TreeBuilder {
  const minDataPerGroup = Math.min(100, Math.max(params.minDataInLeaf, Math.floor(numRows / 100)));
  return new TreeBuilder(binned, {
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
}

/**
 * One bagging draw: each training row is in the bag with probability `fraction` (one rng draw per row, in row
 * order), written into `buffer` with the in-bag rows at the front and the out-of-bag rows from the back (each
 * row's out-of-bag score update is its own, so their order does not matter). An empty bag takes the first row.
 */
function drawBag(rows: Int32Array, fraction: number, rng: FitContext['rng'], buffer: Int32Array): { bag: Int32Array; outOfBag: Int32Array } {
  let numIn = 0;
  let outStart = rows.length;
  for (let i = 0; i < rows.length; i++) {
    if (rng.next() < fraction) buffer[numIn++] = rows[i];
    else buffer[--outStart] = rows[i];
  }
  return { bag: numIn > 0 ? buffer.subarray(0, numIn) : rows.subarray(0, 1), outOfBag: buffer.subarray(outStart) };
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

/** Lets timers and progress output run during long fits. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
