import { Random } from '../util/random.js';

/**
 * Validation plan: each row's fold id. Rows with fold f are the validation rows of fold f and training rows of
 * every other fold; rows with fold -1 (holdout plans) are always training rows.
 *
 * Repeated k-fold (`repeats` > 1) keeps one complete assignment per repeat, one after the other: `foldOf` has
 * n x repeats entries, and repeat r uses fold ids r x numFolds .. (r + 1) x numFolds - 1, so a fold id alone names
 * its repeat; row i of repeat r is entry r x n + i. Every row gets one out-of-fold prediction per repeat.
 */
export interface ValidationPlan {
  readonly kind: 'cv' | 'holdout';
  /** Folds per repeat. */
  readonly numFolds: number;
  readonly foldOf: Int32Array;
  /** Repeats of the k-fold assignment (default 1). */
  readonly repeats?: number;
}

/** Autopilot uses 5-fold CV up to 50,000 rows and a holdout above (spec B.1). */
export const CV_MAX_ROWS = 50_000;
export const DEFAULT_FOLDS = 5;
export const DEFAULT_VALIDATION_FRACTION = 0.2;
/**
 * Below this many rows CV is repeated (REPEATS_SMALL_DATA times with fresh shuffles): with a few hundred rows one
 * 5-fold split's score moves by more than the gap between good configurations, so selection would follow noise;
 * the fits are cheap at that size.
 */
export const REPEATED_CV_MAX_ROWS = 2_000;
export const REPEATS_SMALL_DATA = 3;

/** Fits of one candidate under the plan: folds x repeats (1 for a holdout). */
export function foldCount(plan: ValidationPlan): number {
  return plan.numFolds * (plan.repeats ?? 1);
}

/** Rows of the data the plan covers. */
export function planRows(plan: ValidationPlan): number {
  return plan.foldOf.length / (plan.repeats ?? 1);
}

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

/** Repeat r's stream of the fold shuffles is forked at REPEAT_STREAM + r (repeat 0 keeps the single-CV stream). */
const REPEAT_STREAM = 0xf01d;

/**
 * Grouped k-fold: every row of a group lands in the same fold (no group is in two folds). Groups are shuffled,
 * then dealt largest first, each to the fold with the fewest rows so far, so folds stay balanced in rows.
 * `groups` is a group id (0..) per row. Fewer groups than folds leave the extra folds empty: the caller checks.
 */
export function groupFolds(groups: Int32Array, numFolds: number, rng: Random): Int32Array {
  let g = 0;
  for (let i = 0; i < groups.length; i++) g = Math.max(g, groups[i] + 1);
  const size = new Int32Array(g);
  for (let i = 0; i < groups.length; i++) size[groups[i]]++;
  const order = Array.from(rng.shuffle(Int32Array.from({ length: g }, (_, i) => i)));
  order.sort((a, b) => size[b] - size[a]);
  const foldOfGroup = new Int32Array(g);
  const load = new Float64Array(numFolds);
  for (const grp of order) {
    let best = 0;
    for (let f = 1; f < numFolds; f++) if (load[f] < load[best]) best = f;
    foldOfGroup[grp] = best;
    load[best] += size[grp];
  }
  return Int32Array.from(groups, (grp) => foldOfGroup[grp]);
}

/**
 * The validation plan: a holdout above CV_MAX_ROWS (or when asked), DEFAULT_FOLDS-fold CV otherwise, repeated
 * REPEATS_SMALL_DATA times below REPEATED_CV_MAX_ROWS unless `repeats` says otherwise.
 */
export function makeValidationPlan(
  strata: Int32Array,
  options: {
    seed: number;
    validationFraction?: number;
    forceHoldout?: boolean;
    repeats?: number;
    /** Folds per repeat of random (stratified) k-fold CV; default DEFAULT_FOLDS. */
    numFolds?: number;
    /** A fold id (0 .. k-1) per row, given by the user (--fold-column): used as is, one repeat. */
    folds?: Int32Array;
    /** A group id per row (--group-column): grouped DEFAULT_FOLDS-fold CV, one repeat. */
    groups?: Int32Array;
  },
): ValidationPlan {
  const rng = new Random(options.seed).fork(REPEAT_STREAM);
  const n = strata.length;
  if (options.folds) {
    let k = 0;
    for (let i = 0; i < n; i++) k = Math.max(k, options.folds[i] + 1);
    return { kind: 'cv', numFolds: k, foldOf: Int32Array.from(options.folds) };
  }
  if (options.groups) return { kind: 'cv', numFolds: DEFAULT_FOLDS, foldOf: groupFolds(options.groups, DEFAULT_FOLDS, rng) };
  const holdout = options.forceHoldout === true || options.validationFraction !== undefined || n > CV_MAX_ROWS;
  if (holdout) {
    return { kind: 'holdout', numFolds: 1, foldOf: stratifiedHoldout(strata, options.validationFraction ?? DEFAULT_VALIDATION_FRACTION, rng) };
  }
  const repeats = options.repeats ?? (n < REPEATED_CV_MAX_ROWS ? REPEATS_SMALL_DATA : 1);
  const k = options.numFolds ?? DEFAULT_FOLDS;
  if (repeats === 1) return { kind: 'cv', numFolds: k, foldOf: stratifiedFolds(strata, k, rng) };
  const foldOf = new Int32Array(n * repeats);
  for (let r = 0; r < repeats; r++) {
    const one = stratifiedFolds(strata, k, r === 0 ? rng : new Random(options.seed).fork(REPEAT_STREAM + r));
    for (let i = 0; i < n; i++) foldOf[r * n + i] = one[i] + r * k;
  }
  return { kind: 'cv', numFolds: k, foldOf, repeats };
}

/**
 * Training and validation row indices (0 .. n-1) of fold id `fold` of a fold assignment with `n` rows per repeat
 * (see ValidationPlan): the validation rows are those with that id, the training rows every other row.
 * Fold -1 (the refit) trains on every row.
 */
export function splitByFold(foldOf: Int32Array, n: number, fold: number): { train: Int32Array; valid: Int32Array } {
  if (fold < 0) return { train: Int32Array.from({ length: n }, (_, i) => i), valid: new Int32Array(0) };
  const isValid = new Uint8Array(n);
  let nValid = 0;
  for (let i = 0; i < foldOf.length; i++) {
    if (foldOf[i] === fold) {
      isValid[i % n] = 1;
      nValid++;
    }
  }
  const train = new Int32Array(n - nValid);
  const valid = new Int32Array(nValid);
  for (let i = 0, t = 0, v = 0; i < n; i++) {
    if (isValid[i]) valid[v++] = i;
    else train[t++] = i;
  }
  return { train, valid };
}

/** Training and validation row indices of one fold (0 .. foldCount(plan) - 1). */
export function foldRows(plan: ValidationPlan, fold: number): { train: Int32Array; valid: Int32Array } {
  return splitByFold(plan.foldOf, planRows(plan), fold);
}

/** Rows that get an out-of-fold prediction: all rows for CV, the holdout rows otherwise. */
export function scoredRows(plan: ValidationPlan): Int32Array {
  if (plan.kind === 'cv') return Int32Array.from({ length: planRows(plan) }, (_, i) => i);
  return foldRows(plan, 0).valid;
}
