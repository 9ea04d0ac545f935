import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows } from '../../util/numeric.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { checkModelJSON, classesAt, field, formatError, numberArrayAt, numberAt, objectAt, taskAt } from '../model-json.js';
import { DesignEncoder } from '../preprocess/design.js';
import { type DesignModelJSON, fitInput } from '../preprocess/fit-input.js';
import type { FeatureImportance, FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, LearnerTags, ModelJSON, Task } from '../types.js';

/**
 * `knn`: k-nearest neighbours over the shared design matrix (median imputation + missing indicators, one-hot,
 * standardisation; src/models/preprocess/design.ts), Euclidean distance. The model keeps its reference rows (at
 * most MAX_REFERENCE_ROWS, a seeded sample above that) in the design space. Neighbours vote with weight
 * sampleWeight x (1 / distance when `weights` is 'distance'); classification probabilities are the vote shares
 * smoothed toward the training class shares (PROBABILITY_SMOOTHING), regression the weighted mean target.
 */
export interface KnnParams {
  /** Neighbours per prediction (fewer when the reference set is smaller). */
  k: number;
  /** 'distance': closer neighbours count more (1 / distance); 'uniform': every neighbour counts the same. */
  weights: 'distance' | 'uniform';
  /** A category level needs this many training rows for its own one-hot column; rarer ones share one. */
  minCategoryCount: number;
  /** At most this many one-hot columns per categorical feature (most frequent levels). */
  maxCategories: number;
}

const FORMAT_VERSION = 1;
/** Prediction compares every query row with every reference row: the reference set is capped to keep that bounded. */
const MAX_REFERENCE_ROWS = 10_000;
/** Distances below this count as this (an exact duplicate would otherwise get infinite weight). */
const DISTANCE_FLOOR = 1e-6;
/**
 * Share of a classification prediction that comes from the training class shares, so a class no neighbour has
 * keeps a small probability (log loss stays finite; the search still ranks by it).
 */
const PROBABILITY_SMOOTHING = 0.02;

const TAGS: LearnerTags = {
  family: 'neighbors',
  tasks: ['regression', 'binary', 'multiclass'],
  allowsMissing: true,
  handlesCategorical: true,
  requiresScaling: false,
  supportsSampleWeight: true,
  supportsEarlyStopping: false,
};

const DEFAULTS: KnnParams = { k: 10, weights: 'distance', minCategoryCount: 5, maxCategories: 50 };

const SEARCH_SPACE: Record<keyof KnnParams, HyperparameterSpec> = {
  k: { domain: { type: 'int', low: 1, high: 64, log: true }, default: 10, cheap: 10 },
  weights: { domain: { type: 'choice', values: ['distance', 'uniform'] }, default: 'distance', cheap: 'distance' },
  minCategoryCount: { domain: { type: 'int', low: 1, high: 50, log: true }, default: 5, cheap: 5 },
  maxCategories: { domain: { type: 'int', low: 10, high: 200, log: true }, default: 50, cheap: 20 },
};

/** What each hyperparameter accepts at all (the search space above is only the tuning range). */
const CONSTRAINTS: ParamConstraints<KnnParams> = {
  k: { type: 'int', min: 1 },
  weights: { type: 'choice', values: ['distance', 'uniform'] },
  minCategoryCount: { type: 'int', min: 1 },
  maxCategories: { type: 'int', min: 1 },
};

interface KnnModelJSON extends DesignModelJSON<KnnParams> {
  /** Reference rows x design columns, row-major, in the design space. */
  readonly reference: readonly number[];
  /** Per reference row: the class index (classification) or the target value (regression). */
  readonly targets: readonly number[];
  /** Per reference row: its training weight. */
  readonly rowWeights: readonly number[];
  /** Classification: training class shares (weighted), the smoothing prior. */
  readonly prior?: readonly number[];
}

interface Reference {
  readonly values: Float64Array;
  readonly rows: number;
  readonly targets: Float64Array;
  readonly weights: Float64Array;
  readonly prior?: Float64Array;
}

