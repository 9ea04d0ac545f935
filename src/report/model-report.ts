import { toFloat64 } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { explainPipeline } from '../explain/index.js';
import { meanAbsShap } from '../explain/csv.js';
import { type PermutationImportance, permutationImportance } from '../explain/importance.js';
import { evaluationData } from '../explain/target.js';
import { type MetricName, REPORTED_METRICS, computeMetrics, confusionMatrix } from '../metrics/index.js';
import { getLearnerSpec } from '../models/registry.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { Random } from '../util/random.js';
import { type CalibrationBin, type GainRow, bestFitLine, calibrationCurve, gainLift, prCurve, rocCurve } from './curves.js';
import { type TopTermsSection, topTermsSection } from './text-terms.js';
import { type InSampleEvaluation, detectInSample } from './in-sample.js';

/**
 * The model quality report as data (the HTML is rendered from exactly this): Autopilot's model insights
 * report (metrics with standard deviations, confusion matrix, ROC, precision-recall, gain and lift;
 * actual-vs-predicted and standardised residuals for regression) plus calibration, permutation importance
 * with confidence intervals and a SHAP summary.
 */
export interface ModelReport {
  readonly format: 'tabpilot-model-report';
  readonly formatVersion: 1;
  readonly createdAt: string;
  readonly model: {
    readonly kind: string;
    readonly task: Pipeline['task'];
    readonly target: string;
    readonly classes?: readonly string[];
    readonly numFeatures: number;
    readonly training: Record<string, unknown>;
  };
  readonly evaluation: {
    readonly dataName: string;
    readonly rows: number;
    readonly missingTarget: number;
    readonly unknownLabels: Record<string, number>;
    readonly unseenCategories: Record<string, number>;
    readonly invalidValues: Record<string, number>;
    readonly seconds: number;
    /** Present when the evaluation data is (a superset of) the training data: the metrics are in-sample. */
    readonly inSample?: InSampleEvaluation;
  };
  readonly metrics: readonly { readonly name: MetricName; readonly value: number; readonly std: number }[];
  /** Bootstrap resamples behind the standard deviations. */
  readonly bootstrapResamples: number;
  readonly classification?: {
    readonly labels: readonly string[];
    /** Rows = true label, columns = predicted label (at most 15 labels; the rest pooled as "(other)"). */
    readonly confusion: { readonly labels: readonly string[]; readonly matrix: readonly (readonly number[])[] };
    readonly roc: readonly { readonly label: string; readonly fpr: number[]; readonly tpr: number[]; readonly auc: number }[];
    readonly precisionRecall: readonly { readonly label: string; readonly recall: number[]; readonly precision: number[]; readonly averagePrecision: number; readonly prevalence: number }[];
    /** Binary: P(positive) vs observed positive rate. Multiclass: confidence (probability of the predicted label) vs accuracy. */
    readonly calibration: { readonly what: string; readonly bins: readonly CalibrationBin[] };
    readonly gainLift?: { readonly positive: string; readonly rows: readonly GainRow[] };
  };
  readonly regression?: {
    readonly actual: number[];
    readonly predicted: number[];
    readonly standardizedResiduals: number[];
    readonly residualStd: number;
    readonly bestFit: { readonly slope: number; readonly intercept: number };
    /** Rows with |standardised residual| > 3. */
    readonly outliers: number;
  };
  readonly importance: PermutationImportance & { readonly rows: number };
  readonly shap: {
    readonly method: string;
    readonly detail: string;
    readonly rows: number;
    /** Which output the summary plot shows. */
    readonly plotted: string;
    readonly meanAbs: readonly { readonly name: string; readonly value: number }[];
    readonly features: readonly { readonly name: string; readonly shap: number[]; readonly colour: number[] }[];
  };
  /** Text models: the words that speak most for each class (see text-terms.ts). */
  readonly topTerms?: TopTermsSection;
}

export interface ModelReportOptions {
  /** Name of the evaluation data shown in the report (e.g. the file). */
  readonly dataName?: string;
  readonly seed?: number;
  /** Bootstrap resamples for metric standard deviations (default 100, down to 20 for large multiclass data). */
  readonly bootstrap?: number;
  /** Rows used for permutation importance (default 5000, a seeded sample beyond it). */
  readonly importanceRows?: number;
  readonly importanceRepeats?: number;
  /** Rows explained for the SHAP summary (default 500 for tree models, 100 otherwise). */
  readonly shapRows?: number;
}

