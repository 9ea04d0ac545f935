import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import type { FitContext, FittedModel, Learner, LearnerSpec, LearnerTags, ModelJSON } from '../types.js';
import { type GbdtParams, trainGbdt } from './booster.js';
import { GbdtModel } from './model.js';

export type { GbdtParams } from './booster.js';
export { GbdtModel, GBDT_FORMAT_VERSION } from './model.js';

const tags: LearnerTags = {
  family: 'tree',
  tasks: ['regression', 'binary', 'multiclass'],
  allowsMissing: true,
  handlesCategorical: true,
  requiresScaling: false,
  supportsSampleWeight: true,
  supportsEarlyStopping: true,
};

export const GBDT_DEFAULTS: Readonly<GbdtParams> = {
  numRounds: 500,
  learningRate: 0.05,
  numLeaves: 31,
  maxDepth: -1,
  maxBins: 255,
  minDataInLeaf: 10,
  minSumHessian: 1,
  lambdaL1: 0,
  lambdaL2: 1,
  minGainToSplit: 0,
  featureFraction: 1,
  baggingFraction: 1,
  baggingFreq: 0,
  earlyStoppingRounds: 50,
  catSmooth: 10,
  catL2: 10,
  maxCatThreshold: 32,
  // One thread: inside the AutoML search the worker pool already uses the cores; `tabpilot train` passes more.
  numThreads: 1,
};

/** Upper bound accepted for numThreads (it is capped at os.availableParallelism() anyway). */
const MAX_THREADS = 1024;

/** What each hyperparameter accepts at all (the search space below is only the tuning range). */
const constraints: ParamConstraints<GbdtParams> = {
  numRounds: { type: 'int', min: 1, max: 100_000 },
  learningRate: { type: 'float', min: 0, max: 1, minExclusive: true },
  numLeaves: { type: 'int', min: 2, max: 131_072 },
  maxDepth: { type: 'int', min: -1, max: 64 },
  maxBins: { type: 'int', min: 2, max: 65_535 },
  minDataInLeaf: { type: 'int', min: 1 },
  minSumHessian: { type: 'float', min: 0 },
  lambdaL1: { type: 'float', min: 0 },
  lambdaL2: { type: 'float', min: 0 },
  minGainToSplit: { type: 'float', min: 0 },
  featureFraction: { type: 'float', min: 0, max: 1, minExclusive: true },
  baggingFraction: { type: 'float', min: 0, max: 1, minExclusive: true },
  baggingFreq: { type: 'int', min: 0 },
  earlyStoppingRounds: { type: 'int', min: 0 },
  catSmooth: { type: 'float', min: 0 },
  catL2: { type: 'float', min: 0 },
  maxCatThreshold: { type: 'int', min: 1 },
  numThreads: { type: 'int', min: 1, max: MAX_THREADS },
};

class GbdtLearner implements Learner<GbdtParams> {
  readonly kind = 'gbdt';
  readonly tags = tags;
  constructor(readonly params: Readonly<GbdtParams>) {}

  fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    return trainGbdt(data, target, ctx, this.params);
  }
}

/** Histogram gradient boosting (LightGBM-style leaf-wise trees on binned features). */
export const gbdtSpec: LearnerSpec<GbdtParams> = {
  kind: 'gbdt',
  description: 'Gradient-boosted decision trees: histogram split finding, leaf-wise growth, native missing values and categoricals',
  tags,
  defaults: GBDT_DEFAULTS,
  searchSpace: {
    numRounds: { domain: { type: 'int', low: 50, high: 3000, log: true }, default: 500, cheap: 50 },
    learningRate: { domain: { type: 'float', low: 0.005, high: 0.3, log: true }, default: 0.05, cheap: 0.1 },
    numLeaves: { domain: { type: 'int', low: 4, high: 256, log: true }, default: 31, cheap: 15 },
    maxDepth: { domain: { type: 'choice', values: [-1, 4, 6, 8, 12] }, default: -1, cheap: -1 },
    maxBins: { domain: { type: 'choice', values: [255] }, default: 255, cheap: 255 },
    minDataInLeaf: { domain: { type: 'int', low: 2, high: 200, log: true }, default: 10, cheap: 10 },
    minSumHessian: { domain: { type: 'float', low: 1e-3, high: 10, log: true }, default: 1, cheap: 1 },
    lambdaL1: { domain: { type: 'float', low: 0, high: 10 }, default: 0, cheap: 0 },
    lambdaL2: { domain: { type: 'float', low: 0, high: 10 }, default: 1, cheap: 1 },
    minGainToSplit: { domain: { type: 'float', low: 0, high: 1 }, default: 0, cheap: 0 },
    featureFraction: { domain: { type: 'float', low: 0.4, high: 1 }, default: 1, cheap: 1 },
    baggingFraction: { domain: { type: 'float', low: 0.5, high: 1 }, default: 1, cheap: 1 },
    baggingFreq: { domain: { type: 'choice', values: [0, 1, 5] }, default: 0, cheap: 0 },
    earlyStoppingRounds: { domain: { type: 'choice', values: [20, 50, 100] }, default: 50, cheap: 20 },
  },
  relativeCost: 1,
  fidelityParam: 'numRounds',
  costPerClass: true,
  create(params?: Partial<GbdtParams>): Learner<GbdtParams> {
    return new GbdtLearner(resolveParams('gbdt', GBDT_DEFAULTS, constraints, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return GbdtModel.fromJSON(json, path);
  },
};
