import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows, softmaxInto } from '../../util/numeric.js';
import type { Random } from '../../util/random.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { type DenseLayer, decodeFloat32, encodeFloat32, layerFromJSON, layerToJSON } from '../mlp/network.js';
import { arrayAt, checkModelJSON, classesAt, field, formatError, numberArrayAt, numberAt, objectAt, oneOfAt, stringArrayAt, stringAt, taskAt } from '../model-json.js';
import { requireFeatures } from '../preprocess/index.js';
import type { FeatureImportance, FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, ModelJSON, Task } from '../types.js';
import { TOKEN_CONSTRAINTS, TOKEN_SEARCH_SPACE, startTextTarget, textTags } from './common.js';
import { IntList, WordInterner, wordHash } from './interner.js';
import { documents } from './tfidf.js';
import { words } from './tokenizer.js';

/**
 * `text-fasttext`: a fastText-style classifier (Joulin et al. 2017, "Bag of Tricks for Efficient Text
 * Classification"). Word unigrams and bigrams are hashed into HASH_BUCKETS buckets; the buckets that occur in at
 * least `minDf` training documents (at most `maxFeatures`, most frequent first) form the vocabulary, fitted inside
 * `fit` on the training rows only. A document is the mean of its tokens' embeddings (`dim` values each; tokens
 * outside the vocabulary are skipped), followed by a linear softmax layer. Trained like fastText itself: plain
 * SGD over the sparse embedding bag with a learning rate decaying linearly to zero, in Float32 typed arrays (no
 * TensorFlow), seeded by ctx.rng and deterministic. A held-out slice of the training rows picks the epoch:
 * training stops after PATIENCE epochs without a better held-out log loss and keeps the best epoch's weights.
 */
export interface TextFastTextParams {
  /** Longest word n-gram (1 = unigrams, 2 = with bigrams). */
  wordNgrams: number;
  /** A hashed term must occur in at least this many training documents. */
  minDf: number;
  /** At most this many hashed terms in the vocabulary. */
  maxFeatures: number;
  /** Embedding size. */
  dim: number;
  /** Passes over the training rows (at most; early stopping may end sooner). */
  epochs: number;
  /** Initial SGD step (decays linearly to zero over `epochs`). */
  learningRate: number;
}

const KIND = 'text-fasttext';
const FORMAT_VERSION = 1;
const TAGS = textTags('nn');
/** Buckets of the hashed unigram + bigram space (fastText's -bucket is 2M; 2^18 keeps the fit's counters at 1 MB with few collisions in a fold's vocabulary). */
export const HASH_BUCKETS = 1 << 18;
const DEFAULTS: TextFastTextParams = { wordNgrams: 2, minDf: 2, maxFeatures: 20_000, dim: 32, epochs: 10, learningRate: 0.5 };
const SEARCH_SPACE: Record<keyof TextFastTextParams, HyperparameterSpec> = {
  wordNgrams: TOKEN_SEARCH_SPACE.wordNgrams,
  minDf: TOKEN_SEARCH_SPACE.minDf,
  // 20,000 hashed terms x 32 floats keep model.json near 3.5 MB on the spam fixture, as accurate there as 50,000 (8 MB).
  maxFeatures: { domain: { type: 'int', low: 2_000, high: 200_000, log: true }, default: 20_000, cheap: 5_000 },
  dim: { domain: { type: 'int', low: 16, high: 64, log: true }, default: 32, cheap: 16 },
  epochs: { domain: { type: 'int', low: 2, high: 50, log: true }, default: 10, cheap: 5 },
  learningRate: { domain: { type: 'float', low: 0.05, high: 2, log: true }, default: 0.5, cheap: 0.5 },
};
const CONSTRAINTS: ParamConstraints<TextFastTextParams> = {
  wordNgrams: TOKEN_CONSTRAINTS.wordNgrams,
  minDf: TOKEN_CONSTRAINTS.minDf,
  maxFeatures: TOKEN_CONSTRAINTS.maxFeatures,
  dim: { type: 'int', min: 1, max: 1024 },
  epochs: { type: 'int', min: 1 },
  learningRate: { type: 'float', min: 0, minExclusive: true },
};
/** Share of the training rows held out to pick the epoch. */
const HOLDOUT_FRACTION = 0.1;
/** Below this many training rows there is no held-out slice: every epoch runs on every row. */
const MIN_ROWS_FOR_HOLDOUT = 100;
/** Epochs without a better held-out log loss before training stops. */
const PATIENCE = 2;
/** Floor of a probability inside the log loss. */
const MIN_PROBABILITY = 1e-15;
/** fastText's multiplier mixing the hashes of the words of an n-gram. */
const NGRAM_MULTIPLIER = 116049371;
/** Most frequent training words (by document frequency) kept at fit time as candidates for the top words. */
const TOP_WORD_CANDIDATES = 2000;
/** Top words stored per class in the model JSON (the model report shows up to 15). */
export const TOP_WORDS_PER_CLASS = 20;

