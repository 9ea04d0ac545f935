import { Random } from '../util/random.js';

/**
 * Validation plan: each row's fold id. Rows with fold f are the validation rows of fold f and training rows of
 * every other fold; rows with fold -1 (holdout plans) are always training rows.
 */
export interface ValidationPlan {
  readonly kind: 'cv' | 'holdout';
  readonly numFolds: number;
  readonly foldOf: Int32Array;
}

/** Autopilot uses 5-fold CV up to 50,000 rows and a holdout above (spec B.1). */
export const CV_MAX_ROWS = 50_000;
export const DEFAULT_FOLDS = 5;
export const DEFAULT_VALIDATION_FRACTION = 0.2;

/**
 * Stratified k-fold assignment: rows of each class are shuffled and dealt round-robin into folds, continuing the
 * deal across classes so fold sizes differ by at most one. `strata` is a class index per row (null for
 * regression, where rows are stratified on target quantiles instead so each fold sees the whole range).
 */
export function stratifiedFolds(strata: Int32Array, numFolds: number, rng: Random): Int32Array {
  const n = strata.length;
  const foldOf = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, strata[i] + 1);
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) byClass[strata[i]].push(i);
  let next = 0;
  for (const rows of byClass) {
    const order = rng.shuffle(Int32Array.from(rows));
    for (let j = 0; j < order.length; j++) {
      foldOf[order[j]] = next;
      next = (next + 1) % numFolds;
    }
  }
  return foldOf;
}

/** Stratified holdout: a `fraction` of each class (rounded) becomes fold 0, the rest -1. */
export function stratifiedHoldout(strata: Int32Array, fraction: number, rng: Random): Int32Array {
  const n = strata.length;
  const foldOf = new Int32Array(n).fill(-1);
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, strata[i] + 1);
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) byClass[strata[i]].push(i);
  for (const rows of byClass) {
    const order = rng.shuffle(Int32Array.from(rows));
    const take = Math.round(order.length * fraction);
    for (let j = 0; j < take; j++) foldOf[order[j]] = 0;
  }
  return foldOf;
}

/** Regression strata: the decile of each row's target value, so folds are balanced over the target range. */
export function quantileStrata(y: Float64Array, bins = 10): Int32Array {
  const n = y.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => y[a] - y[b] || a - b);
  const strata = new Int32Array(n);
  for (let r = 0; r < n; r++) strata[order[r]] = Math.min(bins - 1, Math.floor((r * bins) / n));
  return strata;
}

export function makeValidationPlan(strata: Int32Array, options: { seed: number; validationFraction?: number; forceHoldout?: boolean }): ValidationPlan {
  const rng = new Random(options.seed).fork(0xf01d);
  const holdout = options.forceHoldout === true || options.validationFraction !== undefined || strata.length > CV_MAX_ROWS;
  if (holdout) {
    return { kind: 'holdout', numFolds: 1, foldOf: stratifiedHoldout(strata, options.validationFraction ?? DEFAULT_VALIDATION_FRACTION, rng) };
  }
  return { kind: 'cv', numFolds: DEFAULT_FOLDS, foldOf: stratifiedFolds(strata, DEFAULT_FOLDS, rng) };
}

/** Training and validation row indices of one fold. */
export function foldRows(plan: ValidationPlan, fold: number): { train: Int32Array; valid: Int32Array } {
  const f = plan.foldOf;
  let nValid = 0;
  for (let i = 0; i < f.length; i++) if (f[i] === fold) nValid++;
  const train = new Int32Array(f.length - nValid);
  const valid = new Int32Array(nValid);
  for (let i = 0, t = 0, v = 0; i < f.length; i++) {
    if (f[i] === fold) valid[v++] = i;
    else train[t++] = i;
  }
  return { train, valid };
}

/** Rows that get an out-of-fold prediction: all rows for CV, the holdout rows otherwise. */
export function scoredRows(plan: ValidationPlan): Int32Array {
  if (plan.kind === 'cv') return Int32Array.from({ length: plan.foldOf.length }, (_, i) => i);
  return foldRows(plan, 0).valid;
}
