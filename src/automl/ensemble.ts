import { type MetricName, computeMetrics } from '../metrics/index.js';
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
  return { members, metrics, objective: metrics[objective] ?? NaN, rounds: plan.ensembleRounds };
}
