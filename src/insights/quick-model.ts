import { categoricalColumn, numericColumn, type Column } from '../frame/column.js';
import { type Frame } from '../frame/frame.js';
import { Featurizer, needsFeaturizer } from '../models/featurize.js';
import { rocAuc } from '../metrics/index.js';
import { GbdtModel, gbdtSpec, type GbdtParams } from '../models/gbdt/index.js';
import type { FittedModel } from '../models/types.js';
import { argmaxRows } from '../util/numeric.js';
import { Random } from '../util/random.js';
import { kFolds, trainValidSplit, type Split } from './split.js';
import type { EncodedTarget } from './target.js';

/**
 * The report's quick model (A.3.2): our gradient boosting with early stopping on the validation part; 5-fold
 * cross-validation (stratified for classification) below 50,000 rows, an 80/20 split otherwise; scored against
 * a trivial baseline (mean / most frequent class). Metrics are computed on validation (out-of-fold) rows.
 */

export const CV_ROW_LIMIT = 50_000;
export const QUICK_MODEL_FOLDS = 5;

export interface QuickModelOptions {
  /** 'auto' = cross-validation below 50,000 rows, else a train/validation split. */
  readonly mode?: 'auto' | 'cross-validation' | 'split';
  /** Boosting rounds cap and learning rate. The reference uses 1000 x 0.025; we default to 400 x 0.1 (see docs). */
  readonly rounds?: number;
  readonly learningRate?: number;
  readonly earlyStoppingRounds?: number;
  readonly deadline?: number;
  /** Wall-clock budget for all folds together (default 60 s): boosting stops adding rounds when it runs out. */
  readonly budgetSeconds?: number;
  /** Validation share in split mode (default 0.2; Data Wrangler's quick-model analysis uses 0.3). */
  readonly validFraction?: number;
}

export interface ConfusionMatrix {
  readonly labels: string[];
  /** matrix[true][predicted] */
  readonly matrix: number[][];
}

