import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows, sigmoid, softmaxRows } from '../../util/numeric.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { booleanAt, checkModelJSON, classesAt, field, formatError, numberArrayAt, numberAt, objectAt, stringAt, taskAt } from '../model-json.js';
import { DesignEncoder } from '../preprocess/design.js';
import { type DesignModelJSON, fitInput } from '../preprocess/fit-input.js';
import type { FeatureImportance, FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, LearnerTags, ModelJSON, Task } from '../types.js';
import { type LinearFit, fitLogistic, fitRidge, linearScores } from './solvers.js';

/**
 * `linear`: ridge regression (closed form) for regression, L2-regularised logistic / multinomial regression
 * (L-BFGS) for classification, over the shared design matrix (median imputation + missing indicators,
 * one-hot with a rare-level column, datetime components, standardisation), all fitted inside `fit`.
 */
export interface LinearParams {
  /**
   * Inverse L2 strength, scikit-learn's convention: the penalty ||b||^2 / (2C) is weighed against the *sum* of
   * per-row losses (half squared error for regression, so ridge alpha = 1 / C). Larger C = weaker penalty; the
   * penalty per row shrinks as data grows, which suits both tiny and large data with one default.
   */
  C: number;
  /** L-BFGS iteration limit (classification); the fidelity knob. */
  maxIterations: number;
  /** Gradient max-norm at which L-BFGS stops. */
  tolerance: number;
  /** A category level needs this many training rows for its own one-hot column; rarer ones share one. */
  minCategoryCount: number;
  /** At most this many one-hot columns per categorical feature (most frequent levels). */
  maxCategories: number;
}

const FORMAT_VERSION = 1;

const TAGS: LearnerTags = {
  family: 'linear',
  tasks: ['regression', 'binary', 'multiclass'],
  allowsMissing: true,
  handlesCategorical: true,
  requiresScaling: false,
  supportsSampleWeight: true,
  supportsEarlyStopping: false,
};

const DEFAULTS: LinearParams = { C: 1, maxIterations: 500, tolerance: 1e-6, minCategoryCount: 5, maxCategories: 100 };

const SEARCH_SPACE: Record<keyof LinearParams, HyperparameterSpec> = {
  C: { domain: { type: 'float', low: 1e-4, high: 1e4, log: true }, default: 1, cheap: 1 },
  maxIterations: { domain: { type: 'int', low: 20, high: 2000, log: true }, default: 500, cheap: 50 },
  tolerance: { domain: { type: 'float', low: 1e-8, high: 1e-3, log: true }, default: 1e-6, cheap: 1e-4 },
  minCategoryCount: { domain: { type: 'int', low: 1, high: 50, log: true }, default: 5, cheap: 5 },
  maxCategories: { domain: { type: 'int', low: 10, high: 500, log: true }, default: 100, cheap: 50 },
};

/** What each hyperparameter accepts at all (the search space above is only the tuning range). */
const CONSTRAINTS: ParamConstraints<LinearParams> = {
  // The penalty is 1 / (C sum w): C must stay clear of zero so that stays finite.
  C: { type: 'float', min: 1e-300 },
  maxIterations: { type: 'int', min: 1 },
  tolerance: { type: 'float', min: 0, minExclusive: true },
  minCategoryCount: { type: 'int', min: 1 },
  maxCategories: { type: 'int', min: 1 },
};

interface LinearModelJSON extends DesignModelJSON<LinearParams> {
  /** (design columns + 1) x outputs, row-major, last row the intercepts; on the standardised design. */
  readonly coefficients: readonly number[];
  readonly outputs: number;
  readonly training: { readonly iterations: number; readonly converged: boolean; readonly stopReason: string; readonly designColumns: readonly string[] };
}

export class LinearModel implements FittedModel {
  readonly kind = 'linear';
  readonly featureNames: readonly string[];

  constructor(
    readonly task: Task,
    readonly classes: readonly string[] | undefined,
    readonly params: LinearParams,
    readonly design: DesignEncoder,
    readonly fit: LinearFit,
  ) {
    this.featureNames = design.featureNames;
  }

  /** Raw linear scores n x outputs (regression: the prediction; binary: the logit of class 1). */
  private scores(data: Frame): Float64Array {
    return linearScores(this.design.transform(data), this.fit.coefficients, this.fit.outputs);
  }