/** The hashed term buckets of one document, repeats included: each word, then (wordNgrams 2) each word pair. */
export function hashedTerms(text: string, wordNgrams: number): Int32Array {
  return termsOfHashes(words(text).map(wordHash), wordNgrams);
}

/** hashedTerms from the document's word hashes (wordHash of each word, in order). */
function termsOfHashes(hs: ArrayLike<number>, wordNgrams: number): Int32Array {
  const out = new Int32Array(hs.length * wordNgrams);
  let m = 0;
  for (let i = 0; i < hs.length; i++) {
    out[m++] = hs[i] % HASH_BUCKETS;
    if (wordNgrams >= 2 && i > 0) out[m++] = ((Math.imul(hs[i - 1], NGRAM_MULTIPLIER) + hs[i]) >>> 0) % HASH_BUCKETS;
  }
  return out.subarray(0, m);
}

/** A frequent training word and its unigram bucket: the candidates for the model report's top words. */
interface WordBucket {
  readonly word: string;
  readonly bucket: number;
}

/**
 * hashedTerms of each training document, with each word hashed once (not once per occurrence), and the
 * TOP_WORD_CANDIDATES words in the most training documents (ties by word) with their buckets.
 */
function hashTrainingDocs(docs: readonly string[], wordNgrams: number): { terms: Int32Array[]; candidates: WordBucket[] } {
  const interner = new WordInterner();
  const ids = new IntList();
  const hashOfWord: number[] = [];
  const df: number[] = [];
  const lastDoc: number[] = [];
  const terms = docs.map((text, d) => {
    ids.length = 0;
    interner.appendWordIds(text, true, ids);
    for (let id = hashOfWord.length; id < interner.size; id++) {
      hashOfWord.push(interner.hashOfId(id));
      df.push(0);
      lastDoc.push(-1);
    }
    const hs = new Float64Array(ids.length);
    for (let p = 0; p < ids.length; p++) {
      const id = ids.data[p];
      hs[p] = hashOfWord[id];
      if (lastDoc[id] !== d) {
        lastDoc[id] = d;
        df[id]++;
      }
    }
    return termsOfHashes(hs, wordNgrams);
  });
  const byDf = Array.from({ length: interner.size }, (_, id) => id);
  const { words: ws } = interner;
  byDf.sort((a, b) => df[b] - df[a] || (ws[a] < ws[b] ? -1 : ws[a] > ws[b] ? 1 : 0));
  const candidates = byDf.slice(0, TOP_WORD_CANDIDATES).map((id) => ({ word: ws[id], bucket: hashOfWord[id] % HASH_BUCKETS }));
  return { terms, candidates };
}

/**
 * Per class, the TOP_WORDS_PER_CLASS candidate words whose embedding, put through the output layer alone, gives
 * that class the highest score above the mean over classes (positive only), highest first. Words whose bucket is
 * outside the vocabulary are skipped; a bucket shared by colliding terms speaks for all of them.
 */
function topWordsOf(net: Net, candidates: readonly WordBucket[], row: Int32Array): string[][] {
  const { dim, k, embeddings: e, kernel } = net;
  const kept = candidates.filter((c) => row[c.bucket] >= 0);
  const score = new Float64Array(kept.length * k);
  kept.forEach((c, i) => {
    const r = row[c.bucket];
    let mean = 0;
    for (let cls = 0; cls < k; cls++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += e[r * dim + d] * kernel[d * k + cls];
      score[i * k + cls] = s;
      mean += s / k;
    }
    for (let cls = 0; cls < k; cls++) score[i * k + cls] -= mean;
  });
  return Array.from({ length: k }, (_, cls) => {
    const order = Array.from({ length: kept.length }, (_, i) => i).filter((i) => score[i * k + cls] > 0);
    order.sort((a, b) => score[b * k + cls] - score[a * k + cls] || a - b);
    return order.slice(0, TOP_WORDS_PER_CLASS).map((i) => kept[i].word);
  });
}

