/**
 * Evaluation metrics, named and defined as Autopilot lists them (spec B.1): regression MSE (default), RMSE, MAE,
 * R2; binary F1 (default), Accuracy, AUC, BalancedAccuracy, Precision, Recall; multiclass Accuracy (default),
 * BalancedAccuracy, F1macro, PrecisionMacro, RecallMacro; LogLoss reported for both classification types.
 *
 * Conventions: class labels are indices (Int32Array) into the model's `classes`; probabilities are row-major
 * n x k (Float64Array); regression targets and predictions are Float64Array. Optional `weight` arrays give one
 * non-negative weight per row (sample weights), unweighted when absent.
 */
import type { Task } from './task.js';
import { TabpilotError } from '../util/errors.js';
import { argmaxRows } from '../util/numeric.js';
import { rocAuc } from './auc.js';

export { binnedAuc, rocAuc } from './auc.js';
export { argmaxRows } from '../util/numeric.js';

export type MetricName =
  | 'MSE'
  | 'RMSE'
  | 'MAE'
  | 'R2'
  | 'Accuracy'
  | 'AUC'
  | 'BalancedAccuracy'
  | 'F1'
  | 'Precision'
  | 'Recall'
  | 'F1macro'
  | 'PrecisionMacro'
  | 'RecallMacro'
  | 'LogLoss';

export type Direction = 'maximize' | 'minimize';

export const METRIC_DIRECTION: Readonly<Record<MetricName, Direction>> = {
  MSE: 'minimize',
  RMSE: 'minimize',
  MAE: 'minimize',
  R2: 'maximize',
  Accuracy: 'maximize',
  AUC: 'maximize',
  BalancedAccuracy: 'maximize',
  F1: 'maximize',
  Precision: 'maximize',
  Recall: 'maximize',
  F1macro: 'maximize',
  PrecisionMacro: 'maximize',
  RecallMacro: 'maximize',
  LogLoss: 'minimize',
};

/** Metrics a user may optimise for each problem type (Autopilot's AutoMLJobObjective list). */
export const OBJECTIVE_METRICS: Readonly<Record<Task, readonly MetricName[]>> = {
  regression: ['MSE', 'RMSE', 'MAE', 'R2'],
  binary: ['F1', 'Accuracy', 'AUC', 'BalancedAccuracy', 'Precision', 'Recall', 'LogLoss'],
  multiclass: ['Accuracy', 'BalancedAccuracy', 'F1macro', 'PrecisionMacro', 'RecallMacro', 'LogLoss'],
};

/** Autopilot's default objective per problem type. */
export const DEFAULT_OBJECTIVE: Readonly<Record<Task, MetricName>> = {
  regression: 'MSE',
  binary: 'F1',
  multiclass: 'Accuracy',
};

/** Every metric reported for a problem type (objectives plus reported extras: LogLoss, and one-vs-rest AUC for multiclass). */
export const REPORTED_METRICS: Readonly<Record<Task, readonly MetricName[]>> = {
  regression: ['MSE', 'RMSE', 'MAE', 'R2'],
  binary: ['F1', 'Accuracy', 'AUC', 'BalancedAccuracy', 'Precision', 'Recall', 'LogLoss'],
  multiclass: ['Accuracy', 'BalancedAccuracy', 'F1macro', 'PrecisionMacro', 'RecallMacro', 'LogLoss', 'AUC'],
};

/**
 * A user-defined objective (library only: a function cannot cross a worker thread or a command line). `fn` gets
 * the targets of the scored rows (classification: class indices, Int32Array; regression: values, Float64Array)
 * and the model's predictions of those rows, as a MetricInput: classification `probabilities` (row-major n x k)
 * and `labelIndex` (their argmax), regression `prediction`; and the rows' sample weights when the job has them.
 */
export interface CustomMetric {
  /** Shown as the leaderboard's objective metric; must not be a built-in metric name. */
  readonly name: string;
  readonly fn: (yTrue: Int32Array | Float64Array, prediction: MetricInput, weight?: Float64Array) => number;
  readonly higherIsBetter: boolean;
}

/** What a job optimises: a built-in metric, or a custom one. */
export type Objective = MetricName | CustomMetric;

export function objectiveName(objective: Objective): string {
  return typeof objective === 'string' ? objective : objective.name;
}

export function objectiveDirection(objective: Objective): Direction {
  if (typeof objective === 'string') return METRIC_DIRECTION[objective];
  return objective.higherIsBetter ? 'maximize' : 'minimize';
}

/** True when `a` is a better value than `b` for the metric. */
export function isBetter(metric: Objective, a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return objectiveDirection(metric) === 'maximize' ? a > b : a < b;
}

