import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import type { FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, LearnerTags, ModelJSON } from '../types.js';
import { ForestModel } from './model.js';
import { type ForestParams, trainForest } from './train.js';

export type { ForestParams } from './train.js';
export { ForestModel, FOREST_FORMAT_VERSION, type OutOfBagScore } from './model.js';

const tags: LearnerTags = {
  family: 'tree',
  tasks: ['regression', 'binary', 'multiclass'],
  allowsMissing: true,
  handlesCategorical: true,
  requiresScaling: false,
  supportsSampleWeight: true,
  supportsEarlyStopping: false,
};

/** What each hyperparameter accepts at all (the search space below is only the tuning range). */
const constraints: ParamConstraints<ForestParams> = {
  numTrees: { type: 'int', min: 1, max: 100_000 },
  maxDepth: { type: 'int', min: -1, max: 1000 },
  minSamplesLeaf: { type: 'int', min: 1 },
  maxFeatures: { type: 'choice', values: ['auto', 'sqrt', 'log2', 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
  bootstrap: { type: 'boolean' },
  maxSamples: { type: 'float', min: 0, max: 1, minExclusive: true },
  criterion: { type: 'choice', values: ['gini', 'entropy'] },
  maxLeaves: { type: 'int', min: 0 },
  maxBins: { type: 'int', min: 2, max: 65_535 },
  minImpurityDecrease: { type: 'float', min: 0 },
};

function searchSpace(defaults: ForestParams): Record<string, HyperparameterSpec> {
  return {
    numTrees: { domain: { type: 'int', low: 20, high: 1000, log: true }, default: defaults.numTrees, cheap: 20 },
    maxDepth: { domain: { type: 'choice', values: [-1, 8, 12, 16, 24] }, default: -1, cheap: 12 },
    minSamplesLeaf: { domain: { type: 'int', low: 1, high: 32, log: true }, default: 1, cheap: 2 },
    maxFeatures: { domain: { type: 'choice', values: ['auto', 'sqrt', 'log2', 0.3, 0.5, 0.7, 1] }, default: 'auto', cheap: 'sqrt' },
    bootstrap: { domain: { type: 'choice', values: [true, false] }, default: defaults.bootstrap, cheap: defaults.bootstrap },
    maxSamples: { domain: { type: 'float', low: 0.3, high: 1 }, default: 1, cheap: 1 },
    criterion: { domain: { type: 'choice', values: ['gini', 'entropy'] }, default: 'gini', cheap: 'gini' },
    maxLeaves: { domain: { type: 'choice', values: [0] }, default: 0, cheap: 0 },
    maxBins: { domain: { type: 'choice', values: [255] }, default: 255, cheap: 255 },
    minImpurityDecrease: { domain: { type: 'float', low: 0, high: 0.01 }, default: 0, cheap: 0 },
  };
}

class ForestLearner implements Learner<ForestParams> {
  readonly tags = tags;
  constructor(
    readonly kind: 'rf' | 'extratrees',
    readonly params: Readonly<ForestParams>,
  ) {}

  fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    return trainForest(this.kind, data, target, ctx, this.params);
  }
}

function forestSpec(kind: 'rf' | 'extratrees', description: string, defaults: ForestParams, relativeCost: number): LearnerSpec<ForestParams> {
  return {
    kind,
    description,
    tags,
    defaults,
    searchSpace: searchSpace(defaults),
    relativeCost,
    fidelityParam: 'numTrees',
    create(params?: Partial<ForestParams>): Learner<ForestParams> {
      return new ForestLearner(kind, resolveParams(kind, defaults, constraints, params));
    },
    fromJSON(json: ModelJSON, path?: string): FittedModel {
      return ForestModel.fromJSON(json, kind, path);
    },
  };
}

export const RANDOM_FOREST_DEFAULTS: Readonly<ForestParams> = {
  numTrees: 200,
  maxDepth: -1,
  minSamplesLeaf: 1,
  maxFeatures: 'auto',
  bootstrap: true,
  maxSamples: 1,
  criterion: 'gini',
  maxLeaves: 0,
  maxBins: 255,
  minImpurityDecrease: 0,
};

export const EXTRA_TREES_DEFAULTS: Readonly<ForestParams> = { ...RANDOM_FOREST_DEFAULTS, bootstrap: false };

/** Random forest: bootstrap samples, best binned split among a random feature subset at each node. */
export const randomForestSpec = forestSpec('rf', 'Random forest on binned features (bootstrap, per-split feature sampling, out-of-bag score)', { ...RANDOM_FOREST_DEFAULTS }, 1.5);

/** Extra trees: whole training set per tree, one random threshold per candidate feature at each node. */
export const extraTreesSpec = forestSpec('extratrees', 'Extremely randomized trees on binned features (random thresholds, per-split feature sampling)', { ...EXTRA_TREES_DEFAULTS }, 1.2);