/** The vocabulary: buckets in >= minDf documents, at most maxFeatures (most frequent first, ties by bucket), ascending. */
function fitBuckets(docs: readonly Int32Array[], minDf: number, maxFeatures: number): Int32Array {
  const df = new Int32Array(HASH_BUCKETS);
  const lastDoc = new Int32Array(HASH_BUCKETS).fill(-1);
  docs.forEach((d, i) => {
    for (const b of d) {
      if (lastDoc[b] !== i) {
        lastDoc[b] = i;
        df[b]++;
      }
    }
  });
  let kept: number[] = [];
  for (let b = 0; b < HASH_BUCKETS; b++) if (df[b] >= minDf) kept.push(b);
  if (kept.length > maxFeatures) kept = kept.sort((a, b) => df[b] - df[a] || a - b).slice(0, maxFeatures);
  return Int32Array.from(kept).sort();
}

/** Bucket -> embedding row (-1 outside the vocabulary). */
function rowIndex(buckets: Int32Array): Int32Array {
  const row = new Int32Array(HASH_BUCKETS).fill(-1);
  buckets.forEach((b, r) => (row[b] = r));
  return row;
}

/** Each document's embedding rows (tokens outside the vocabulary dropped). */
function bagsOf(docs: readonly Int32Array[], row: Int32Array): Int32Array[] {
  return docs.map((d) => {
    const out = new Int32Array(d.length);
    let m = 0;
    for (const b of d) if (row[b] >= 0) out[m++] = row[b];
    return out.subarray(0, m);
  });
}

/** Embedding bag + linear softmax layer: the parameters a fit trains and a model holds. */
interface Net {
  readonly dim: number;
  readonly k: number;
  /** numRows x dim, row-major. */
  readonly embeddings: Float32Array;
  /** dim x k, row-major (DenseLayer layout). */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** Class scores of one bag into `z` (k), its mean embedding into `h` (dim). */
function forward(net: Net, bag: Int32Array, h: Float64Array, z: Float64Array): void {
  const { dim, k, embeddings: e, kernel, bias } = net;
  h.fill(0);
  for (const r of bag) for (let d = 0; d < dim; d++) h[d] += e[r * dim + d];
  if (bag.length > 0) for (let d = 0; d < dim; d++) h[d] /= bag.length;
  for (let c = 0; c < k; c++) z[c] = bias[c];
  for (let d = 0; d < dim; d++) for (let c = 0; c < k; c++) z[c] += h[d] * kernel[d * k + c];
}

/** Row-major bags x k probabilities. */
function probabilities(net: Net, bags: readonly Int32Array[]): Float64Array {
  const out = new Float64Array(bags.length * net.k);
  const h = new Float64Array(net.dim);
  const z = new Float64Array(net.k);
  bags.forEach((bag, i) => {
    forward(net, bag, h, z);
    softmaxInto(z, 0, net.k, out, i * net.k);
  });
  return out;
}

interface TrainSet {
  readonly bags: readonly Int32Array[];
  readonly y: Int32Array;
  /** Sample weights, mean 1. */
  readonly w: Float64Array;
}

function logLossOf(net: Net, set: TrainSet, rows: Int32Array): number {
  const p = probabilities(net, Array.from(rows, (i) => set.bags[i]));
  let loss = 0;
  let wsum = 0;
  rows.forEach((i, j) => {
    loss -= set.w[i] * Math.log(Math.max(p[j * net.k + set.y[i]], MIN_PROBABILITY));
    wsum += set.w[i];
  });
  return loss / wsum;
}

/** One SGD step on one document (fastText's order: the bag's gradient from the old output layer, then both updates). */
function sgdStep(net: Net, bag: Int32Array, y: number, weight: number, lr: number, buf: { h: Float64Array; z: Float64Array; g: Float64Array; gh: Float64Array }): void {
  const { dim, k, embeddings: e, kernel, bias } = net;
  const { h, z, g, gh } = buf;
  forward(net, bag, h, z);
  softmaxInto(z, 0, k, g, 0);
  for (let c = 0; c < k; c++) g[c] = weight * (g[c] - (c === y ? 1 : 0));
  for (let d = 0; d < dim; d++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += kernel[d * k + c] * g[c];
    gh[d] = s;
  }
  for (let d = 0; d < dim; d++) for (let c = 0; c < k; c++) kernel[d * k + c] -= lr * g[c] * h[d];
  for (let c = 0; c < k; c++) bias[c] -= lr * g[c];
  if (bag.length === 0) return;
  const step = lr / bag.length;
  for (const r of bag) for (let d = 0; d < dim; d++) e[r * dim + d] -= step * gh[d];
}

function copyNet(net: Net): Net {
  return { dim: net.dim, k: net.k, embeddings: net.embeddings.slice(), kernel: net.kernel.slice(), bias: net.bias.slice() };
}

/** Trains `net` in place; returns the kept (best held-out) parameters and how training ended. */
function train(net: Net, set: TrainSet, p: TextFastTextParams, rng: Random, ctx: FitContext): { net: Net; epochs: number; stopReason: string } {
  const n = set.y.length;
  const perm = rng.permutation(n);
  const numHoldout = n >= MIN_ROWS_FOR_HOLDOUT ? Math.max(1, Math.floor(n * HOLDOUT_FRACTION)) : 0;
  const holdout = Int32Array.from(perm.subarray(0, numHoldout)).sort();
  const fitRows = Int32Array.from(perm.subarray(numHoldout)).sort();
  const buf = { h: new Float64Array(net.dim), z: new Float64Array(net.k), g: new Float64Array(net.k), gh: new Float64Array(net.dim) };
  const totalSteps = p.epochs * fitRows.length;
  let best = { net, epochs: p.epochs, loss: Infinity };
  let stopReason = 'epochs';
  let step = 0;
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    const order = rng.shuffle(fitRows.slice());
    for (const i of order) sgdStep(net, set.bags[i], set.y[i], set.w[i], p.learningRate * (1 - step++ / totalSteps), buf);
    ctx.onProgress?.({ iteration: epoch, total: p.epochs });
    if (numHoldout > 0) {
      const loss = logLossOf(net, set, holdout);
      if (loss < best.loss) best = { net: epoch === p.epochs ? net : copyNet(net), epochs: epoch, loss };
      else if (epoch - best.epochs >= PATIENCE) {
        stopReason = 'early-stopping';
        break;
      }
    }
    if (ctx.deadline !== undefined && Date.now() > ctx.deadline && epoch < p.epochs) {
      stopReason = 'deadline';
      break;
    }
  }
  if (numHoldout === 0) return { net, epochs: p.epochs, stopReason };
  return { net: best.net, epochs: best.epochs, stopReason };
}

