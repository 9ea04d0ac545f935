import { fromUnit, mean, nelderMead, rms, sigmaFromPsi, toUnit } from '../optimize.js';
import type { LocalForecast, LocalModel, LocalParams } from './types.js';

/**
 * The Theta method (Assimakopoulos & Nikolopoulos 2000) in its equivalent form of Hyndman & Billah (2003):
 * simple exponential smoothing plus half the slope of a straight line fitted to the series (theta = 2).
 * A series with significant seasonality at the period (the 90% ACF test of the M3 competition) is
 * deseasonalised first with a classical decomposition (multiplicative when the series is positive) and
 * reseasonalised after.
 */
export interface ThetaParams extends LocalParams {
  alpha: number;
  level0: number;
  /** Slope of the straight line through the (deseasonalised) series. */
  drift: number;
  seasonal: 'none' | 'additive' | 'multiplicative';
}

/** One-sided 90% normal quantile of the seasonality test on the ACF at the period. */
const SEASONALITY_Z = 1.645;
/** Weight of the linear trend in the theta = 2 forecast: (theta - 1) / theta. */
const THETA_TREND_WEIGHT = 0.5;

function acf(y: Float64Array, lag: number, mu: number, v0: number): number {
  let s = 0;
  for (let t = lag; t < y.length; t++) s += (y[t] - mu) * (y[t - lag] - mu);
  return s / v0;
}

/** True when the ACF at lag m is significant (Bartlett's variance from the lower lags). */
export function isSeasonal(y: Float64Array, m: number): boolean {
  if (m <= 1 || y.length < 3 * m) return false;
  const mu = mean(y);
  let v0 = 0;
  for (const v of y) v0 += (v - mu) ** 2;
  if (!(v0 > 0)) return false;
  let sum = 0;
  for (let k = 1; k < m; k++) sum += acf(y, k, mu, v0) ** 2;
  return Math.abs(acf(y, m, mu, v0)) / Math.sqrt((1 + 2 * sum) / y.length) > SEASONALITY_Z;
}

/** Classical decomposition indices (centred moving average), normalised to mean 1 (multiplicative) or 0 (additive); index j = position t mod m. */
export function seasonalIndices(y: Float64Array, m: number, multiplicative: boolean): Float64Array {
  const n = y.length;
  const half = Math.floor(m / 2);
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  for (let t = half; t < n - half; t++) {
    let trend = 0;
    if (m % 2 === 0) {
      for (let k = -half; k <= half; k++) trend += y[t + k] * (Math.abs(k) === half ? 0.5 : 1);
      trend /= m;
    } else {
      for (let k = -half; k <= half; k++) trend += y[t + k];
      trend /= m;
    }
    sums[t % m] += multiplicative ? y[t] / trend : y[t] - trend;
    counts[t % m]++;
  }
  const idx = Float64Array.from(sums, (s, j) => (counts[j] > 0 ? s / counts[j] : multiplicative ? 1 : 0));
  const avg = mean(idx);
  return idx.map((v) => (multiplicative ? v / avg : v - avg));
}

function ses(x: Float64Array, alpha: number, level0: number): { level: number; residuals: Float64Array; sse: number } {
  let l = level0;
  let sse = 0;
  const residuals = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const e = x[t] - l;
    residuals[t] = e;
    sse += e * e;
    l += alpha * e;
  }
  return { level: l, residuals, sse };
}

function slope(x: Float64Array): number {
  const n = x.length;
  const tm = (n - 1) / 2;
  const xm = mean(x);
  let num = 0, den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tm) * (x[t] - xm);
    den += (t - tm) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function deseasonalise(y: Float64Array, m: number, kind: ThetaParams['seasonal']): { x: Float64Array; idx: Float64Array } {
  if (kind === 'none') return { x: y, idx: new Float64Array(1) };
  const mult = kind === 'multiplicative';
  const idx = seasonalIndices(y, m, mult);
  return { x: y.map((v, t) => (mult ? v / idx[t % m] : v - idx[t % m])), idx };
}

export function fitTheta(y: Float64Array, m: number): ThetaParams {
  const seasonal: ThetaParams['seasonal'] = isSeasonal(y, m) ? (y.every((v) => v > 0) ? 'multiplicative' : 'additive') : 'none';
  const { x } = deseasonalise(y, m, seasonal);
  const scale = Math.max(1e-12, mean(x.map(Math.abs)));
  const best = nelderMead((z) => ses(x, toUnit(z[0]), z[1] * scale).sse / (scale * scale), [fromUnit(0.3), x[0] / scale], { step: 0.5 });
  return { alpha: toUnit(best.x[0]), level0: best.x[1] * scale, drift: slope(x), seasonal };
}

export function thetaForecast(y: Float64Array, m: number, p: ThetaParams, h: number, sameStart: boolean): LocalForecast {
  const { x, idx } = deseasonalise(y, m, p.seasonal);
  const drift = slope(x);
  const r = ses(x, p.alpha, sameStart ? p.level0 : x[0]);
  const n = x.length;
  const a = p.alpha;
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    const v = r.level + THETA_TREND_WEIGHT * drift * (k + 1 / a - (1 - a) ** n / a);
    const j = (n + k) % Math.max(1, m);
    out[k] = p.seasonal === 'multiplicative' ? v * idx[j] : p.seasonal === 'additive' ? v + idx[j] : v;
  }
  const psi = Float64Array.from({ length: h }, (_, k) => (k === 0 ? 1 : a));
  const sigma = sigmaFromPsi(rms(r.residuals, 1, 1), psi, h);
  if (p.seasonal === 'multiplicative') for (let k = 0; k < h; k++) sigma[k] *= idx[(n + k) % m];
  return { mean: out, sigma };
}

export const theta: LocalModel = {
  name: 'theta',
  description: 'Theta method (SES with half the linear drift), seasonally adjusted when the ACF test says so',
  minLength: () => 3,
  fit: (y, period) => fitTheta(y, period),
  forecast: (y, period, params, h, sameStart) => thetaForecast(y, period, params as ThetaParams, h, sameStart),
};
