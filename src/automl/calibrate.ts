import { logLoss } from '../metrics/index.js';
import { temperatureScale } from '../models/ensemble.js';
import { type WeightedResult, chosenOof } from './ensemble.js';
import type { JobPlan } from './plan.js';

/**
 * Probability calibration of the final model: temperature scaling (Guo et al. 2017), one scalar t for every class
 * (binary and multiclass alike), fitted on the final model's out-of-fold predictions when the objective is LogLoss.
 * Chosen over Platt scaling because one parameter fits both binary and multiclass, cannot change which class is most
 * probable (accuracy, AUC and the leaderboard ranking stay as they are), and is hard to over-fit on a few hundred
 * rows. The temperature is kept only when it lowers the out-of-fold log loss, also when cross-fitted (each fifth
 * of the rows scaled by a temperature fitted on the rest), so a gain that comes from fitting and scoring t on the
 * same rows is not kept.
 */

export interface Calibration {
  readonly method: 'temperature';
  readonly temperature: number;
  /** Log loss of the final model's out-of-fold predictions without and with the temperature. */
  readonly oofLogLossBefore: number;
  readonly oofLogLossAfter: number;
  /** Log loss with each fifth of the rows scaled by a temperature fitted on the other four fifths. */
  readonly oofLogLossCrossFitted: number;
  /** True when it improved the out-of-fold log loss, also cross-fitted: model.json then holds the temperature. */
  readonly applied: boolean;
  /** Set when time allowed only a sample: the out-of-fold rows (every s-th) the temperature was fitted and checked on. */
  readonly rows?: number;
}

/** Temperatures searched: log t in [log T_LOW, log T_HIGH] (from 20x sharper to 20x softer). */
const T_LOW = 0.05;
const T_HIGH = 20;
/** Golden-section steps on log t: the bracket shrinks by 0.618 per step, to about 1e-4 of its width after 20. */
const SEARCH_STEPS = 20;
/** Kept only if it lowers the out-of-fold log loss by more than this (relative): smaller gains are noise. */
const MIN_RELATIVE_GAIN = 1e-4;