/** Parses a metric name case-insensitively ("f1", "F1macro", "log_loss" ...), or throws naming the valid names. */
export function parseMetricName(name: string, task?: Task): MetricName {
  const key = name.replace(/[_\s-]/g, '').toLowerCase();
  const all = Object.keys(METRIC_DIRECTION) as MetricName[];
  const found = all.find((m) => m.toLowerCase() === key);
  const allowed = task ? OBJECTIVE_METRICS[task] : all;
  if (found === undefined || !allowed.includes(found)) {
    throw new TabpilotError('INVALID_ARGUMENT', `unknown objective metric "${name}"${task ? ` for ${task}` : ''}; expected one of ${allowed.join(', ')}`);
  }
  return found;
}

function checkLength(a: { length: number }, b: { length: number }, what: string): void {
  if (a.length !== b.length) throw new TabpilotError('INVALID_ARGUMENT', `${what}: ${a.length} true values but ${b.length} predictions`);
  if (a.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `${what}: no rows to evaluate`);
}

function weightAt(weight: Float64Array | undefined, i: number): number {
  return weight === undefined ? 1 : weight[i];
}

// ---------------------------------------------------------------- regression

export function mse(yTrue: Float64Array, yPred: Float64Array, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'MSE');
  let sum = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weight, i);
    const d = yTrue[i] - yPred[i];
    sum += w * d * d;
    total += w;
  }
  return sum / total;
}

export function rmse(yTrue: Float64Array, yPred: Float64Array, weight?: Float64Array): number {
  return Math.sqrt(mse(yTrue, yPred, weight));
}

export function mae(yTrue: Float64Array, yPred: Float64Array, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'MAE');
  let sum = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weight, i);
    sum += w * Math.abs(yTrue[i] - yPred[i]);
    total += w;
  }
  return sum / total;
}

/** Coefficient of determination, in (-inf, 1]; 0 when the target is constant and predicted exactly, -inf otherwise. */
export function r2(yTrue: Float64Array, yPred: Float64Array, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'R2');
  let total = 0;
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weight, i);
    mean += w * yTrue[i];
    total += w;
  }
  mean /= total;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weight, i);
    ssRes += w * (yTrue[i] - yPred[i]) ** 2;
    ssTot += w * (yTrue[i] - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : -Infinity;
  return 1 - ssRes / ssTot;
}

// ---------------------------------------------------------------- classification from labels

function numClassesOf(yTrue: Int32Array, yPred: Int32Array): number {
  let k = 0;
  for (let i = 0; i < yTrue.length; i++) k = Math.max(k, yTrue[i] + 1, yPred[i] + 1);
  return k;
}

/** Row-major k x k counts: entry [t][p] = (weighted) rows with true class t predicted as p. */
export function confusionMatrix(yTrue: Int32Array, yPred: Int32Array, numClasses?: number, weight?: Float64Array): number[][] {
  checkLength(yTrue, yPred, 'confusion matrix');
  const k = numClasses ?? numClassesOf(yTrue, yPred);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (t < 0 || t >= k || p < 0 || p >= k) throw new TabpilotError('INVALID_ARGUMENT', `class index out of range [0, ${k}) at row ${i}`);
    m[t][p] += weightAt(weight, i);
  }
  return m;
}

export function accuracy(yTrue: Int32Array, yPred: Int32Array, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'Accuracy');
  let hit = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weight, i);
    if (yTrue[i] === yPred[i]) hit += w;
    total += w;
  }
  return hit / total;
}

interface ClassCounts {
  readonly tp: Float64Array;
  readonly predicted: Float64Array;
  readonly actual: Float64Array;
}

function classCounts(yTrue: Int32Array, yPred: Int32Array, k: number, weight?: Float64Array): ClassCounts {
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weight, i);
    actual[yTrue[i]] += w;
    predicted[yPred[i]] += w;
    if (yTrue[i] === yPred[i]) tp[yTrue[i]] += w;
  }
  return { tp, predicted, actual };
}

/** Ratio with 0/0 = 0 (scikit-learn's zero_division=0). */
function safeDiv(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Precision of the positive class (index `positive`, default 1). */
export function precision(yTrue: Int32Array, yPred: Int32Array, positive = 1, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'Precision');
  const c = classCounts(yTrue, yPred, Math.max(numClassesOf(yTrue, yPred), positive + 1), weight);
  return safeDiv(c.tp[positive], c.predicted[positive]);
}

export function recall(yTrue: Int32Array, yPred: Int32Array, positive = 1, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'Recall');
  const c = classCounts(yTrue, yPred, Math.max(numClassesOf(yTrue, yPred), positive + 1), weight);
  return safeDiv(c.tp[positive], c.actual[positive]);
}

/** F1 = 2PR / (P + R) of the positive class. */
export function f1(yTrue: Int32Array, yPred: Int32Array, positive = 1, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'F1');
  const c = classCounts(yTrue, yPred, Math.max(numClassesOf(yTrue, yPred), positive + 1), weight);
  return safeDiv(2 * c.tp[positive], c.predicted[positive] + c.actual[positive]);
}