/** Labels shown in the confusion matrix; the rest are pooled as "(other)". */
const MAX_CONFUSION_LABELS = 15;
/** Regression points kept for the scatter plots (a seeded sample beyond it). */
const MAX_PLOT_ROWS = 5000;
/** Rows explained for the SHAP summary: tree models get exact TreeSHAP (cheap), the others permutation SHAP. */
const SHAP_ROWS_TREE = 500;
const SHAP_ROWS_OTHER = 100;
/** Permutations per row of permutation SHAP. */
const SHAP_PERMUTATIONS = 16;

function sample(n: number, k: number, rng: Random): Int32Array {
  if (n <= k) return Int32Array.from({ length: n }, (_, i) => i);
  return rng.permutation(n).subarray(0, k).sort();
}

export function buildModelReport(pipeline: Pipeline, frame: Frame, options: ModelReportOptions = {}): ModelReport {
  const t0 = performance.now();
  const rng = new Random(options.seed ?? 0);
  const data = evaluationData(pipeline, frame, { file: options.dataName });
  const inSample = detectInSample(pipeline, frame, options.dataName);
  const task = pipeline.task;
  const classes = pipeline.classes;
  const result = pipeline.predict(data.frame);
  const n = data.frame.numRows;
  const metricInput = { prediction: result.prediction, probabilities: result.probabilities, labelIndex: result.labelIndex };
  const numClasses = classes?.length;
  const point = computeMetrics(task, data.y, metricInput, { numClasses });
  // Up to 100 resamples, fewer when rows x classes is large (each resample recomputes every metric, AUC included).
  const resamples = options.bootstrap ?? Math.max(20, Math.min(100, Math.floor(4e6 / (n * Math.max(2, numClasses ?? 1)))));
  const metrics = bootstrapMetrics(task, data.y, metricInput, point, numClasses, resamples, rng.fork(1));

  let classification: ModelReport['classification'];
  let regression: ModelReport['regression'];
  if (task === 'regression') regression = regressionSection(data.y as Float64Array, result.prediction!, rng.fork(2));
  else classification = classificationSection(data.y as Int32Array, result.probabilities!, result.labelIndex!, classes!);

  const impRows = sample(n, options.importanceRows ?? 5000, rng.fork(3));
  const impData = impRows.length === n ? data : { ...data, frame: data.frame.take(impRows), y: takeTyped(data.y, impRows) };
  const importance = { ...permutationImportance(pipeline, impData, { repeats: options.importanceRepeats ?? 5, rng: rng.fork(4) }), rows: impRows.length };

  const shap = shapSection(pipeline, data.frame, result.labelIndex, options, rng.fork(5));
  const topTerms = topTermsSection(pipeline.model);

  return {
    format: 'tabpilot-model-report',
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    model: {
      kind: pipeline.model.kind,
      task,
      target: pipeline.artifact.target,
      ...(classes ? { classes } : {}),
      numFeatures: pipeline.artifact.features.length,
      training: { ...pipeline.artifact.training },
    },
    evaluation: {
      dataName: options.dataName ?? 'evaluation data',
      rows: n,
      missingTarget: data.missingTarget,
      unknownLabels: data.unknownLabels,
      unseenCategories: result.unseen ?? {},
      invalidValues: result.invalid ?? {},
      seconds: (performance.now() - t0) / 1000,
      ...(inSample ? { inSample } : {}),
    },
    metrics,
    bootstrapResamples: resamples,
    classification,
    regression,
    importance,
    shap,
    ...(topTerms ? { topTerms } : {}),
  };
}