export class TextFastTextModel implements FittedModel {
  readonly kind = KIND;
  private rows: Int32Array | null = null;

  constructor(
    readonly task: Task,
    readonly classes: readonly string[],
    readonly featureNames: readonly string[],
    readonly params: TextFastTextParams,
    /** Vocabulary: hashed term buckets, ascending; bucket `buckets[r]` has embedding row r. */
    readonly buckets: Int32Array,
    private readonly net: Net,
    readonly training: { readonly epochs: number; readonly stopReason: string },
    /** Per class (in `classes` order), its top words (see topWordsOf); null in files written before they were kept. */
    readonly topWords: readonly (readonly string[])[] | null,
  ) {}

  /** Per class, up to `perClass` words that speak most for it (null when the file keeps none). */
  topTerms(perClass: number): Record<string, string[]> | null {
    if (!this.topWords) return null;
    const out = Object.create(null) as Record<string, string[]>;
    this.classes.forEach((label, c) => (out[label] = this.topWords![c].slice(0, perClass)));
    return out;
  }

  private bags(data: Frame): Int32Array[] {
    requireFeatures(data, this.featureNames);
    this.rows ??= rowIndex(this.buckets);
    const docs = documents(data, this.featureNames).map((d) => hashedTerms(d, this.params.wordNgrams));
    return bagsOf(docs, this.rows);
  }

  predictProba(data: Frame): Float64Array {
    return probabilities(this.net, this.bags(data));
  }

  predict(data: Frame): Float64Array {
    return Float64Array.from(argmaxRows(this.predictProba(data), this.classes.length));
  }

  /** Every text column is read as one document, so each gets an equal share. */
  featureImportance(): FeatureImportance {
    const m = this.featureNames.length;
    return { names: this.featureNames, gain: new Float64Array(m).fill(1 / m), split: new Float64Array(m) };
  }

