import type { Frame } from '../frame/frame.js';
import { crossValidatedPower, encodeFeature } from '../insights/power.js';
import { quickModel } from '../insights/quick-model.js';
import { problemTypeOf } from '../insights/target-report.js';
import { sampleRows } from '../insights/split.js';
import { columnStats } from '../insights/stats.js';
import { encodeTarget } from '../insights/target.js';
import { barChart } from '../render/index.js';
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { type AnalysisParams, type AnalysisResult, numberParam, requireColumn } from './common.js';

const TASKS: readonly Task[] = ['regression', 'binary', 'multiclass'];

function taskParam(params: AnalysisParams): Task | undefined {
  const t = params.problemType;
  if (t === undefined || t === null || t === '') return undefined;
  if (typeof t === 'string' && TASKS.includes(t as Task)) return t as Task;
  if (t === 'classification') return undefined;
  throw new TabpilotError('INVALID_ARGUMENT', `problemType must be one of ${TASKS.join(', ')}, got ${JSON.stringify(t)}`);
}

/**
 * A.2 Target leakage: each feature alone, 5-fold cross-validated on a sample of about 1,000 rows; ROC-AUC for
 * classification (one-vs-rest mean for multiclass), R² for regression. 1 = likely leakage; AUC <= 0.5 or R² <= 0
 * = not informative alone. Ranked, up to `maxFeatures`.
 */
export function targetLeakageAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const targetCol = requireColumn(frame, params, 'target', 'target-leakage');
  const sampleSize = numberParam(params, 'sampleSize', 1000, (v) => Number.isInteger(v) && v >= 100);
  const maxFeatures = numberParam(params, 'maxFeatures', 50, (v) => Number.isInteger(v) && v >= 1);
  const rng = new Random(numberParam(params, 'seed', 0));
  const sample = frame.numRows > sampleSize ? frame.take(sampleRows(frame.numRows, sampleSize, rng.fork(1))) : frame;
  let task = taskParam(params);
  if (!task) {
    task = problemTypeOf(sample.column(targetCol.name)).task;
    if (params.problemType === 'classification' && task === 'regression') task = 'multiclass';
  }
  const target = encodeTarget(sample.column(targetCol.name), task);
  const metric = task === 'regression' ? 'r2' : 'roc_auc';
  const results = sample.columnNames
    .filter((c) => c !== targetCol.name)
    .map((name) => {
      const col = sample.column(name);
      const r = crossValidatedPower(encodeFeature(col, columnStats(col).featureType), target, sample.numRows, 5, rng.fork(2));
      const score = task === 'multiclass' ? (r.aucOvr ?? NaN) : r.score;
      return { feature: name, score: Number.isFinite(score) ? score : null, predictionPower: Number.isFinite(r.normalized) ? r.normalized : null };
    })
    .sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity))
    .slice(0, maxFeatures);
  const threshold = metric === 'r2' ? 0 : 0.5;
  const leaking = results.filter((r) => r.score !== null && r.score > 0.95);
  return {
    analysis: 'target-leakage',
    params,
    data: { target: targetCol.name, task, metric, rows: sample.numRows, folds: 5, features: results },
    svg: barChart({ items: results.map((r) => ({ label: r.feature, value: r.score ?? NaN })), max: 1, title: `${metric} of each feature alone`, kind: 'target-leakage', width: 520 }),
    summary: `${metric} of each feature alone on ${sample.numRows} rows (5-fold CV). ${
      leaking.length > 0 ? `Possible leakage: ${leaking.map((r) => `${r.feature} (${r.score!.toFixed(3)})`).join(', ')}.` : 'No feature scores above 0.95.'
    } ${results.filter((r) => r.score !== null && r.score <= threshold).length} feature(s) are not informative alone.`,
  };
}

/**
 * A.2 Quick model (Data Wrangler's analysis): regression if the target has more than 100 distinct values, else
 * classification; trained on 70%, scored on 30% (F1 for classification, weighted over classes for multiclass;
 * MSE for regression), with feature importances. Our gradient boosting stands in for Spark's random forest.
 */
export async function quickModelAnalysis(frame: Frame, params: AnalysisParams): Promise<AnalysisResult> {
  const targetCol = requireColumn(frame, params, 'target', 'quick-model');
  const stats = columnStats(targetCol);
  let task = taskParam(params);
  if (!task) task = stats.cardinality > 100 ? 'regression' : stats.cardinality === 2 ? 'binary' : 'multiclass';
  const target = encodeTarget(targetCol, task);
  const rng = new Random(numberParam(params, 'seed', 0));
  const features = frame.columnNames.filter((c) => c !== targetCol.name);
  const q = await quickModel(frame, targetCol.name, target, features, rng, { mode: 'split', validFraction: 0.3 });
  const metricName = task === 'regression' ? 'mse' : task === 'binary' ? 'f1' : 'f1_weighted';
  const score = q.metrics[metricName] ?? null;
  return {
    analysis: 'quick-model',
    params,
    data: { target: targetCol.name, task, metric: metricName, score, result: q },
    svg: barChart({ items: q.featureImportance.map((f) => ({ label: f.name, value: f.importance })), title: 'Feature importance', kind: 'importance', width: 520 }),
    summary: `${task} quick model on ${q.trainRows} rows, scored on ${q.validationRows}: ${metricName} ${score === null ? 'n/a' : score.toFixed(4)}. Most important: ${q.featureImportance
      .slice(0, 3)
      .map((f) => f.name)
      .join(', ')}.`,
  };
}