function takeTyped<T extends Int32Array | Float64Array>(a: T, idx: Int32Array): T {
  const out = new (a.constructor as { new (n: number): T })(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

function bootstrapMetrics(
  task: Pipeline['task'],
  y: Int32Array | Float64Array,
  input: { prediction?: Float64Array; probabilities?: Float64Array; labelIndex?: Int32Array },
  point: Partial<Record<MetricName, number>>,
  numClasses: number | undefined,
  resamples: number,
  rng: Random,
): ModelReport['metrics'] {
  const names = REPORTED_METRICS[task].filter((m) => point[m] !== undefined);
  const n = y.length;
  const k = numClasses ?? 1;
  const sums = new Map<MetricName, number[]>(names.map((m) => [m, []]));
  for (let b = 0; b < resamples; b++) {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const yb = takeTyped(y, idx);
    const sub: typeof input = {};
    if (input.prediction) sub.prediction = takeTyped(input.prediction, idx);
    if (input.labelIndex) sub.labelIndex = takeTyped(input.labelIndex, idx);
    if (input.probabilities) {
      const p = new Float64Array(n * k);
      for (let i = 0; i < n; i++) p.set(input.probabilities.subarray(idx[i] * k, idx[i] * k + k), i * k);
      sub.probabilities = p;
    }
    let m: Partial<Record<MetricName, number>>;
    try {
      m = computeMetrics(task, yb, sub, { numClasses });
    } catch {
      continue;
    }
    for (const name of names) {
      const v = m[name];
      if (v !== undefined && Number.isFinite(v)) sums.get(name)!.push(v);
    }
  }
  return names.map((name) => {
    const vs = sums.get(name)!;
    const mean = vs.reduce((a, b) => a + b, 0) / Math.max(1, vs.length);
    const std = vs.length > 1 ? Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / (vs.length - 1)) : NaN;
    return { name, value: point[name]!, std };
  });
}

function classificationSection(y: Int32Array, probabilities: Float64Array, labelIndex: Int32Array, classes: readonly string[]): NonNullable<ModelReport['classification']> {
  const n = y.length;
  const k = classes.length;
  const full = confusionMatrix(y, labelIndex, k);
  const confusion = limitConfusion(full, classes);
  const column = (c: number): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = probabilities[i * k + c];
    return out;
  };
  const isClass = (c: number): Uint8Array => Uint8Array.from(y, (v) => (v === c ? 1 : 0));
  // Binary: the curves of the positive class (classes[1]). Multiclass: one-vs-rest per class.
  const curveClasses = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
  const roc = curveClasses.map((c) => {
    const r = rocCurve(isClass(c), column(c));
    return { label: classes[c], fpr: r.x, tpr: r.y, auc: r.auc };
  });
  const precisionRecall = curveClasses.map((c) => {
    const r = prCurve(isClass(c), column(c));
    return { label: classes[c], recall: r.x, precision: r.y, averagePrecision: r.averagePrecision, prevalence: r.prevalence };
  });
  let calibration: NonNullable<ModelReport['classification']>['calibration'];
  if (k === 2) calibration = { what: `P(${classes[1]}) vs observed rate of ${classes[1]}`, bins: calibrationCurve(isClass(1), column(1)) };
  else {
    const confidence = new Float64Array(n);
    const correct = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      confidence[i] = probabilities[i * k + labelIndex[i]];
      correct[i] = labelIndex[i] === y[i] ? 1 : 0;
    }
    calibration = { what: 'probability of the predicted label vs accuracy', bins: calibrationCurve(correct, confidence) };
  }
  return {
    labels: classes,
    confusion,
    roc: thinCurves(roc, 'fpr', 'tpr'),
    precisionRecall: thinCurves(precisionRecall, 'recall', 'precision'),
    calibration,
    ...(k === 2 ? { gainLift: { positive: classes[1], rows: gainLift(isClass(1), column(1)) } } : {}),
  };
}

/** Keeps curves at most ~400 points (every m-th plus the ends) so the report stays small. */
function thinCurves<T extends Record<string, unknown>>(curves: T[], xKey: keyof T, yKey: keyof T): T[] {
  return curves.map((c) => {
    const x = c[xKey] as number[];
    const y = c[yKey] as number[];
    if (x.length <= 400) return c;
    const step = Math.ceil(x.length / 400);
    const keep = (_: number, i: number) => i % step === 0 || i === x.length - 1;
    return { ...c, [xKey]: x.filter(keep), [yKey]: y.filter(keep) };
  });
}