/** The `k` nearest reference rows of every query row: indices and squared distances, nearest first. */
function nearest(query: Float64Array, nq: number, ref: Reference, cols: number, k: number): { index: Int32Array; dist2: Float64Array } {
  const index = new Int32Array(nq * k).fill(-1);
  const dist2 = new Float64Array(nq * k).fill(Infinity);
  const rv = ref.values;
  for (let q = 0; q < nq; q++) {
    const qo = q * cols;
    const base = q * k;
    let worst = Infinity;
    for (let r = 0; r < ref.rows; r++) {
      const ro = r * cols;
      let d = 0;
      for (let j = 0; j < cols && d < worst; j++) {
        const t = query[qo + j] - rv[ro + j];
        d += t * t;
      }
      if (d >= worst) continue;
      // Insertion into the sorted list of the k best so far.
      let at = k - 1;
      while (at > 0 && dist2[base + at - 1] > d) {
        dist2[base + at] = dist2[base + at - 1];
        index[base + at] = index[base + at - 1];
        at--;
      }
      dist2[base + at] = d;
      index[base + at] = r;
      worst = dist2[base + k - 1];
    }
  }
  return { index, dist2 };
}

export class KnnModel implements FittedModel {
  readonly kind = 'knn';
  readonly featureNames: readonly string[];

  constructor(
    readonly task: Task,
    readonly classes: readonly string[] | undefined,
    readonly params: KnnParams,
    readonly design: DesignEncoder,
    private readonly ref: Reference,
  ) {
    this.featureNames = design.featureNames;
  }

  /** Per query row: its neighbours' combined weights (nq x k), each neighbour's weight sampleWeight x distance term. */
  private neighbours(data: Frame): { index: Int32Array; weight: Float64Array; k: number; nq: number } {
    const X = this.design.transform(data);
    const k = Math.min(this.params.k, this.ref.rows);
    const { index, dist2 } = nearest(X.values, X.rows, this.ref, X.cols, k);
    const weight = new Float64Array(index.length);
    for (let i = 0; i < index.length; i++) {
      const r = index[i];
      if (r < 0) continue;
      const w = this.ref.weights[r];
      weight[i] = this.params.weights === 'distance' ? w / Math.max(DISTANCE_FLOOR, Math.sqrt(dist2[i])) : w;
    }
    return { index, weight, k, nq: X.rows };
  }

  predict(data: Frame): Float64Array {
    if (this.task !== 'regression') return Float64Array.from(argmaxRows(this.predictProba(data), this.classes!.length));
    const { index, weight, k, nq } = this.neighbours(data);
    const out = new Float64Array(nq);
    for (let q = 0; q < nq; q++) {
      let s = 0;
      let w = 0;
      for (let j = q * k; j < (q + 1) * k; j++) {
        if (index[j] < 0) continue;
        s += weight[j] * this.ref.targets[index[j]];
        w += weight[j];
      }
      out[q] = w > 0 ? s / w : 0;
    }
    return out;
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this is a regression model');
    const c = this.classes!.length;
    const prior = this.ref.prior!;
    const { index, weight, k, nq } = this.neighbours(data);
    const out = new Float64Array(nq * c);
    const votes = new Float64Array(c);
    for (let q = 0; q < nq; q++) {
      votes.fill(0);
      let total = 0;
      for (let j = q * k; j < (q + 1) * k; j++) {
        if (index[j] < 0) continue;
        votes[this.ref.targets[index[j]]] += weight[j];
        total += weight[j];
      }
      for (let m = 0; m < c; m++) {
        const share = total > 0 ? votes[m] / total : prior[m];
        out[q * c + m] = (1 - PROBABILITY_SMOOTHING) * share + PROBABILITY_SMOOTHING * prior[m];
      }
    }
    return out;
  }

