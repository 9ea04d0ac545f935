import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { softmaxRows } from '../../util/numeric.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { checkModelJSON, field, numberArrayAt, numberAt, objectAt } from '../model-json.js';
import type { FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, ModelJSON } from '../types.js';
import { TOKEN_CONSTRAINTS, TOKEN_DEFAULTS, TOKEN_SEARCH_SPACE, type TextModelBase, TextModel, type TokenParams, startTextFit, textBaseFromJSON, textTags, topIndices } from './common.js';
import type { Csr } from './tfidf.js';

/**
 * `text-nb`: complement naive Bayes (Rennie et al. 2003; scikit-learn's ComplementNB with norm=False) on TF-IDF
 * rows. Class c's weight of term j is -ln((alpha + mass of j outside c) / sum over terms of the same), so a term
 * common in the other classes counts against c. The joint scores are turned into probabilities by a softmax at
 * one temperature fitted on the training rows (minimum log loss), since raw CNB scores are not calibrated.
 */
export interface TextNbParams extends TokenParams {
  /** Additive (Laplace/Lidstone) smoothing of the complement term counts. */
  alpha: number;
}

const KIND = 'text-nb';
const FORMAT_VERSION = 1;
const TAGS = textTags('linear');
const DEFAULTS: TextNbParams = { ...TOKEN_DEFAULTS, alpha: 0.3 };
const SEARCH_SPACE: Record<keyof TextNbParams, HyperparameterSpec> = {
  ...TOKEN_SEARCH_SPACE,
  alpha: { domain: { type: 'float', low: 0.01, high: 3, log: true }, default: 0.3, cheap: 1 },
};
const CONSTRAINTS: ParamConstraints<TextNbParams> = { ...TOKEN_CONSTRAINTS, alpha: { type: 'float', min: 0, minExclusive: true } };
/** Newton steps of the one-parameter temperature fit (the log loss is convex in the scale). */
const TEMPERATURE_STEPS = 30;
/** Scale range the temperature fit stays in (a scale of 0 would predict the uniform distribution). */
const MIN_SCALE = 1e-3;
const MAX_SCALE = 1e4;

/** Joint class scores n x k: X W^T with W (k x terms, row-major). */
function jointScores(X: Csr, weights: Float64Array, k: number): Float64Array {
  const d = X.numCols;
  const out = new Float64Array(X.numRows * k);
  for (let i = 0; i < X.numRows; i++) {
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
      const j = X.indices[p];
      const v = X.values[p];
      for (let c = 0; c < k; c++) out[i * k + c] += v * weights[c * d + j];
    }
  }
  return out;
}

/** Complement weights k x d from per-class term mass (weighted sums of the TF-IDF values). */
export function complementWeights(classMass: Float64Array, k: number, d: number, alpha: number): Float64Array {
  const all = new Float64Array(d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) all[j] += classMass[c * d + j];
  const w = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    let total = 0;
    for (let j = 0; j < d; j++) total += all[j] - classMass[c * d + j] + alpha;
    for (let j = 0; j < d; j++) w[c * d + j] = -Math.log((all[j] - classMass[c * d + j] + alpha) / total);
  }
  return w;
}

/** The softmax scale s minimising the weighted log loss of softmax(s * scores) (Newton on a convex 1-D loss). */
function fitScale(scores: Float64Array, k: number, y: Int32Array, w: Float64Array): number {
  let s = 1;
  const n = y.length;
  const p = new Float64Array(k);
  for (let step = 0; step < TEMPERATURE_STEPS; step++) {
    let g = 0;
    let h = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, s * scores[i * k + c]);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += (p[c] = Math.exp(s * scores[i * k + c] - max));
      let mean = 0;
      let second = 0;
      for (let c = 0; c < k; c++) {
        p[c] /= sum;
        mean += p[c] * scores[i * k + c];
        second += p[c] * scores[i * k + c] ** 2;
      }
      g += w[i] * (mean - scores[i * k + y[i]]);
      h += w[i] * (second - mean * mean);
    }
    if (!(h > 0)) break;
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, s - g / h));
    if (Math.abs(next - s) < 1e-9 * s) return next;
    s = next;
  }
  return s;
}

export class TextNbModel extends TextModel implements FittedModel {
  readonly kind = KIND;

  constructor(
    base: TextModelBase,
    readonly params: TextNbParams,
    /** k x terms complement weights. */
    readonly weights: Float64Array,
    /** Softmax scale of the joint scores. */
    readonly scale: number,
  ) {
    super(base);
  }

  protected probaOf(X: Csr): Float64Array {
    const k = this.classes.length;
    const s = jointScores(X, this.weights, k);
    for (let i = 0; i < s.length; i++) s[i] *= this.scale;
    return softmaxRows(s, k);
  }

  topTerms(perClass: number): Record<string, string[]> {
    const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    const d = this.vectorizer.numTerms;
    const k = this.classes.length;
    this.classes.forEach((label, c) => {
      // A term speaks for c by how much more its weight for c is than its mean weight over the classes.
      const score = Float64Array.from({ length: d }, (_, j) => {
        let mean = 0;
        for (let q = 0; q < k; q++) mean += this.weights[q * d + j] / k;
        return this.weights[c * d + j] - mean;
      });
      out[label] = topIndices(score, perClass).map((j) => this.vectorizer.terms[j]);
    });
    return out;
  }

  toJSON(): ModelJSON {
    return { ...this.envelope(FORMAT_VERSION), params: this.params, weights: Array.from(this.weights), scale: this.scale };
  }

  static fromJSON(json: ModelJSON, path = 'model'): TextNbModel {
    const j = checkModelJSON(json, KIND, FORMAT_VERSION, path);
    const base = textBaseFromJSON(j, path);
    const weights = numberArrayAt(field(j, 'weights'), `${path}.weights`, base.classes.length * base.vectorizer.numTerms);
    const scale = numberAt(field(j, 'scale'), `${path}.scale`, { min: 0 });
    const params = resolveParams(KIND, DEFAULTS, CONSTRAINTS, objectAt(field(j, 'params'), `${path}.params`));
    return new TextNbModel(base, params, weights, scale);
  }
}

class TextNbLearner implements Learner<TextNbParams> {
  readonly kind = KIND;
  readonly tags = TAGS;
  constructor(readonly params: Readonly<TextNbParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const t = startTextFit(KIND, data, target, ctx, this.params);
    const { X, classIndex, k, weights } = t;
    const d = X.numCols;
    const mass = new Float64Array(k * d);
    for (let i = 0; i < X.numRows; i++) {
      const c = classIndex[i];
      for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) mass[c * d + X.indices[p]] += weights[i] * X.values[p];
    }
    const w = complementWeights(mass, k, d, this.params.alpha);
    const scale = fitScale(jointScores(X, w, k), k, classIndex, weights);
    ctx.onProgress?.({ iteration: 1, total: 1 });
    const base = { task: ctx.task, classes: t.encoded.classes!, featureNames: t.featureNames, vectorizer: t.vectorizer };
    return new TextNbModel(base, { ...this.params }, w, scale);
  }
}

export const textNbSpec: LearnerSpec<TextNbParams> = {
  kind: KIND,
  description: 'Text: complement naive Bayes on a per-fold TF-IDF vocabulary, softmax temperature fitted on the training rows',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  relativeCost: 0.1,
  create(params?: Partial<TextNbParams>): Learner<TextNbParams> {
    return new TextNbLearner(resolveParams(KIND, DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return TextNbModel.fromJSON(json, path);
  },
};