function limitConfusion(matrix: number[][], classes: readonly string[]): { labels: string[]; matrix: number[][] } {
  const k = classes.length;
  if (k <= MAX_CONFUSION_LABELS) return { labels: [...classes], matrix };
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const keep = Array.from({ length: k }, (_, c) => c)
    .sort((a, b) => support[b] - support[a])
    .slice(0, MAX_CONFUSION_LABELS - 1)
    .sort((a, b) => a - b);
  const slot = new Int32Array(k).fill(keep.length);
  keep.forEach((c, i) => (slot[c] = i));
  const size = keep.length + 1;
  const out = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) out[slot[t]][slot[p]] += matrix[t][p];
  return { labels: [...keep.map((c) => classes[c]), '(other)'], matrix: out };
}

function regressionSection(y: Float64Array, pred: Float64Array, rng: Random): NonNullable<ModelReport['regression']> {
  const n = y.length;
  const residual = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    residual[i] = y[i] - pred[i];
    mean += residual[i] / n;
  }
  let v = 0;
  for (let i = 0; i < n; i++) v += (residual[i] - mean) ** 2;
  const std = Math.sqrt(v / Math.max(1, n - 1));
  const standardized = Float64Array.from(residual, (r) => (std > 0 ? (r - mean) / std : 0));
  let outliers = 0;
  for (const s of standardized) if (Math.abs(s) > 3) outliers++;
  const idx = sample(n, MAX_PLOT_ROWS, rng);
  return {
    actual: Array.from(idx, (i) => y[i]),
    predicted: Array.from(idx, (i) => pred[i]),
    standardizedResiduals: Array.from(idx, (i) => standardized[i]),
    residualStd: std,
    bestFit: bestFitLine(y, pred),
    outliers,
  };
}

function shapSection(pipeline: Pipeline, frame: Frame, labelIndex: Int32Array | undefined, options: ModelReportOptions, rng: Random): ModelReport['shap'] {
  const treeModel = getLearnerSpec(pipeline.model.kind).tags.family === 'tree';
  const rows = sample(frame.numRows, options.shapRows ?? (treeModel ? SHAP_ROWS_TREE : SHAP_ROWS_OTHER), rng.fork(1));
  const explained = frame.take(rows);
  const e = explainPipeline(pipeline, explained, { background: frame, seed: rng.seed, permutations: treeModel ? undefined : SHAP_PERMUTATIONS });
  const m = e.featureNames.length;
  const k = e.outputs.length;
  const perRowOutput = k > 1 && labelIndex !== undefined && k === (pipeline.classes?.length ?? 0);
  const plotted = perRowOutput ? `contribution to each row's predicted class (${e.outputs[0].replace(/ of .*$/, '')})` : e.outputs[0];
  const values = e.featureNames.map(() => new Float64Array(e.numRows));
  for (let r = 0; r < e.numRows; r++) {
    const o = perRowOutput ? labelIndex![rows[r]] : 0;
    for (let j = 0; j < m; j++) values[j][r] = e.values[(r * m + j) * k + o];
  }
  const prepared = e.method === 'treeshap' ? pipeline.prepare(explained).frame : explained;
  const meanAbs = meanAbsShap(e);
  const order = meanAbs.slice(0, 20).map((f) => e.featureNames.indexOf(f.name));
  return {
    method: e.method,
    detail: e.detail,
    rows: e.numRows,
    plotted,
    meanAbs,
    features: order.map((j) => ({
      name: e.featureNames[j],
      shap: Array.from(values[j]),
      colour: Array.from(colourScale(prepared.has(e.featureNames[j]) ? toFloat64(prepared.column(e.featureNames[j])) : new Float64Array(e.numRows).fill(NaN))),
    })),
  };
}

/** Rank-based [0, 1] scale (robust to outliers); missing stays NaN. */
function colourScale(v: Float64Array): Float64Array {
  const idx = Array.from({ length: v.length }, (_, i) => i).filter((i) => Number.isFinite(v[i]));
  idx.sort((a, b) => v[a] - v[b]);
  const out = new Float64Array(v.length).fill(NaN);
  const denom = Math.max(1, idx.length - 1);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    const rank = (i + j) / 2 / denom;
    for (let t = i; t <= j; t++) out[idx[t]] = rank;
    i = j + 1;
  }
  return out;
}
