import { type Objective, objectiveDirection, scoreObjective } from '../metrics/index.js';
import type { Task } from '../models/types.js';

/**
 * Greedy ensemble selection with replacement (Caruana et al. 2004): start empty, and in each round add the model
 * whose inclusion gives the best objective of the averaged out-of-fold predictions; a model can be picked many
 * times, so the pick counts become weights. Ties go to the earlier (better-ranked) model, so the result does
 * not depend on timing.
 */
export interface CaruanaResult {
  /** Pick count per model, indexed like the input. */
  readonly counts: Int32Array;
  /** Objective of the final averaged prediction. */
  readonly score: number;
  /** Objective after each round. */
  readonly trace: number[];
}

export interface CaruanaInput {
  readonly task: Task;
  /** A built-in metric or a custom objective. */
  readonly metric: Objective;
  /** Target per scored row: class index (classification) or value (regression). */
  readonly yTrue: Int32Array | Float64Array;
  /** Out-of-fold predictions of each model over the same rows (n x k probabilities or n values). */
  readonly predictions: readonly Float64Array[];
  readonly rounds?: number;
  readonly numClasses?: number;
  readonly weight?: Float64Array;
  /** Epoch ms: stop adding rounds after this. */
  readonly deadline?: number;
}

export function scorePredictions(task: Task, metric: Objective, yTrue: Int32Array | Float64Array, p: Float64Array, numClasses?: number, weight?: Float64Array): number {
  return scoreObjective(task, metric, yTrue, task === 'regression' ? { prediction: p } : { probabilities: p }, { numClasses, weight });
}

export function caruanaSelection(input: CaruanaInput): CaruanaResult {
  const { task, metric, yTrue, predictions } = input;
  const rounds = input.rounds ?? 25;
  const m = predictions.length;
  const size = predictions[0].length;
  const sign = objectiveDirection(metric) === 'maximize' ? 1 : -1;
  const counts = new Int32Array(m);
  const sum = new Float64Array(size);
  const trial = new Float64Array(size);
  const trace: number[] = [];
  let current = -Infinity;
  for (let r = 0; r < rounds; r++) {
    if (r > 0 && input.deadline !== undefined && Date.now() > input.deadline) break;
    let bestJ = -1;
    let bestScore = -Infinity;
    for (let j = 0; j < m; j++) {
      const p = predictions[j];
      for (let i = 0; i < size; i++) trial[i] = (sum[i] + p[i]) / (r + 1);
      const s = sign * scorePredictions(task, metric, yTrue, trial, input.numClasses, input.weight);
      if (s > bestScore) {
        bestScore = s;
        bestJ = j;
      }
    }
    if (bestJ < 0) break;
    counts[bestJ]++;
    const p = predictions[bestJ];
    for (let i = 0; i < size; i++) sum[i] += p[i];
    current = bestScore;
    trace.push(sign * bestScore);
  }
  return { counts, score: sign * current, trace };
}
