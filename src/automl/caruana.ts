import { type Objective, objectiveDirection, scoreObjective } from '../metrics/index.js';
import type { Task } from '../models/types.js';
import { Random } from '../util/random.js';

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

export interface BaggedSelectionOptions {
  /** Number of bags (each a greedy selection over a random subset of the models). */
  readonly bags: number;
  /** Share of the models each bag may choose from (at least two). */
  readonly fraction: number;
  readonly seed: number;
}

/**
 * Bagged ensemble selection (Caruana et al. 2004, section 5.3): greedy selection repeated over random subsets of the
 * models, each bag's weights averaged. On small data one greedy pass fits the noise of the out-of-fold rows (it
 * keeps picking the one model that happens to score best there); bags spread the weight over models that are good
 * in most subsets. Returns one weight per model, summing to 1. Seeded: the same inputs give the same weights. The
 * deadline ends the bagging after the bag that crosses it (at least one bag runs).
 */
export function baggedCaruanaSelection(input: CaruanaInput, options: BaggedSelectionOptions): Float64Array {
  const m = input.predictions.length;
  const weights = new Float64Array(m);
  const size = Math.min(m, Math.max(2, Math.round(options.fraction * m)));
  const random = new Random(options.seed);
  let bags = 0;
  for (let b = 0; b < options.bags; b++) {
    if (b > 0 && input.deadline !== undefined && Date.now() > input.deadline) break;
    const subset = random.permutation(m).subarray(0, size);
    const { counts } = caruanaSelection({ ...input, predictions: Array.from(subset, (j) => input.predictions[j]) });
    const total = counts.reduce((s, c) => s + c, 0);
    if (total === 0) continue;
    subset.forEach((j, i) => (weights[j] += counts[i] / total));
    bags++;
  }
  if (bags > 0) for (let j = 0; j < m; j++) weights[j] /= bags;
  return weights;
}
