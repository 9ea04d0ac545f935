import { type Column, takeColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { type MetricName, METRIC_DIRECTION, computeMetrics } from '../metrics/index.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { type Random } from '../util/random.js';
import { type EvaluationData } from './target.js';

/**
 * Permutation importance of a whole pipeline (any model, ensembles included): how much the metric worsens
 * when one raw input column is shuffled across the evaluation rows, breaking its link to the target.
 * Repeated shuffles give a mean and a 95% confidence interval (Student t over the repeats).
 */
export interface PermutationImportance {
  readonly metric: MetricName;
  readonly baseline: number;
  readonly repeats: number;
  readonly features: readonly {
    readonly name: string;
    /** Mean metric loss (positive = the feature helps). */
    readonly importance: number;
    readonly std: number;
    readonly ciLow: number;
    readonly ciHigh: number;
  }[];
}

export interface ImportanceOptions {
  readonly metric?: MetricName;
  /** Shuffles per feature (default 5). */
  readonly repeats?: number;
  readonly rng: Random;
}

/** Metric used by default: threshold-free where possible, so importances are not quantised by label flips. */
export function defaultImportanceMetric(task: Pipeline['task']): MetricName {
  return task === 'regression' ? 'R2' : task === 'binary' ? 'AUC' : 'LogLoss';
}

export function scorePipeline(pipeline: Pipeline, frame: Frame, y: Int32Array | Float64Array, metric: MetricName): number {
  const result = pipeline.predict(frame);
  const metrics = computeMetrics(pipeline.task, y, { prediction: result.prediction, probabilities: result.probabilities, labelIndex: result.labelIndex }, { numClasses: pipeline.classes?.length });
  const v = metrics[metric];
  if (v === undefined) throw new Error(`metric ${metric} is not computed for ${pipeline.task}`);
  return v;
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (then the normal 1.96). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function permutationImportance(pipeline: Pipeline, data: EvaluationData, opts: ImportanceOptions): PermutationImportance {
  const metric = opts.metric ?? defaultImportanceMetric(pipeline.task);
  const repeats = Math.max(2, Math.floor(opts.repeats ?? 5));
  const sign = METRIC_DIRECTION[metric] === 'maximize' ? 1 : -1;
  const { frame, y } = data;
  const baseline = scorePipeline(pipeline, frame, y, metric);
  const names = pipeline.artifact.features.map((f) => f.name);
  const base = frame.select(names);
  const columns = names.map((n) => base.column(n));
  const features = names.map((name, j) => {
    const rng = opts.rng.fork(j);
    const losses = new Float64Array(repeats);
    for (let r = 0; r < repeats; r++) {
      const perm = rng.permutation(frame.numRows);
      const shuffled: Column[] = columns.slice();
      shuffled[j] = takeColumn(columns[j], perm);
      const score = scorePipeline(pipeline, Frame.fromColumns(shuffled), y, metric);
      losses[r] = sign * (baseline - score);
    }
    let mean = 0;
    for (const l of losses) mean += l / repeats;
    let v = 0;
    for (const l of losses) v += (l - mean) ** 2;
    const std = Math.sqrt(v / (repeats - 1));
    const half = (T975[Math.min(repeats - 2, T975.length - 1)] ?? 1.96) * (std / Math.sqrt(repeats));
    return { name, importance: mean, std, ciLow: mean - half, ciHigh: mean + half };
  });
  features.sort((a, b) => b.importance - a.importance);
  return { metric, baseline, repeats, features };
}