/** The temperature minimising log loss of `p` (n x k) against `y`, by golden-section search on log t. */
export function fitTemperature(y: Int32Array, p: Float64Array, k: number, weight?: Float64Array): number {
  const loss = (logT: number) => logLoss(y, temperatureScale(p, k, Math.exp(logT)), weight);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(T_LOW);
  let b = Math.log(T_HIGH);
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = loss(c);
  let fd = loss(d);
  for (let s = 0; s < SEARCH_STEPS; s++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = loss(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = loss(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** Parts of the out-of-fold rows for the cross-fitted check (row i is in part i mod CHECK_PARTS). */
const CHECK_PARTS = 5;
/**
 * Log-loss evaluations calibration makes, in passes over all rows: the fit (2 + SEARCH_STEPS), the after score,
 * and the cross-fitted check (CHECK_PARTS fits on (CHECK_PARTS - 1) / CHECK_PARTS of the rows, one scoring pass).
 */
const CALIBRATION_PASSES = SEARCH_STEPS + 3 + (CHECK_PARTS - 1) * (SEARCH_STEPS + 2) + 1;
/** Only this share of the time left is planned for calibration (the estimate comes from one timed pass). */
const CALIBRATION_TIME_SHARE = 0.7;
/** Fewer rows than this would not fit a temperature worth keeping: calibration is skipped instead. */
const MIN_CALIBRATION_ROWS = 1_000;

/** The given rows of y, p (n x k) and the weights, in that order. */
function pickRows(y: Int32Array, p: Float64Array, k: number, weight: Float64Array | undefined, rows: Int32Array) {
  const m = rows.length;
  const ys = new Int32Array(m);
  const ps = new Float64Array(m * k);
  const ws = weight ? new Float64Array(m) : undefined;
  for (let j = 0; j < m; j++) {
    const i = rows[j];
    ys[j] = y[i];
    ps.set(p.subarray(i * k, (i + 1) * k), j * k);
    if (ws) ws[j] = weight![i];
  }
  return { y: ys, p: ps, weight: ws };
}

/**
 * Every how-many-th out-of-fold row calibration can afford (1 = all of them), or 0 when not even
 * MIN_CALIBRATION_ROWS (or all n, if fewer) fit: `passMs` is one timed pass over the n rows, `msLeft` the time to
 * the final deadline.
 */
export function calibrationStride(n: number, passMs: number, msLeft: number): number {
  const affordable = Math.floor((msLeft * CALIBRATION_TIME_SHARE) / ((passMs / n) * CALIBRATION_PASSES));
  if (affordable < Math.min(n, MIN_CALIBRATION_ROWS)) return 0;
  return Math.ceil(n / Math.min(n, affordable));
}

/**
 * LogLoss classification jobs: the temperature of the final model (members `chosen`); undefined otherwise. Within
 * the job's budget: one timed pass over the out-of-fold rows prices the rest; when the time left does not cover
 * them all, the temperature is fitted and checked on every s-th row (`rows` in the result), and below
 * MIN_CALIBRATION_ROWS it is skipped with a calibration_skipped warning.
 */
export function calibrate(plan: JobPlan, chosen: readonly WeightedResult[]): Calibration | undefined {
  if (plan.task === 'regression' || plan.objective !== 'LogLoss' || plan.options.calibrate === false) return undefined;
  const oof = chosenOof(chosen);
  if (!oof) return undefined;
  const { k } = plan;
  const yAll = plan.yScored as Int32Array;
  const n = yAll.length;
  const deadline = plan.budget.finalDeadline;
  const started = Date.now();
  logLoss(yAll, temperatureScale(oof, k, 1), plan.weightScored); // one timed pass
  const stride = deadline === undefined ? 1 : calibrationStride(n, Math.max(1e-6, Date.now() - started), deadline - Date.now());
  if (stride === 0) {
    plan.warn('not enough time left to calibrate the probabilities; the final model is not temperature-scaled', 'calibration_skipped');
    return undefined;
  }
  // A deterministic spread-out sample: every stride-th row.
  const sample = () => Int32Array.from({ length: Math.ceil(n / stride) }, (_, j) => j * stride);
  const { y, p, weight } = stride === 1 ? { y: yAll, p: oof, weight: plan.weightScored } : pickRows(yAll, oof, k, plan.weightScored, sample());
  const before = logLoss(y, p, weight);
  const t = fitTemperature(y, p, k, weight);
  const after = logLoss(y, temperatureScale(p, k, t), weight);
  const temperature = Number(t.toPrecision(6));
  const crossFitted = crossFittedLogLoss(y, p, k, weight);
  const helps = after < before * (1 - MIN_RELATIVE_GAIN) && crossFitted < before * (1 - MIN_RELATIVE_GAIN);
  return { method: 'temperature', temperature, oofLogLossBefore: before, oofLogLossAfter: after, oofLogLossCrossFitted: crossFitted, applied: helps, ...(stride > 1 ? { rows: y.length } : {}) };
}

/**
 * Log loss of the out-of-fold predictions when each part's temperature is fitted on the other parts: an honest
 * estimate of what the temperature gains on unseen rows (fitting and scoring t on the same rows always gains).
 */
function crossFittedLogLoss(y: Int32Array, p: Float64Array, k: number, weight?: Float64Array): number {
  const n = y.length;
  const scaled = new Float64Array(p.length);
  for (let part = 0; part < CHECK_PARTS; part++) {
    const rest = new Int32Array(n - Math.ceil((n - part) / CHECK_PARTS));
    for (let i = 0, j = 0; i < n; i++) if (i % CHECK_PARTS !== part) rest[j++] = i;
    const fit = pickRows(y, p, k, weight, rest);
    const t = fitTemperature(fit.y, fit.p, k, fit.weight);
    for (let i = part; i < n; i += CHECK_PARTS) scaled.set(temperatureScale(p.subarray(i * k, (i + 1) * k), k, t), i * k);
  }
  return logLoss(y, scaled, weight);
}