/** Classes that occur in the true labels or the predictions (macro averages run over these, as scikit-learn does). */
function presentClasses(c: ClassCounts): number[] {
  const out: number[] = [];
  for (let j = 0; j < c.actual.length; j++) if (c.actual[j] > 0 || c.predicted[j] > 0) out.push(j);
  return out;
}

export function precisionMacro(yTrue: Int32Array, yPred: Int32Array, numClasses?: number, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'PrecisionMacro');
  const c = classCounts(yTrue, yPred, numClasses ?? numClassesOf(yTrue, yPred), weight);
  const present = presentClasses(c);
  let s = 0;
  for (const j of present) s += safeDiv(c.tp[j], c.predicted[j]);
  return s / present.length;
}

export function recallMacro(yTrue: Int32Array, yPred: Int32Array, numClasses?: number, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'RecallMacro');
  const c = classCounts(yTrue, yPred, numClasses ?? numClassesOf(yTrue, yPred), weight);
  const present = presentClasses(c);
  let s = 0;
  for (const j of present) s += safeDiv(c.tp[j], c.actual[j]);
  return s / present.length;
}

export function f1Macro(yTrue: Int32Array, yPred: Int32Array, numClasses?: number, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'F1macro');
  const c = classCounts(yTrue, yPred, numClasses ?? numClassesOf(yTrue, yPred), weight);
  const present = presentClasses(c);
  let s = 0;
  for (const j of present) s += safeDiv(2 * c.tp[j], c.predicted[j] + c.actual[j]);
  return s / present.length;
}

/** Mean of per-class recall over the classes present in yTrue; for binary this is (TP/P + TN/N) / 2. */
export function balancedAccuracy(yTrue: Int32Array, yPred: Int32Array, numClasses?: number, weight?: Float64Array): number {
  checkLength(yTrue, yPred, 'BalancedAccuracy');
  const c = classCounts(yTrue, yPred, numClasses ?? numClassesOf(yTrue, yPred), weight);
  let s = 0;
  let n = 0;
  for (let j = 0; j < c.actual.length; j++) {
    if (c.actual[j] > 0) {
      s += c.tp[j] / c.actual[j];
      n++;
    }
  }
  return s / n;
}

// ---------------------------------------------------------------- classification from probabilities

const LOG_LOSS_EPS = 1e-15;

