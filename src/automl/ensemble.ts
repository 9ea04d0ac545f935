import { type MetricName, accuracy, balancedAccuracy, computeMetrics, f1, precision, recall } from '../metrics/index.js';
import { objectiveValue } from './search.js';
import { caruanaSelection } from './caruana.js';
import type { JobPlan } from './plan.js';
import { type CandidateResult, KEEP_TOP, type SearchState } from './search-state.js';

/**
 * Phase 3, ensemble: greedy ensemble selection with replacement (Caruana, caruana.ts) over the out-of-fold
 * predictions of the best KEEP_TOP completed candidates. Not in HPO mode or with a fixed candidate list.
 */

/** A chosen member of the final model and its weight. */
export interface WeightedResult {
  readonly result: CandidateResult;
  readonly weight: number;
}

export interface EnsembleChoice {
  /** Members with a positive weight, best-ranked first; weights sum to 1. */
  readonly members: readonly WeightedResult[];
  readonly metrics: Partial<Record<MetricName, number>>;
  readonly objective: number;
  readonly rounds: number;
}

/** Selects the ensemble, or undefined when fewer than two distinct candidates would be in it. */
export function selectEnsemble(plan: JobPlan, state: SearchState): EnsembleChoice | undefined {
  if (plan.mode === 'hpo' || plan.options.candidates) return undefined;
  const pool = state
    .completedByLoss()
    .filter((r) => r.oof && r.members)
    .slice(0, KEEP_TOP);
  if (pool.length < 2) return undefined;
  const { task, objective, k } = plan;
  const selection = caruanaSelection({
    task,
    metric: objective,
    yTrue: plan.yScored,
    predictions: pool.map((r) => r.oof!),
    rounds: plan.ensembleRounds,
    numClasses: k,
    weight: plan.weightScored,
    deadline: plan.budget.finalDeadline,
  });
  const distinct = selection.counts.reduce((s, c) => s + (c > 0 ? 1 : 0), 0);
  if (distinct < 2) return undefined;
  const total = selection.counts.reduce((s, c) => s + c, 0);
  const avg = new Float64Array(pool[0].oof!.length);
  pool.forEach((r, j) => {
    const w = selection.counts[j] / total;
    if (w > 0) for (let i = 0; i < avg.length; i++) avg[i] += w * r.oof![i];
  });
  const metrics = computeMetrics(task, plan.yScored, task === 'regression' ? { prediction: avg } : { probabilities: avg }, { numClasses: k, weight: plan.weightScored });
  const members = pool.map((r, j) => ({ result: r, weight: selection.counts[j] / total })).filter((m) => m.weight > 0);
  return { members, metrics, objective: objectiveValue(plan, metrics, avg), rounds: plan.ensembleRounds };
}

/** The chosen members' weighted out-of-fold predictions (the final model's), or undefined when one is not kept. */
export function chosenOof(chosen: readonly WeightedResult[]): Float64Array | undefined {
  if (chosen.length === 0 || chosen.some((m) => !m.result.oof)) return undefined;
  const out = new Float64Array(chosen[0].result.oof!.length);
  const total = chosen.reduce((s, m) => s + m.weight, 0);
  for (const m of chosen) {
    const p = m.result.oof!;
    for (let i = 0; i < out.length; i++) out[i] += (m.weight / total) * p[i];
  }
  return out;
}

/** Label metrics whose value depends on the decision threshold (AutoGluon's calibrate_decision_threshold). */
const THRESHOLD_METRICS: Partial<Record<MetricName, (y: Int32Array, pred: Int32Array, w?: Float64Array) => number>> = {
  F1: (y, p, w) => f1(y, p, 1, w),
  Accuracy: (y, p, w) => accuracy(y, p, w),
  BalancedAccuracy: (y, p, w) => balancedAccuracy(y, p, 2, w),
  Precision: (y, p, w) => precision(y, p, 1, w),
  Recall: (y, p, w) => recall(y, p, 1, w),
};
/** Thresholds tried: THRESHOLD_STEP, 2 x THRESHOLD_STEP, ..., 1 - THRESHOLD_STEP. */
const THRESHOLD_STEP = 0.01;
/** The most probable class, what predict does without a threshold. */
const NEUTRAL_THRESHOLD = 0.5;

/**
 * Binary jobs whose objective is a label metric (F1, Accuracy, BalancedAccuracy, Precision, Recall): the
 * probability of the positive class (classes[1]) at or above which the final model predicts it, chosen on the
 * chosen members' weighted out-of-fold predictions. Undefined when the objective does not depend on it, the
 * predictions are not kept, or no threshold beats 0.5 on the out-of-fold rows (ties go to the one nearest 0.5).
 */
export function decisionThreshold(plan: JobPlan, chosen: readonly WeightedResult[]): number | undefined {
  // A custom objective is not tuned for (its dependence on a threshold is unknown).
  const score = typeof plan.objective === 'string' ? THRESHOLD_METRICS[plan.objective] : undefined;
  const p = chosenOof(chosen);
  if (plan.task !== 'binary' || !score || !p) return undefined;
  const y = plan.yScored as Int32Array;
  const n = y.length;
  const p1 = Float64Array.from({ length: n }, (_, i) => p[2 * i + 1]);
  const labels = new Int32Array(n);
  const at = (t: number) => {
    for (let i = 0; i < n; i++) labels[i] = p1[i] >= t ? 1 : 0;
    return score(y, labels, plan.weightScored);
  };
  let best = NEUTRAL_THRESHOLD;
  let bestScore = at(NEUTRAL_THRESHOLD);
  const steps = Math.round(1 / THRESHOLD_STEP);
  for (let s = 1; s < steps; s++) {
    const t = s * THRESHOLD_STEP;
    const v = at(t);
    if (v > bestScore || (v === bestScore && Math.abs(t - NEUTRAL_THRESHOLD) < Math.abs(best - NEUTRAL_THRESHOLD))) {
      best = t;
      bestScore = v;
    }
  }
  return best === NEUTRAL_THRESHOLD ? undefined : Number(best.toFixed(2));
}
