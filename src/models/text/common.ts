import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows } from '../../util/numeric.js';
import type { ParamConstraints } from '../hyperparams.js';
import { classesAt, field, stringArrayAt, taskAt } from '../model-json.js';
import { type EncodedTarget, effectiveWeights, encodeTarget, requireFeatures } from '../preprocess/index.js';
import type { FeatureImportance, FitContext, HyperparameterSpec, LearnerTags, ModelJSON, Task } from '../types.js';
import { type Csr, MAX_WORD_NGRAMS, TfidfVectorizer, documents } from './tfidf.js';

/**
 * What the text learners share: the tokenization hyperparameters, the tags that keep them out of tabular jobs
 * (and tabular learners out of text jobs), and the fit preamble (target, weights, a TF-IDF vocabulary fitted on
 * the training rows only). A text model's features are the raw text column(s): every feature column of the
 * frame, one document per row, so Pipeline, predict and serve take raw text with no special path.
 */
export interface TokenParams {
  /** Longest word n-gram (1 = unigrams, 2 = with bigrams). */
  wordNgrams: number;
  /** Add character 3- to 5-grams inside word boundaries (robust to spelling and morphology, slower). */
  charNgrams: boolean;
  /** A term must occur in at least this many training documents. */
  minDf: number;
  /** At most this many terms in the vocabulary. */
  maxFeatures: number;
  /** Term frequency 1 + ln(count). */
  sublinearTf: boolean;
}

/** Character n-gram lengths used when `charNgrams` is on (scikit-learn char_wb's usual 3..5). */
export const CHAR_NGRAM_RANGE: readonly [number, number] = [3, 5];

export const TOKEN_DEFAULTS: TokenParams = { wordNgrams: 2, charNgrams: false, minDf: 2, maxFeatures: 100_000, sublinearTf: true };

export const TOKEN_SEARCH_SPACE: Record<keyof TokenParams, HyperparameterSpec> = {
  wordNgrams: { domain: { type: 'choice', values: [1, 2] }, default: 2, cheap: 1 },
  charNgrams: { domain: { type: 'choice', values: [false, true] }, default: false, cheap: false },
  minDf: { domain: { type: 'int', low: 1, high: 5 }, default: 2, cheap: 2 },
  maxFeatures: { domain: { type: 'int', low: 5_000, high: 200_000, log: true }, default: 100_000, cheap: 20_000 },
  sublinearTf: { domain: { type: 'choice', values: [true, false] }, default: true, cheap: true },
};

export const TOKEN_CONSTRAINTS: ParamConstraints<TokenParams> = {
  wordNgrams: { type: 'int', min: 1, max: MAX_WORD_NGRAMS },
  charNgrams: { type: 'boolean' },
  minDf: { type: 'int', min: 1 },
  maxFeatures: { type: 'int', min: 1 },
  sublinearTf: { type: 'boolean' },
};

/** Tags of a text learner: classification only, fed raw text (input 'text'). */
export function textTags(family: LearnerTags['family']): LearnerTags {
  return {
    family,
    tasks: ['binary', 'multiclass'],
    allowsMissing: true,
    handlesCategorical: true,
    requiresScaling: false,
    supportsSampleWeight: true,
    supportsEarlyStopping: false,
    input: 'text',
  };
}

/** The training state every text learner starts from. */
export interface TextTraining {
  readonly featureNames: string[];
  readonly vectorizer: TfidfVectorizer;
  /** TF-IDF rows of the training rows, in ctx.rows order. */
  readonly X: Csr;
  readonly encoded: EncodedTarget;
  readonly classIndex: Int32Array;
  readonly k: number;
  readonly weights: Float64Array;
}