export interface QuickModelResult {
  readonly mode: 'cross-validation' | 'split';
  readonly folds: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly baseMetric: string;
  readonly score: number | null;
  readonly baselineScore: number | null;
  readonly metrics: Record<string, number | null>;
  readonly baselineMetrics: Record<string, number | null>;
  readonly positiveClass?: string;
  readonly confusionMatrix?: ConfusionMatrix;
  /** Classification: precision, recall, F1 and support per class (from the confusion matrix). */
  readonly perClass?: { label: string; precision: number; recall: number; f1: number; support: number }[];
  readonly featureImportance: { name: string; importance: number }[];
  readonly rounds: number[];
  readonly droppedFeatures: string[];
  readonly learner: string;
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Features the model reads: text columns of high cardinality go through the hashed TF-IDF featurizer. */
function modelFrame(frame: Frame, features: readonly string[], train: Int32Array): Frame {
  let x = frame.select(features);
  if (needsFeaturizer(x, features)) x = Featurizer.fit(x, features, train).transform(x);
  return x;
}

function labelColumn(name: string, target: EncodedTarget, n: number): Column {
  if (target.task === 'regression') {
    const v = new Float64Array(n).fill(NaN);
    target.rows.forEach((r, i) => (v[r] = target.y[i]));
    return numericColumn(name, v);
  }
  const codes = new Int32Array(n).fill(-1);
  target.rows.forEach((r, i) => (codes[r] = target.y[i]));
  return categoricalColumn(name, codes, target.classes);
}


/** One fold's output: validation predictions (n_valid x K, row-major), gain per model column, rounds kept. */
export interface FoldOutput {
  readonly prediction: Float64Array;
  readonly importanceNames: string[];
  readonly importanceGain: Float64Array;
  readonly rounds: number;
}

export interface FoldInput {
  readonly frame: Frame;
  readonly targetName: string;
  readonly target: EncodedTarget;
  readonly features: readonly string[];
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly seed: number;
  readonly options: QuickModelOptions;
  /** Time this fold may take once it starts (folds queued behind others are not penalised). */
  readonly budgetMs: number;
}

/** Trains the quick model on one fold and predicts its validation rows (used inline and by pool workers). */
export async function fitFold(input: FoldInput): Promise<FoldOutput> {
  const { frame, target } = input;
  const yCol = labelColumn(input.targetName, target, frame.numRows);
  const x = modelFrame(frame, input.features, input.train);
  const learner = gbdtSpec.create(gbdtParams(input.options));
  const model = await learner.fit(x, yCol, {
    task: target.task,
    rng: new Random(input.seed),
    rows: input.train,
    classes: target.task === 'regression' ? undefined : target.classes,
    validation: { data: x, target: yCol, rows: input.valid },
    deadline: Math.min(input.options.deadline ?? Infinity, Date.now() + input.budgetMs),
  });
  const validFrame = x.take(input.valid);
  const prediction = target.task === 'regression' ? model.predict(validFrame) : model.predictProba(validFrame);
  const imp = model.featureImportance();
  return { prediction, importanceNames: [...imp.names], importanceGain: Float64Array.from(imp.gain), rounds: roundsOf(model) };
}

/** Runs fold fits somewhere else (a worker pool); absent = in this thread. */
export type FoldRunner = (folds: readonly Omit<FoldInput, 'frame' | 'target'>[], frame: Frame, target: EncodedTarget) => Promise<FoldOutput[]>;

export const DEFAULT_QUICK_MODEL_BUDGET_SECONDS = 60;

export async function quickModel(
  frame: Frame,
  targetName: string,
  target: EncodedTarget,
  features: readonly string[],
  rng: Random,
  options: QuickModelOptions = {},
  runner?: FoldRunner,
  parallelism = 1,
): Promise<QuickModelResult> {
  const task = target.task;
  const n = frame.numRows;
  const rows = target.rows;
  const mode = options.mode === 'split' || (options.mode !== 'cross-validation' && rows.length >= CV_ROW_LIMIT) ? 'split' : 'cross-validation';
  const labels = task === 'regression' ? null : target.y;
  const splits: Split[] = mode === 'split' ? [trainValidSplit(rows, labels, options.validFraction ?? 0.2, rng)] : kFolds(rows, labels, QUICK_MODEL_FOLDS, rng);
  const K = task === 'regression' ? 1 : target.classes.length;
  // Each fold gets an equal share of the time budget; folds run `parallelism` at a time.
  const budgetMs = (options.budgetSeconds ?? DEFAULT_QUICK_MODEL_BUDGET_SECONDS) * 1000;
  const waves = Math.ceil(splits.length / Math.max(1, parallelism));
  const folds = splits.map((split, f) => ({
    targetName,
    features,
    train: split.train,
    valid: split.valid,
    seed: rng.fork(1000 + f).seed,
    options,
    budgetMs: budgetMs / waves,
  }));
  const outputs = runner ? await runner(folds, frame, target) : await Promise.all(folds.map((f) => fitFold({ ...f, frame, target })));
  // Out-of-fold prediction per frame row (regression value, or K probabilities).
  const pred = new Float64Array(n * K).fill(NaN);
  const baseline = new Float64Array(n * K).fill(NaN);
  const yOfRow = new Float64Array(n).fill(NaN);
  rows.forEach((r, i) => (yOfRow[r] = target.y[i]));
  const importance = new Map<string, number>();
  splits.forEach((split, f) => {
    const p = outputs[f].prediction;
    split.valid.forEach((r, i) => {
      for (let k = 0; k < K; k++) pred[r * K + k] = p[i * K + k];
    });
    if (task === 'regression') {
      let s = 0;
      for (const r of split.train) s += yOfRow[r];
      for (const r of split.valid) baseline[r] = s / split.train.length;
    } else {
      const counts = new Float64Array(K);
      for (const r of split.train) counts[yOfRow[r]]++;
      const most = argmaxRows(counts, K)[0];
      for (const r of split.valid) for (let k = 0; k < K; k++) baseline[r * K + k] = k === most ? 1 : 0;
    }
    outputs[f].importanceNames.forEach((name, j) => {
      const base = features.includes(name) ? name : name.includes('__') ? name.slice(0, name.indexOf('__')) : name;
      importance.set(base, (importance.get(base) ?? 0) + outputs[f].importanceGain[j]);
    });
  });

  const scored = Int32Array.from(splits.flatMap((s) => Array.from(s.valid))).sort();
  const evaluate = (p: Float64Array): { values: Record<string, number>; confusion?: ConfusionMatrix; positive?: number } =>
    task === 'regression' ? regressionMetrics(yOfRow, p, scored) : classificationMetrics(yOfRow, p, scored, target);
  const metrics = evaluate(pred);
  const baselineMetrics = evaluate(baseline);
  const baseMetric = task === 'regression' ? 'r2' : task === 'binary' ? 'roc_auc' : 'accuracy';
  const impTotal = [...importance.values()].reduce((a, b) => a + b, 0);
  const featureImportance = features
    .map((name) => ({ name, importance: impTotal > 0 ? (importance.get(name) ?? 0) / impTotal : 0 }))
    .sort((a, b) => b.importance - a.importance);
  const result: QuickModelResult = {
    mode,
    folds: splits.length,
    trainRows: mode === 'split' ? splits[0].train.length : rows.length,
    validationRows: scored.length,
    baseMetric,
    score: num(metrics.values[baseMetric] ?? NaN),
    baselineScore: task === 'binary' ? 0.5 : num(baselineMetrics.values[baseMetric] ?? NaN),
    metrics: Object.fromEntries(Object.entries(metrics.values).map(([k, v]) => [k, num(v)])),
    baselineMetrics: Object.fromEntries(Object.entries(baselineMetrics.values).map(([k, v]) => [k, num(v)])),
    featureImportance,
    rounds: outputs.map((o) => o.rounds),
    droppedFeatures: [],
    learner: gbdtSpec.kind,
  };
  if (task !== 'regression') {
    const cm = metrics.confusion!;
    const perClass = cm.labels.map((label, k) => {
      const support = cm.matrix[k].reduce((a, b) => a + b, 0);
      const predicted = cm.matrix.reduce((a, row) => a + row[k], 0);
      const precision = predicted > 0 ? cm.matrix[k][k] / predicted : 0;
      const recall = support > 0 ? cm.matrix[k][k] / support : 0;
      return { label, precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0, support };
    });
    return {
      ...result,
      perClass,
      confusionMatrix: metrics.confusion,
      ...(task === 'binary' ? { positiveClass: target.classes[metrics.positive ?? 1] } : {}),
    };
  }
  return result;
}

function gbdtParams(o: QuickModelOptions): Partial<GbdtParams> {
  return { numRounds: o.rounds ?? 400, learningRate: o.learningRate ?? 0.1, earlyStoppingRounds: o.earlyStoppingRounds ?? 10 };
}

function roundsOf(model: FittedModel): number {
  return model instanceof GbdtModel ? model.numTrees / Math.max(1, model.classes && model.classes.length > 2 ? model.classes.length : 1) : NaN;
}

function regressionMetrics(y: Float64Array, p: Float64Array, rows: Int32Array): { values: Record<string, number> } {
  const n = rows.length;
  let mean = 0;
  for (const r of rows) mean += y[r];
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  let maxErr = 0;
  let resMean = 0;
  const abs = new Float64Array(n);
  rows.forEach((r, i) => {
    const e = y[r] - p[r];
    sse += e * e;
    sae += Math.abs(e);
    sst += (y[r] - mean) ** 2;
    maxErr = Math.max(maxErr, Math.abs(e));
    resMean += e;
    abs[i] = Math.abs(e);
  });
  resMean /= n;
  let resVar = 0;
  for (const r of rows) resVar += (y[r] - p[r] - resMean) ** 2;
  abs.sort();
  const median = n % 2 ? abs[(n - 1) / 2] : (abs[n / 2 - 1] + abs[n / 2]) / 2;
  return {
    values: {
      r2: sst > 0 ? 1 - sse / sst : NaN,
      mse: sse / n,
      rmse: Math.sqrt(sse / n),
      mae: sae / n,
      max_error: maxErr,
      explained_variance: sst > 0 ? 1 - resVar / sst : NaN,
      median_absolute_error: median,
    },
  };
}

function classificationMetrics(
  y: Float64Array,
  p: Float64Array,
  rows: Int32Array,
  target: EncodedTarget,
): { values: Record<string, number>; confusion: ConfusionMatrix; positive: number } {
  const K = target.classes.length;
  const n = rows.length;
  const matrix = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const yTrue = new Int32Array(n);
  const proba = new Float64Array(n * K);
  rows.forEach((r, i) => {
    yTrue[i] = y[r];
    for (let k = 0; k < K; k++) proba[i * K + k] = p[r * K + k];
  });
  const labelOf = argmaxRows(proba, K);
  for (let i = 0; i < n; i++) matrix[yTrue[i]][labelOf[i]]++;
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = matrix[0].map((_, j) => matrix.reduce((s, row) => s + row[j], 0));
  const prec = matrix.map((row, k) => (predicted[k] > 0 ? row[k] / predicted[k] : 0));
  const rec = matrix.map((row, k) => (support[k] > 0 ? row[k] / support[k] : 0));
  const f1s = prec.map((pr, k) => (pr + rec[k] > 0 ? (2 * pr * rec[k]) / (pr + rec[k]) : 0));
  let correct = 0;
  for (let k = 0; k < K; k++) correct += matrix[k][k];
  const present = support.map((s) => s > 0);
  const nPresent = present.filter(Boolean).length;
  const macro = (v: number[]) => v.reduce((s, x, k) => s + (present[k] ? x : 0), 0) / nPresent;
  const weighted = (v: number[]) => v.reduce((s, x, k) => s + x * support[k], 0) / n;
  const accuracy = correct / n;
  const balanced = macro(rec);
  // SDI's positive class: the minority class.
  const positive = K === 2 ? (target.classCounts[0] < target.classCounts[1] ? 0 : 1) : 1;
  const confusion = { labels: target.classes.slice(), matrix };
  if (K === 2) {
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) scores[i] = proba[i * 2 + positive];
    return {
      values: {
        roc_auc: safeAuc(yTrue, scores, positive),
        f1: f1s[positive],
        accuracy,
        balanced_accuracy: balanced,
        precision: prec[positive],
        recall: rec[positive],
      },
      confusion,
      positive,
    };
  }
  let aucSum = 0;
  let aucWeighted = 0;
  let aucCount = 0;
  for (let k = 0; k < K; k++) {
    if (support[k] === 0 || support[k] === n) continue;
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) scores[i] = proba[i * K + k];
    const a = safeAuc(yTrue, scores, k);
    if (Number.isFinite(a)) {
      aucSum += a;
      aucWeighted += a * support[k];
      aucCount++;
    }
  }
  return {
    values: {
      accuracy,
      balanced_accuracy: balanced,
      roc_auc_ovr: aucCount > 0 ? aucSum / aucCount : NaN,
      roc_auc_ovr_weighted: aucCount > 0 ? aucWeighted / n : NaN,
      f1_macro: macro(f1s),
      f1_weighted: weighted(f1s),
      f1_micro: accuracy,
      precision_macro: macro(prec),
      precision_weighted: weighted(prec),
      recall_macro: balanced,
      recall_weighted: weighted(rec),
    },
    confusion,
    positive,
  };
}

/** AUC of a fold's predictions; NaN for an empty fold (rocAuc refuses no rows; a shape mismatch is a bug and throws). */
function safeAuc(y: Int32Array, scores: Float64Array, positive: number): number {
  return y.length === 0 ? NaN : rocAuc(y, scores, positive);
}