  /**
   * Each feature's part of the distances: the variance of its design columns over the reference rows (the mean
   * squared distance between two rows is twice the sum of the column variances), so a feature that barely varies
   * after scaling barely moves the neighbours.
   */
  featureImportance(): FeatureImportance {
    const gain = new Float64Array(this.featureNames.length);
    const { values, rows } = this.ref;
    const cols = this.design.width;
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      let sq = 0;
      for (let r = 0; r < rows; r++) {
        const v = values[r * cols + j];
        sum += v;
        sq += v * v;
      }
      const mean = sum / rows;
      gain[this.design.columnFeature[j]] += Math.max(0, sq / rows - mean * mean);
    }
    return { names: this.featureNames, gain, split: new Float64Array(this.featureNames.length) };
  }

  toJSON(): KnnModelJSON {
    return {
      format: 'tabpilot-model',
      formatVersion: FORMAT_VERSION,
      kind: 'knn',
      task: this.task,
      ...(this.classes ? { classes: this.classes } : {}),
      featureNames: this.featureNames,
      params: this.params,
      preprocessing: this.design.toJSON(),
      reference: Array.from(this.ref.values),
      targets: Array.from(this.ref.targets),
      rowWeights: Array.from(this.ref.weights),
      ...(this.ref.prior ? { prior: Array.from(this.ref.prior) } : {}),
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): KnnModel {
    const j = checkModelJSON(json, 'knn', FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const design = DesignEncoder.fromJSON(field(j, 'preprocessing'), `${path}.preprocessing`);
    const params = resolveParams('knn', DEFAULTS, CONSTRAINTS, objectAt(field(j, 'params'), `${path}.params`));
    const targetsRaw = field(j, 'targets');
    const rule = classes ? { integer: true, min: 0, max: classes.length - 1 } : {};
    const targets = numberArrayAt(targetsRaw, `${path}.targets`, undefined, rule);
    const rows = targets.length;
    if (rows === 0) throw formatError(`${path}.targets`, 'a knn model needs at least one reference row');
    const values = numberArrayAt(field(j, 'reference'), `${path}.reference`, rows * design.width);
    const weights = numberArrayAt(field(j, 'rowWeights'), `${path}.rowWeights`, rows, { min: 0 });
    let prior: Float64Array | undefined;
    if (classes) {
      prior = numberArrayAt(field(j, 'prior'), `${path}.prior`, classes.length, { min: 0, max: 1 });
      numberAt(prior.reduce((a, b) => a + b, 0), `${path}.prior (sum)`, { min: 0.999, max: 1.001 });
    }
    return new KnnModel(task, classes, params, design, { values, rows, targets, weights, prior });
  }
}

/** At most MAX_REFERENCE_ROWS of the n training rows (a seeded sample, in row order), or all of them. */
function referenceRows(n: number, ctx: FitContext): Int32Array {
  if (n <= MAX_REFERENCE_ROWS) return Int32Array.from({ length: n }, (_, i) => i);
  return ctx.rng.permutation(n).slice(0, MAX_REFERENCE_ROWS).sort();
}

class KnnLearner implements Learner<KnnParams> {
  readonly kind = 'knn';
  readonly tags = TAGS;
  constructor(readonly params: Readonly<KnnParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const { data: fitRows, encoded, n, weights: allWeights, design } = fitInput('knn', data, target, ctx, this.params);
    const train = { data: fitRows };
    const keep = referenceRows(n, ctx);
    const X = design.transform(keep.length === n ? train.data : train.data.take(keep));
    const targets = Float64Array.from(keep, (r) => encoded.y[r]);
    const weights = Float64Array.from(keep, (r) => allWeights[r]);
    let prior: Float64Array | undefined;
    if (encoded.classes) {
      prior = new Float64Array(encoded.classes.length);
      let total = 0;
      for (let i = 0; i < n; i++) {
        prior[encoded.classIndex![i]] += allWeights[i];
        total += allWeights[i];
      }
      for (let m = 0; m < prior.length; m++) prior[m] /= total;
    }
    ctx.onProgress?.({ iteration: 1, total: 1 });
    return new KnnModel(ctx.task, encoded.classes, { ...this.params }, design, { values: X.values, rows: X.rows, targets, weights, prior });
  }
}

export const knnSpec: LearnerSpec<KnnParams> = {
  kind: 'knn',
  description: 'k-nearest neighbours (distance-weighted) over the imputed, one-hot, standardised design matrix',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  relativeCost: 0.15,
  create(params?: Partial<KnnParams>): Learner<KnnParams> {
    return new KnnLearner(resolveParams('knn', DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return KnnModel.fromJSON(json, path);
  },
};