/** Checks the task, finds the text columns and encodes the target and weights of the training rows. */
export function startTextTarget(kind: string, data: Frame, target: Column, ctx: FitContext): { featureNames: string[]; encoded: EncodedTarget; weights: Float64Array } {
  if (ctx.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', `${kind}: text learners are classifiers; regression is not supported`);
  const featureNames = data.columnNames.filter((n) => n !== target.name);
  if (featureNames.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `${kind}: no text column to train on`);
  const encoded = encodeTarget(target, ctx.task, ctx.classes, ctx.rows);
  const n = encoded.y.length;
  if (n === 0) throw new TabpilotError('INVALID_ARGUMENT', `${kind}: no training rows`);
  return { featureNames, encoded, weights: effectiveWeights(n, ctx, encoded) };
}

/** Checks the task, encodes the target of the training rows and fits the vocabulary on those rows alone. */
export function startTextFit(kind: string, data: Frame, target: Column, ctx: FitContext, p: TokenParams): TextTraining {
  const { featureNames, encoded, weights } = startTextTarget(kind, data, target, ctx);
  const docs = documents(data, featureNames, ctx.rows);
  const { vectorizer, X } = TfidfVectorizer.fitTransform(docs, {
    wordNgrams: p.wordNgrams,
    charNgrams: p.charNgrams ? CHAR_NGRAM_RANGE : null,
    minDf: p.minDf,
    maxFeatures: p.maxFeatures,
    sublinearTf: p.sublinearTf,
  });
  if (vectorizer.numTerms === 0) throw new TabpilotError('INVALID_ARGUMENT', `${kind}: no term occurs in ${p.minDf} or more training documents; lower minDf`);
  return { featureNames, vectorizer, X, encoded, classIndex: encoded.classIndex!, k: encoded.classes!.length, weights };
}

/** Envelope fields every text model's JSON has besides its own state. */
export interface TextModelBase {
  readonly task: Task;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly vectorizer: TfidfVectorizer;
}

/** Reads task, classes, featureNames and the vectorizer from a text model's JSON. */
export function textBaseFromJSON(j: Record<string, unknown>, path: string): TextModelBase {
  const task = taskAt(field(j, 'task'), `${path}.task`);
  if (task === 'regression') throw new TabpilotError('MODEL_FORMAT', `${path}.task: a text model is a classifier, got "regression"`);
  return {
    task,
    classes: classesAt(field(j, 'classes'), `${path}.classes`, task)!,
    featureNames: stringArrayAt(field(j, 'featureNames'), `${path}.featureNames`),
    vectorizer: TfidfVectorizer.fromJSON(field(j, 'tfidf'), `${path}.tfidf`),
  };
}

/** Shared behaviour of the fitted text models: TF-IDF of the raw columns, class scores, argmax. */
export abstract class TextModel {
  abstract readonly kind: string;
  readonly task: Task;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly vectorizer: TfidfVectorizer;

  constructor(base: TextModelBase) {
    this.task = base.task;
    this.classes = base.classes;
    this.featureNames = base.featureNames;
    this.vectorizer = base.vectorizer;
  }

  /** Row-major n x classes probabilities from the TF-IDF rows. */
  protected abstract probaOf(X: Csr): Float64Array;

  /** Per class, the terms that push a document toward it most, strongest first. */
  abstract topTerms(perClass: number): Record<string, string[]>;

  /** The TF-IDF rows of `data` (its feature columns must all be present). */
  vectorize(data: Frame): Csr {
    requireFeatures(data, this.featureNames);
    return this.vectorizer.transform(documents(data, this.featureNames));
  }

  predictProba(data: Frame): Float64Array {
    return this.probaOf(this.vectorize(data));
  }

  predict(data: Frame): Float64Array {
    return Float64Array.from(argmaxRows(this.predictProba(data), this.classes.length));
  }

  /** Every text column is read as one document, so each gets an equal share. */
  featureImportance(): FeatureImportance {
    const m = this.featureNames.length;
    return { names: this.featureNames, gain: new Float64Array(m).fill(1 / m), split: new Float64Array(m) };
  }

  protected envelope(formatVersion: number): ModelJSON & TextModelJSONBase {
    return {
      format: 'tabpilot-model',
      formatVersion,
      kind: this.kind,
      task: this.task,
      classes: this.classes,
      featureNames: this.featureNames,
      tfidf: this.vectorizer.toJSON(),
    };
  }
}

interface TextModelJSONBase {
  readonly task: Task;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly tfidf: ReturnType<TfidfVectorizer['toJSON']>;
}

/** The `n` largest entries of `score` (by index), largest first, ties by index. */
export function topIndices(score: ArrayLike<number>, n: number): number[] {
  const idx = Array.from({ length: score.length }, (_, j) => j);
  return idx.sort((a, b) => score[b] - score[a] || a - b).slice(0, n);
}