  predict(data: Frame): Float64Array {
    if (this.task === 'regression') return this.scores(data);
    return Float64Array.from(argmaxRows(this.predictProba(data), this.classes!.length));
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this is a regression model');
    const s = this.scores(data);
    const n = data.numRows;
    if (this.fit.outputs === 1) {
      const out = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        const z = s[i];
        const p1 = sigmoid(z);
        out[2 * i] = 1 - p1;
        out[2 * i + 1] = p1;
      }
      return out;
    }
    const k = this.fit.outputs;
    return softmaxRows(s, k);
  }

  /** |coefficient| mass per input feature, summed over its design columns and the outputs (standardised scale). */
  featureImportance(): FeatureImportance {
    const gain = new Float64Array(this.featureNames.length);
    const owner = this.design.columnFeature;
    const k = this.fit.outputs;
    for (let j = 0; j < owner.length; j++) {
      for (let c = 0; c < k; c++) gain[owner[j]] += Math.abs(this.fit.coefficients[j * k + c]);
    }
    return { names: this.featureNames, gain, split: new Float64Array(this.featureNames.length) };
  }

  toJSON(): LinearModelJSON {
    return {
      format: 'tabpilot-model',
      formatVersion: FORMAT_VERSION,
      kind: 'linear',
      task: this.task,
      ...(this.classes ? { classes: this.classes } : {}),
      featureNames: this.featureNames,
      params: this.params,
      preprocessing: this.design.toJSON(),
      coefficients: Array.from(this.fit.coefficients),
      outputs: this.fit.outputs,
      training: { iterations: this.fit.iterations, converged: this.fit.converged, stopReason: this.fit.stopReason, designColumns: this.design.columnNames },
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): LinearModel {
    const j = checkModelJSON(json, 'linear', FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const design = DesignEncoder.fromJSON(field(j, 'preprocessing'), `${path}.preprocessing`);
    const outputs = task === 'multiclass' ? classes!.length : 1;
    if (field(j, 'outputs') !== outputs) throw formatError(`${path}.outputs`, `expected ${outputs} for a ${task} model, got ${JSON.stringify(field(j, 'outputs'))}`);
    const coefficients = numberArrayAt(field(j, 'coefficients'), `${path}.coefficients`, (design.width + 1) * outputs);
    const params = field(j, 'params');
    const training = field(j, 'training');
    const t = training === undefined ? {} : objectAt(training, `${path}.training`);
    const fit: LinearFit = {
      coefficients,
      outputs,
      iterations: field(t, 'iterations') === undefined ? 0 : numberAt(field(t, 'iterations'), `${path}.training.iterations`, { integer: true, min: 0 }),
      converged: field(t, 'converged') === undefined ? true : booleanAt(field(t, 'converged'), `${path}.training.converged`),
      stopReason: field(t, 'stopReason') === undefined ? 'loaded' : stringAt(field(t, 'stopReason'), `${path}.training.stopReason`),
    };
    return new LinearModel(task, classes, { ...DEFAULTS, ...(params === undefined ? {} : objectAt(params, `${path}.params`)) }, design, fit);
  }
}

class LinearLearner implements Learner<LinearParams> {
  readonly kind = 'linear';
  readonly tags = TAGS;
  constructor(readonly params: Readonly<LinearParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const { data: fitRows, encoded, n, weights, design } = fitInput('linear', data, target, ctx, this.params);
    const train = { data: fitRows };
    const X = design.transform(train.data);
    let weightSum = 0;
    for (let i = 0; i < n; i++) weightSum += weights[i];
    // The solvers minimise the weighted *mean* loss + l2/2 ||b||^2; C is against the sum, so l2 = 1 / (C sum w).
    const l2 = 1 / (this.params.C * weightSum);
    let fit: LinearFit;
    if (ctx.task === 'regression') {
      fit = fitRidge(X, encoded.y, weights, l2);
      ctx.onProgress?.({ iteration: 1, total: 1 });
    } else {
      fit = fitLogistic(X, encoded.classIndex!, encoded.classes!.length, weights, {
        l2,
        maxIterations: this.params.maxIterations,
        tolerance: this.params.tolerance,
        deadline: ctx.deadline,
        onIteration: ctx.onProgress ? (iteration) => ctx.onProgress!({ iteration, total: this.params.maxIterations }) : undefined,
      });
    }
    for (const v of fit.coefficients) {
      if (!Number.isFinite(v)) throw new TabpilotError('INTERNAL', 'linear: the solver produced non-finite coefficients (try a smaller C)');
    }
    return new LinearModel(ctx.task, encoded.classes, { ...this.params }, design, fit);
  }
}

export const linearSpec: LearnerSpec<LinearParams> = {
  kind: 'linear',
  description: 'Ridge regression / L2 logistic and multinomial regression with imputation, one-hot and standardisation',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  relativeCost: 0.1,
  fidelityParam: 'maxIterations',
  costPerClass: true,
  create(params?: Partial<LinearParams>): Learner<LinearParams> {
    return new LinearLearner(resolveParams('linear', DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return LinearModel.fromJSON(json, path);
  },
};
