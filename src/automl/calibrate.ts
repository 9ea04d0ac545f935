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

/**
 * Log-loss evaluations calibration makes: the fit (2 + SEARCH_STEPS), the before / after scores, and the
 * cross-fitted check (CHECK_PARTS fits on (CHECK_PARTS - 1) / CHECK_PARTS of the rows, one scoring pass).
 */
const CALIBRATION_EVALUATIONS = SEARCH_STEPS + 4 + 5 * (SEARCH_STEPS + 2) * 0.8 + 1;

/** LogLoss classification jobs: the temperature of the final model (members `chosen`); undefined otherwise. */
export function calibrate(plan: JobPlan, chosen: readonly WeightedResult[]): Calibration | undefined {
  if (plan.task === 'regression' || plan.objective !== 'LogLoss' || plan.options.calibrate === false) return undefined;
  const p = chosenOof(chosen);
  if (!p) return undefined;
  const y = plan.yScored as Int32Array;
  // Within the job's budget: one timed evaluation prices the rest (16,000 rows x 26 classes: ~20 ms each).
  const deadline = plan.budget.finalDeadline;
  const started = Date.now();
  const before = logLoss(y, p, plan.weightScored);
  temperatureScale(p, plan.k, 1); // timed with the line above: what one evaluation of the search costs
  if (deadline !== undefined && Date.now() + (Date.now() - started) * CALIBRATION_EVALUATIONS >= deadline) {
    plan.warn('not enough time left to calibrate the probabilities; the final model is not temperature-scaled', 'calibration_skipped');
    return undefined;
  }
  const t = fitTemperature(y, p, plan.k, plan.weightScored);
  const after = logLoss(y, temperatureScale(p, plan.k, t), plan.weightScored);
  const temperature = Number(t.toPrecision(6));
  const crossFitted = crossFittedLogLoss(y, p, plan.k, plan.weightScored);
  const helps = after < before * (1 - MIN_RELATIVE_GAIN) && crossFitted < before * (1 - MIN_RELATIVE_GAIN);
  return { method: 'temperature', temperature, oofLogLossBefore: before, oofLogLossAfter: after, oofLogLossCrossFitted: crossFitted, applied: helps };
}

/** Parts of the out-of-fold rows for the cross-fitted check (row i is in part i mod CHECK_PARTS). */
const CHECK_PARTS = 5;

/**
 * Log loss of the out-of-fold predictions when each part's temperature is fitted on the other parts: an honest
 * estimate of what the temperature gains on unseen rows (fitting and scoring t on the same rows always gains).
 */
function crossFittedLogLoss(y: Int32Array, p: Float64Array, k: number, weight?: Float64Array): number {
  const n = y.length;
  const scaled = new Float64Array(p.length);
  for (let part = 0; part < CHECK_PARTS; part++) {
    const m = n - Math.ceil((n - part) / CHECK_PARTS);
    const yRest = new Int32Array(m);
    const pRest = new Float64Array(m * k);
    const wRest = weight ? new Float64Array(m) : undefined;
    for (let i = 0, j = 0; i < n; i++) {
      if (i % CHECK_PARTS === part) continue;
      yRest[j] = y[i];
      pRest.set(p.subarray(i * k, (i + 1) * k), j * k);
      if (wRest) wRest[j] = weight![i];
      j++;
    }
    const t = fitTemperature(yRest, pRest, k, wRest);
    for (let i = part; i < n; i += CHECK_PARTS) scaled.set(temperatureScale(p.subarray(i * k, (i + 1) * k), k, t), i * k);
  }
  return logLoss(y, scaled, weight);
}
