import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { sigmoid, softmaxRows } from '../../util/numeric.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { minimizeLbfgs } from '../linear/lbfgs.js';
import { checkModelJSON, field, formatError, numberArrayAt, objectAt } from '../model-json.js';
import type { FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, ModelJSON } from '../types.js';
import { TOKEN_CONSTRAINTS, TOKEN_DEFAULTS, TOKEN_SEARCH_SPACE, type TextModelBase, TextModel, type TokenParams, startTextFit, textBaseFromJSON, textTags, topIndices } from './common.js';
import type { Csr } from './tfidf.js';

/**
 * `text-linear`: L2-regularised logistic (binary) or multinomial regression on sparse TF-IDF rows, minimised by
 * the linear learner's L-BFGS with a sparse objective (cost per iteration: non-zeros x outputs). C follows
 * scikit-learn's convention (penalty ||w||^2 / (2C) against the summed row losses); intercepts are unpenalised.
 */
export interface TextLinearParams extends TokenParams {
  C: number;
  maxIterations: number;
  tolerance: number;
}

const KIND = 'text-linear';
const FORMAT_VERSION = 1;
const TAGS = textTags('linear');
const DEFAULTS: TextLinearParams = { ...TOKEN_DEFAULTS, wordNgrams: 1, C: 10, maxIterations: 300, tolerance: 1e-4 };
const SEARCH_SPACE: Record<keyof TextLinearParams, HyperparameterSpec> = {
  ...TOKEN_SEARCH_SPACE,
  // Unigrams by default: as accurate as bigrams on the spam benchmark at a third of the time (bench/suites/text.ts).
  wordNgrams: { domain: { type: 'choice', values: [1, 2] }, default: 1, cheap: 1 },
  C: { domain: { type: 'float', low: 0.1, high: 1000, log: true }, default: 10, cheap: 10 },
  maxIterations: { domain: { type: 'int', low: 20, high: 1000, log: true }, default: 300, cheap: 50 },
  tolerance: { domain: { type: 'float', low: 1e-7, high: 1e-3, log: true }, default: 1e-4, cheap: 1e-3 },
};
const CONSTRAINTS: ParamConstraints<TextLinearParams> = {
  ...TOKEN_CONSTRAINTS,
  C: { type: 'float', min: 1e-300 },
  maxIterations: { type: 'int', min: 1 },
  tolerance: { type: 'float', min: 0, minExclusive: true },
};
/** Floor of a class's prior share when starting the intercepts from the log priors. */
const MIN_PRIOR = 1e-12;

/** Raw scores n x outputs: X W + b, with W (numTerms x outputs, row-major) followed by the intercepts. */
function sparseScores(X: Csr, coef: Float64Array, outputs: number, out = new Float64Array(X.numRows * outputs)): Float64Array {
  const bias = X.numCols * outputs;
  const { indptr, indices, values } = X;
  for (let i = 0; i < X.numRows; i++) {
    if (outputs === 1) {
      // Binary: one weight per term, no inner class loop.
      let s = coef[bias];
      for (let p = indptr[i]; p < indptr[i + 1]; p++) s += values[p] * coef[indices[p]];
      out[i] = s;
      continue;
    }
    for (let c = 0; c < outputs; c++) out[i * outputs + c] = coef[bias + c];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const v = X.values[p];
      const at = X.indices[p] * outputs;
      for (let c = 0; c < outputs; c++) out[i * outputs + c] += v * coef[at + c];
    }
  }
  return out;
}

/**
 * Binary: sum_i w_i CE_i, with its gradient (divided by sum w) added into `grad`, in one pass over each row (its
 * entries are still in cache for the gradient); the same arithmetic, in the same order, as scores then gradient.
 */
function binaryLossAndGradient(X: Csr, y: Int32Array, w: Float64Array, wsum: number, coef: Float64Array, grad: Float64Array): number {
  const { indptr, indices, values } = X;
  const bias = X.numCols;
  let loss = 0;
  for (let i = 0; i < X.numRows; i++) {
    const start = indptr[i];
    const end = indptr[i + 1];
    let zi = coef[bias];
    for (let p = start; p < end; p++) zi += values[p] * coef[indices[p]];
    const softplus = zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi));
    loss += w[i] * (softplus - (y[i] === 1 ? zi : 0));
    const r = (w[i] * (sigmoid(zi) - y[i])) / wsum;
    grad[bias] += r;
    for (let p = start; p < end; p++) grad[indices[p]] += values[p] * r;
  }
  return loss;
}

/** f = sum_i w_i CE_i / sum w + l2/2 ||W||^2 and its gradient, on sparse rows. */
function sparseObjective(X: Csr, y: Int32Array, k: number, w: Float64Array, wsum: number, l2: number) {
  const outputs = k === 2 ? 1 : k;
  const d = X.numCols;
  // Buffers reused by every evaluation (L-BFGS calls this dozens of times).
  const z = outputs === 1 ? new Float64Array(0) : new Float64Array(X.numRows * outputs);
  const r = new Float64Array(outputs);
  return (coef: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    if (outputs === 1) loss = binaryLossAndGradient(X, y, w, wsum, coef, grad);
    else {
      sparseScores(X, coef, outputs, z);
      for (let i = 0; i < X.numRows; i++) {
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, z[i * k + c]);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(z[i * k + c] - max);
        loss += w[i] * (max + Math.log(sum) - z[i * k + y[i]]);
        for (let c = 0; c < k; c++) r[c] = (w[i] * (Math.exp(z[i * k + c] - max) / sum - (c === y[i] ? 1 : 0))) / wsum;
        for (let c = 0; c < k; c++) grad[d * k + c] += r[c];
        for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
          const v = X.values[p];
          const at = X.indices[p] * k;
          for (let c = 0; c < k; c++) grad[at + c] += v * r[c];
        }
      }
    }
    let penalty = 0;
    for (let j = 0; j < d * outputs; j++) {
      penalty += coef[j] * coef[j];
      grad[j] += l2 * coef[j];
    }
    return loss / wsum + 0.5 * l2 * penalty;
  };
}

