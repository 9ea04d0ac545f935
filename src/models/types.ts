import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { Random } from '../util/random.js';
import type { FlatTree } from './tree/tree.js';

/** The three supervised problem types (Autopilot's Regression, BinaryClassification, MulticlassClassification). */
import type { Task } from '../metrics/task.js';
export type { Task };

export interface ProgressEvent {
  readonly iteration: number;
  readonly total: number;
  /** Validation metric at this iteration, when a validation set is given. */
  readonly metric?: number;
}

/** Everything about one fit that is not a hyperparameter. */
export interface FitContext {
  readonly task: Task;
  /** The seeded generator every random choice of this fit draws from. */
  readonly rng: Random;
  /** Epoch milliseconds after which the learner stops adding work and returns what it has. */
  readonly deadline?: number;
  /** One weight per row of the training data (after `rows` selection: indexed like `rows`, or like the frame when no `rows`). */
  readonly sampleWeight?: Float64Array;
  /** 'balanced' reweights classes to n / (k * count_k), multiplied into sampleWeight. */
  readonly classWeight?: 'balanced' | Readonly<Record<string, number>>;
  /**
   * Class labels in the order the model must use for probabilities. When absent the learner uses the sorted
   * distinct labels of the target. A target label not in this list is an error.
   */
  readonly classes?: readonly string[];
  /** Train on these rows of `data`/`target` only (cross-validation folds without copying the frame). */
  readonly rows?: Int32Array;
  /** Validation data for early stopping. */
  readonly validation?: { readonly data: Frame; readonly target: Column; readonly rows?: Int32Array };
  /**
   * Pre-binned features of `data` (all rows), built once and shared (for example in SharedArrayBuffers by the
   * AutoML search). Tree learners use it instead of binning again. Shape is defined in models/tree/binning.ts.
   */
  readonly binned?: unknown;
  readonly onProgress?: (e: ProgressEvent) => void;
}

/** What a learner accepts, so generic code (search, tests) can treat every learner the same way. */
export interface LearnerTags {
  readonly family: 'tree' | 'linear' | 'nn' | 'neighbors' | 'ensemble';
  readonly tasks: readonly Task[];
  readonly allowsMissing: boolean;
  readonly handlesCategorical: boolean;
  readonly requiresScaling: boolean;
  readonly supportsSampleWeight: boolean;
  readonly supportsEarlyStopping: boolean;
  /**
   * 'text': the learner reads raw text columns itself (TF-IDF fitted inside `fit`); only text jobs use it and no
   * featurizer runs before it. Absent: a tabular learner.
   */
  readonly input?: 'text';
}

export interface FeatureImportance {
  readonly names: readonly string[];
  /** Total loss reduction from splits on each feature (or |coefficient| mass for linear models). */
  readonly gain: Float64Array;
  /** Number of splits on each feature (zeros where not meaningful). */
  readonly split: Float64Array;
}

/** Serialised model: plain JSON data, never code. */
export interface ModelJSON {
  readonly format: 'tabpilot-model';
  readonly formatVersion: number;
  readonly kind: string;
  readonly [key: string]: unknown;
}

/**
 * The `treeEnsemble` capability of tree models (exact TreeSHAP reads it): the flattened trees and how their
 * outputs add up to the model's raw output, `bias + scale * sum of tree outputs` (tree t adds into output
 * `channel[t]` when its trees are single-output but the model has several outputs).
 */
export interface TreeEnsembleView {
  readonly features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical'; readonly dictionary?: readonly string[] }[];
  readonly trees: readonly FlatTree[];
  /** Outputs of the raw output per row. */
  readonly dim: number;
  readonly bias: Float64Array;
  readonly scale: number;
  readonly channel?: Int32Array;
  /** What the raw output is: a booster's raw score (log-odds, logits, value) or a forest's averaged leaf values. */
  readonly output: 'raw-score' | 'average';
}

/** A fitted model: read-only learned state. */
export interface FittedModel {
  readonly kind: string;
  readonly task: Task;
  /** Class labels, in the column order of predictProba. Undefined for regression. */
  readonly classes?: readonly string[];
  /** Feature columns the model reads, by name (any order in the input frame; extra columns are ignored). */
  readonly featureNames: readonly string[];
  /** Regression: predicted values. Classification: index into `classes` of the predicted class. */
  predict(data: Frame): Float64Array;
  /** Classification only: row-major n x classes.length probabilities. */
  predictProba(data: Frame): Float64Array;
  featureImportance(): FeatureImportance;
  toJSON(): ModelJSON;
  /** Tree models only: the trees as TreeSHAP reads them (see TreeEnsembleView). */
  treeEnsemble?(): TreeEnsembleView;
}

export type HyperValue = number | string | boolean;

export type Domain =
  | { readonly type: 'int'; readonly low: number; readonly high: number; readonly log?: boolean }
  | { readonly type: 'float'; readonly low: number; readonly high: number; readonly log?: boolean }
  | { readonly type: 'choice'; readonly values: readonly HyperValue[] };

export interface HyperparameterSpec {
  readonly domain: Domain;
  /** The value used when the user gives none: a strong default. */
  readonly default: HyperValue;
  /** A cheap starting value for cost-frugal search (e.g. few rounds). */
  readonly cheap: HyperValue;
}

/** A learner: explicit hyperparameters in, fitted model out. */
export interface Learner<P extends object = Record<string, HyperValue>> {
  readonly kind: string;
  readonly params: Readonly<P>;
  readonly tags: LearnerTags;
  fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel>;
}

/** Everything generic code needs to create, search, and load one kind of learner. */
export interface LearnerSpec<P extends object = Record<string, HyperValue>> {
  readonly kind: string;
  readonly description: string;
  readonly tags: LearnerTags;
  readonly defaults: Readonly<P>;
  readonly searchSpace: Readonly<Record<string, HyperparameterSpec>>;
  /** Cost of one fit with default params relative to a default GBDT (1.0). */
  readonly relativeCost: number;
  /** The hyperparameter that controls training length (rounds, trees, epochs) for multi-fidelity search. */
  readonly fidelityParam?: string;
  /** Fit cost grows with the number of classes (one tree per class per round, one weight vector per class). */
  readonly costPerClass?: boolean;
  /**
   * How many times slower than relativeCost says a fit runs in this installation (default 1): the MLP without its
   * optional wasm backend. Autopilot's portfolio prices the learner's entries with it.
   */
  costFactor?(): number;
  /** Validates and fills defaults; throws TabpilotError('INVALID_ARGUMENT') naming the bad hyperparameter. */
  create(params?: Partial<P>): Learner<P>;
  /**
   * Rebuilds a fitted model from its JSON, checking every field; throws MODEL_FORMAT naming the bad field by its
   * path (`path` is where the model sits in model.json, 'model' by default).
   */
  fromJSON(json: ModelJSON, path?: string): FittedModel;
}