  toJSON(): ModelJSON {
    const output: DenseLayer = { inputs: this.net.dim, outputs: this.net.k, kernel: this.net.kernel, bias: this.net.bias };
    return {
      format: 'tabpilot-model',
      formatVersion: FORMAT_VERSION,
      kind: KIND,
      task: this.task,
      classes: this.classes,
      featureNames: this.featureNames,
      params: this.params,
      hashBuckets: HASH_BUCKETS,
      buckets: Array.from(this.buckets),
      embeddings: encodeFloat32(this.net.embeddings),
      output: layerToJSON(output),
      training: this.training,
      ...(this.topWords ? { topWords: this.topWords } : {}),
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): TextFastTextModel {
    const j = checkModelJSON(json, KIND, FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    if (task === 'regression') throw formatError(`${path}.task`, 'a text model is a classifier, got "regression"');
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task)!;
    const featureNames = stringArrayAt(field(j, 'featureNames'), `${path}.featureNames`);
    const params = resolveParams(KIND, DEFAULTS, CONSTRAINTS, objectAt(field(j, 'params'), `${path}.params`));
    oneOfAt(field(j, 'hashBuckets'), `${path}.hashBuckets`, [HASH_BUCKETS]);
    const buckets = Int32Array.from(numberArrayAt(field(j, 'buckets'), `${path}.buckets`, undefined, { integer: true, min: 0, max: HASH_BUCKETS - 1 }));
    for (let r = 1; r < buckets.length; r++) if (buckets[r] <= buckets[r - 1]) throw formatError(`${path}.buckets[${r}]`, 'buckets must be strictly ascending');
    const output = layerFromJSON(field(j, 'output'), `${path}.output`);
    if (output.inputs !== params.dim || output.outputs !== classes.length) {
      throw formatError(`${path}.output`, `expected ${params.dim} inputs and ${classes.length} outputs, got ${output.inputs} and ${output.outputs}`);
    }
    const embeddings = decodeFloat32(field(j, 'embeddings'), buckets.length * params.dim, `${path}.embeddings`);
    const t = objectAt(field(j, 'training'), `${path}.training`);
    const epochs = numberAt(field(t, 'epochs'), `${path}.training.epochs`, { integer: true, min: 1 });
    const stopReason = stringAt(field(t, 'stopReason'), `${path}.training.stopReason`);
    const net: Net = { dim: params.dim, k: classes.length, embeddings, kernel: output.kernel, bias: output.bias };
    const tw = field(j, 'topWords');
    const topWords = tw === undefined ? null : arrayAt(tw, `${path}.topWords`, classes.length).map((v, c) => stringArrayAt(v, `${path}.topWords[${c}]`));
    return new TextFastTextModel(task, classes, featureNames, params, buckets, net, { epochs, stopReason }, topWords);
  }
}

class TextFastTextLearner implements Learner<TextFastTextParams> {
  readonly kind = KIND;
  readonly tags = TAGS;
  constructor(readonly params: Readonly<TextFastTextParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const p = this.params;
    const { featureNames, encoded, weights } = startTextTarget(KIND, data, target, ctx);
    const { terms: docs, candidates } = hashTrainingDocs(documents(data, featureNames, ctx.rows), p.wordNgrams);
    const buckets = fitBuckets(docs, p.minDf, p.maxFeatures);
    if (buckets.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `${KIND}: no term occurs in ${p.minDf} or more training documents; lower minDf`);
    const classes = encoded.classes!;
    const k = classes.length;
    let wsum = 0;
    for (const v of weights) wsum += v;
    const w = Float64Array.from(weights, (v) => (v * weights.length) / wsum);
    const rng = ctx.rng.fork(1);
    // fastText's initialisation: embeddings uniform in +-1/dim, output layer zero.
    const embeddings = Float32Array.from({ length: buckets.length * p.dim }, () => rng.uniform(-1 / p.dim, 1 / p.dim));
    const net: Net = { dim: p.dim, k, embeddings, kernel: new Float32Array(p.dim * k), bias: new Float32Array(k) };
    const row = rowIndex(buckets);
    const result = train(net, { bags: bagsOf(docs, row), y: encoded.classIndex!, w }, p, rng, ctx);
    for (const v of result.net.kernel) if (!Number.isFinite(v)) throw new TabpilotError('INTERNAL', `${KIND}: training diverged (try a smaller learningRate)`);
    const topWords = topWordsOf(result.net, candidates, row);
    return new TextFastTextModel(ctx.task, classes, featureNames, { ...p }, buckets, result.net, { epochs: result.epochs, stopReason: result.stopReason }, topWords);
  }
}

export const textFastTextSpec: LearnerSpec<TextFastTextParams> = {
  kind: KIND,
  description: 'Text: fastText-style embedding bag (hashed word unigrams + bigrams, per-fold vocabulary) and softmax, plain SGD',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  // 0.77 s on 1,600 spam messages where text-gbdt (cost 1) takes 1.42 s (bench/suites/text.ts).
  relativeCost: 0.5,
  fidelityParam: 'epochs',
  create(params?: Partial<TextFastTextParams>): Learner<TextFastTextParams> {
    return new TextFastTextLearner(resolveParams(KIND, DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return TextFastTextModel.fromJSON(json, path);
  },
};