export class TextLinearModel extends TextModel implements FittedModel {
  readonly kind = KIND;

  constructor(
    base: TextModelBase,
    readonly params: TextLinearParams,
    readonly coefficients: Float64Array,
    readonly training: { readonly iterations: number; readonly stopReason: string },
  ) {
    super(base);
  }

  get outputs(): number {
    return this.classes.length === 2 ? 1 : this.classes.length;
  }

  protected probaOf(X: Csr): Float64Array {
    const s = sparseScores(X, this.coefficients, this.outputs);
    if (this.outputs > 1) return softmaxRows(s, this.outputs);
    const out = new Float64Array(X.numRows * 2);
    for (let i = 0; i < X.numRows; i++) {
      out[2 * i + 1] = sigmoid(s[i]);
      out[2 * i] = 1 - out[2 * i + 1];
    }
    return out;
  }

  topTerms(perClass: number): Record<string, string[]> {
    const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    const d = this.vectorizer.numTerms;
    const o = this.outputs;
    this.classes.forEach((label, c) => {
      // Binary: one weight vector for class 1; class 0's terms are its most negative weights.
      const score = o === 1 ? Float64Array.from({ length: d }, (_, j) => (c === 1 ? 1 : -1) * this.coefficients[j]) : Float64Array.from({ length: d }, (_, j) => this.coefficients[j * o + c]);
      out[label] = topIndices(score, perClass).map((j) => this.vectorizer.terms[j]);
    });
    return out;
  }

  toJSON(): ModelJSON {
    return { ...this.envelope(FORMAT_VERSION), params: this.params, coefficients: Array.from(this.coefficients), training: this.training };
  }

  static fromJSON(json: ModelJSON, path = 'model'): TextLinearModel {
    const j = checkModelJSON(json, KIND, FORMAT_VERSION, path);
    const base = textBaseFromJSON(j, path);
    const outputs = base.classes.length === 2 ? 1 : base.classes.length;
    const coefficients = numberArrayAt(field(j, 'coefficients'), `${path}.coefficients`, (base.vectorizer.numTerms + 1) * outputs);
    const params = resolveParams(KIND, DEFAULTS, CONSTRAINTS, objectAt(field(j, 'params'), `${path}.params`));
    const t = objectAt(field(j, 'training'), `${path}.training`);
    const iterations = field(t, 'iterations');
    const stopReason = field(t, 'stopReason');
    if (typeof iterations !== 'number' || typeof stopReason !== 'string') throw formatError(`${path}.training`, 'expected { iterations: number, stopReason: string }');
    return new TextLinearModel(base, params, coefficients, { iterations, stopReason });
  }
}

class TextLinearLearner implements Learner<TextLinearParams> {
  readonly kind = KIND;
  readonly tags = TAGS;
  constructor(readonly params: Readonly<TextLinearParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const t = startTextFit(KIND, data, target, ctx, this.params);
    const { X, classIndex, k, weights } = t;
    const outputs = k === 2 ? 1 : k;
    let wsum = 0;
    const prior = new Float64Array(k);
    for (let i = 0; i < X.numRows; i++) {
      wsum += weights[i];
      prior[classIndex[i]] += weights[i];
    }
    const x0 = new Float64Array((X.numCols + 1) * outputs);
    const bias = X.numCols * outputs;
    if (outputs === 1) x0[bias] = Math.log(Math.max(prior[1], MIN_PRIOR) / Math.max(prior[0], MIN_PRIOR));
    else for (let c = 0; c < k; c++) x0[bias + c] = Math.log(Math.max(prior[c], MIN_PRIOR) / wsum);
    const l2 = 1 / (this.params.C * wsum);
    const result = minimizeLbfgs(sparseObjective(X, classIndex, k, weights, wsum, l2), x0, {
      maxIterations: this.params.maxIterations,
      gradientTolerance: this.params.tolerance,
      // As the dense solver: stop on stagnation only at round-off level; the gradient test decides.
      relativeTolerance: 64 * Number.EPSILON,
      deadline: ctx.deadline,
      onIteration: ctx.onProgress ? (iteration) => ctx.onProgress!({ iteration, total: this.params.maxIterations }) : undefined,
    });
    for (const v of result.x) if (!Number.isFinite(v)) throw new TabpilotError('INTERNAL', `${KIND}: the solver produced non-finite coefficients (try a smaller C)`);
    const base = { task: ctx.task, classes: t.encoded.classes!, featureNames: t.featureNames, vectorizer: t.vectorizer };
    return new TextLinearModel(base, { ...this.params }, result.x, { iterations: result.iterations, stopReason: result.reason });
  }
}

export const textLinearSpec: LearnerSpec<TextLinearParams> = {
  kind: KIND,
  description: 'Text: L2 logistic / multinomial regression on a per-fold TF-IDF vocabulary (word n-grams, optional character n-grams)',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  relativeCost: 0.3,
  fidelityParam: 'maxIterations',
  costPerClass: true,
  create(params?: Partial<TextLinearParams>): Learner<TextLinearParams> {
    return new TextLinearLearner(resolveParams(KIND, DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return TextLinearModel.fromJSON(json, path);
  },
};