/** Mean negative log-likelihood of the true class; probabilities clipped to [1e-15, 1 - 1e-15] and row-normalised. */
export function logLoss(yTrue: Int32Array, probabilities: Float64Array, weight?: Float64Array): number {
  const n = yTrue.length;
  if (n === 0) throw new TabpilotError('INVALID_ARGUMENT', 'LogLoss: no rows to evaluate');
  const k = probabilities.length / n;
  if (!Number.isInteger(k) || k < 2) throw new TabpilotError('INVALID_ARGUMENT', `LogLoss: ${probabilities.length} probabilities for ${n} rows`);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += Math.min(Math.max(probabilities[i * k + j], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    const p = Math.min(Math.max(probabilities[i * k + yTrue[i]], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS) / rowSum;
    const w = weightAt(weight, i);
    sum -= w * Math.log(p);
    total += w;
  }
  return sum / total;
}


// ---------------------------------------------------------------- all metrics of a task

/** What a model produced: class probabilities (and optionally labels) for classification, values for regression. */
export interface MetricInput {
  /** Regression predictions. */
  readonly prediction?: Float64Array;
  /** Classification: row-major n x k probabilities. */
  readonly probabilities?: Float64Array;
  /** Classification: predicted class index per row (argmax of probabilities when absent). */
  readonly labelIndex?: Int32Array;
}

export interface MetricOptions {
  readonly numClasses?: number;
  /** Binary: index of the positive class (default 1: the second class label). */
  readonly positive?: number;
  readonly weight?: Float64Array;
}

/** Every metric of the task's REPORTED_METRICS. Regression yTrue is Float64Array; classification Int32Array. */
export function computeMetrics(task: Task, yTrue: Int32Array | Float64Array, input: MetricInput, options: MetricOptions = {}): Partial<Record<MetricName, number>> {
  const w = options.weight;
  if (task === 'regression') {
    if (!input.prediction) throw new TabpilotError('INVALID_ARGUMENT', 'regression metrics need `prediction`');
    const y = yTrue instanceof Float64Array ? yTrue : Float64Array.from(yTrue);
    const m = mse(y, input.prediction, w);
    return { MSE: m, RMSE: Math.sqrt(m), MAE: mae(y, input.prediction, w), R2: r2(y, input.prediction, w) };
  }
  const y = yTrue instanceof Int32Array ? yTrue : Int32Array.from(yTrue);
  const n = y.length;
  const proba = input.probabilities;
  const k = options.numClasses ?? (proba ? proba.length / n : numClassesOf(y, input.labelIndex ?? y));
  const labels = input.labelIndex ?? (proba ? argmaxRows(proba, k) : undefined);
  if (!labels) throw new TabpilotError('INVALID_ARGUMENT', 'classification metrics need `probabilities` or `labelIndex`');
  const out: Partial<Record<MetricName, number>> = {};
  if (task === 'binary') {
    const positive = options.positive ?? 1;
    out.F1 = f1(y, labels, positive, w);
    out.Accuracy = accuracy(y, labels, w);
    if (proba) out.AUC = rocAuc(y, proba, positive, w);
    out.BalancedAccuracy = balancedAccuracy(y, labels, k, w);
    out.Precision = precision(y, labels, positive, w);
    out.Recall = recall(y, labels, positive, w);
    if (proba) out.LogLoss = logLoss(y, proba, w);
    return out;
  }
  out.Accuracy = accuracy(y, labels, w);
  out.BalancedAccuracy = balancedAccuracy(y, labels, k, w);
  out.F1macro = f1Macro(y, labels, k, w);
  out.PrecisionMacro = precisionMacro(y, labels, k, w);
  out.RecallMacro = recallMacro(y, labels, k, w);
  if (proba) {
    out.LogLoss = logLoss(y, proba, w);
    out.AUC = rocAuc(y, proba, 1, w);
  }
  return out;
}

/** One metric (cheaper than computeMetrics when only the objective is needed, as in ensemble selection). */
export function computeMetric(task: Task, metric: MetricName, yTrue: Int32Array | Float64Array, input: MetricInput, options: MetricOptions = {}): number {
  const w = options.weight;
  if (task === 'regression') {
    if (!input.prediction) throw new TabpilotError('INVALID_ARGUMENT', 'regression metrics need `prediction`');
    const y = yTrue instanceof Float64Array ? yTrue : Float64Array.from(yTrue);
    switch (metric) {
      case 'MSE':
        return mse(y, input.prediction, w);
      case 'RMSE':
        return rmse(y, input.prediction, w);
      case 'MAE':
        return mae(y, input.prediction, w);
      case 'R2':
        return r2(y, input.prediction, w);
      default:
        throw new TabpilotError('INVALID_ARGUMENT', `${metric} is not a regression metric`);
    }
  }
  const y = yTrue instanceof Int32Array ? yTrue : Int32Array.from(yTrue);
  const proba = input.probabilities;
  const k = options.numClasses ?? (proba ? proba.length / y.length : numClassesOf(y, input.labelIndex ?? y));
  const positive = options.positive ?? 1;
  if (metric === 'LogLoss' || metric === 'AUC') {
    if (!proba) throw new TabpilotError('INVALID_ARGUMENT', `${metric} needs probabilities`);
    return metric === 'LogLoss' ? logLoss(y, proba, w) : rocAuc(y, proba, task === 'binary' ? positive : 1, w);
  }
  const labels = input.labelIndex ?? (proba ? argmaxRows(proba, k) : undefined);
  if (!labels) throw new TabpilotError('INVALID_ARGUMENT', 'classification metrics need `probabilities` or `labelIndex`');
  switch (metric) {
    case 'Accuracy':
      return accuracy(y, labels, w);
    case 'BalancedAccuracy':
      return balancedAccuracy(y, labels, k, w);
    case 'F1':
      return f1(y, labels, positive, w);
    case 'Precision':
      return precision(y, labels, positive, w);
    case 'Recall':
      return recall(y, labels, positive, w);
    case 'F1macro':
      return f1Macro(y, labels, k, w);
    case 'PrecisionMacro':
      return precisionMacro(y, labels, k, w);
    case 'RecallMacro':
      return recallMacro(y, labels, k, w);
    default:
      throw new TabpilotError('INVALID_ARGUMENT', `${metric} is not a classification metric`);
  }
}

/**
 * The objective's value of a prediction: computeMetric for a built-in metric; a custom metric's `fn`, called
 * with the classification labels (argmax of the probabilities) filled in when they are absent.
 */
export function scoreObjective(task: Task, objective: Objective, yTrue: Int32Array | Float64Array, input: MetricInput, options: MetricOptions = {}): number {
  if (typeof objective === 'string') return computeMetric(task, objective, yTrue, input, options);
  let full = input;
  if (task !== 'regression' && !input.labelIndex && input.probabilities) {
    full = { ...input, labelIndex: argmaxRows(input.probabilities, options.numClasses ?? input.probabilities.length / yTrue.length) };
  }
  return objective.fn(yTrue, full, options.weight);
}
