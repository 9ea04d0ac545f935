import { stl } from '../../analyses/time-series.js';
import { aicc, mean, nelderMead, sigmaFromPsi } from '../optimize.js';
import type { LocalForecast, LocalModel, LocalParams } from './types.js';

/**
 * A small automatic ARIMA(p,d,q)(0,D,Q)m, fitted by conditional least squares (pre-sample errors zero).
 * D = 1 when the STL seasonal strength is above 0.64 (Wang, Smith & Hyndman's rule, as in auto.arima);
 * d = the number of differences (0..2) after which the KPSS level-stationarity test no longer rejects at 5%;
 * then every p, q in 0..2 (and a seasonal MA term when D = 1) is fitted and the lowest AICc kept. A constant
 * is estimated when d + D <= 1.
 */
export interface ArimaParams extends LocalParams {
  p: number;
  d: number;
  q: number;
  D: number;
  Q: number;
  period: number;
  constant: boolean;
  mu: number;
  ar: number[];
  ma: number[];
  sma: number;
  aicc: number;
}

/** Seasonal strength above which one seasonal difference is taken. */
const SEASONAL_STRENGTH = 0.64;
/** 5% critical value of the KPSS level-stationarity statistic. */
const KPSS_CRITICAL = 0.463;
const MAX_P = 2;
const MAX_Q = 2;
const MAX_D = 2;
/** Nelder-Mead evaluations per coefficient. */
const EVALS_PER_COEF = 120;

export function difference(y: Float64Array, lag: number): Float64Array {
  if (y.length <= lag) return new Float64Array(0);
  return y.subarray(lag).map((v, i) => v - y[i]);
}

function variance(x: ArrayLike<number>): number {
  const mu = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - mu) ** 2;
  return x.length > 1 ? s / (x.length - 1) : 0;
}

export function seasonalStrength(y: Float64Array, m: number): number {
  if (m <= 1 || y.length < 2 * m + 1) return 0;
  const r = stl(y, { period: m });
  const sr = r.seasonal.map((v, i) => v + r.residual[i]);
  const vsr = variance(sr);
  return vsr > 0 ? Math.max(0, 1 - variance(r.residual) / vsr) : 0;
}

/** KPSS statistic for level stationarity (Bartlett long-run variance, lag trunc(3 sqrt(n) / 13)). */
export function kpss(x: Float64Array): number {
  const n = x.length;
  const mu = mean(x);
  const e = x.map((v) => v - mu);
  let s = 0, num = 0;
  for (let t = 0; t < n; t++) {
    s += e[t];
    num += s * s;
  }
  const lags = Math.floor((3 * Math.sqrt(n)) / 13);
  let lrv = 0;
  for (let t = 0; t < n; t++) lrv += e[t] * e[t];
  for (let l = 1; l <= lags; l++) {
    let g = 0;
    for (let t = l; t < n; t++) g += e[t] * e[t - l];
    lrv += 2 * (1 - l / (lags + 1)) * g;
  }
  lrv /= n;
  return lrv > 0 ? num / (n * n * lrv) : 0;
}

/** Stationary (AR) / invertible (MA) region for orders up to 2: the triangle of Box & Jenkins. */
function admissible(c: readonly number[]): boolean {
  if (c.length === 0) return true;
  if (c.length === 1) return Math.abs(c[0]) < 1;
  return c[1] + c[0] < 1 && c[1] - c[0] < 1 && Math.abs(c[1]) < 1;
}

/** Expanded MA polynomial (1 + sum theta_j B^j)(1 + Theta B^m), coefficient k of B^k (k >= 1; index 0 unused). */
function maPolynomial(ma: readonly number[], sma: number, m: number, Q: number): Float64Array {
  const out = new Float64Array(ma.length + (Q > 0 ? m : 0) + 1);
  out[0] = 1;
  ma.forEach((t, j) => (out[j + 1] = t));
  if (Q > 0) for (let j = 0; j <= ma.length; j++) out[j + m] += sma * out[j];
  return out;
}

/** Conditional residuals of the ARMA part over w (the differenced series). */
function cssResiduals(w: Float64Array, mu: number, ar: readonly number[], maPoly: Float64Array): Float64Array {
  const p = ar.length;
  const e = new Float64Array(w.length);
  for (let t = p; t < w.length; t++) {
    let v = w[t] - mu;
    for (let i = 0; i < p; i++) v -= ar[i] * (w[t - 1 - i] - mu);
    for (let k = 1; k < maPoly.length && t - k >= p; k++) v -= maPoly[k] * e[t - k];
    e[t] = v;
  }
  return e;
}

function sse(e: Float64Array, from: number): number {
  let s = 0;
  for (let t = from; t < e.length; t++) s += e[t] * e[t];
  return s;
}

function fitOrder(w: Float64Array, p: number, q: number, Q: number, m: number, constant: boolean, scale: number): ArimaParams | null {
  const nCoef = p + q + Q + (constant ? 1 : 0);
  if (w.length - p - nCoef - 2 <= 0) return null;
  const unpack = (x: ArrayLike<number>): { mu: number; ar: number[]; ma: number[]; sma: number } => ({
    ar: Array.from({ length: p }, (_, i) => x[i]),
    ma: Array.from({ length: q }, (_, i) => x[p + i]),
    sma: Q > 0 ? x[p + q] : 0,
    mu: constant ? x[p + q + Q] * scale : 0,
  });
  const objective = (x: ArrayLike<number>): number => {
    const c = unpack(x);
    if (!admissible(c.ar) || !admissible(c.ma) || Math.abs(c.sma) >= 1) return Infinity;
    return sse(cssResiduals(w, c.mu, c.ar, maPolynomial(c.ma, c.sma, m, Q)), p) / (scale * scale);
  };
  const x0 = new Float64Array(nCoef);
  if (constant) x0[nCoef - 1] = mean(w) / scale;
  const best = nCoef === 0 ? { x: x0, value: objective(x0) } : nelderMead(objective, x0, { maxEvaluations: EVALS_PER_COEF * nCoef, step: 0.1 });
  if (!Number.isFinite(best.value)) return null;
  const c = unpack(best.x);
  const value = best.value * scale * scale;
  return { p, d: 0, q, D: 0, Q, period: m, constant, mu: c.mu, ar: c.ar, ma: c.ma, sma: c.sma, aicc: aicc(value, w.length - p, nCoef + 1) };
}

/** Applies D seasonal and d ordinary differences. */
function differenced(y: Float64Array, d: number, D: number, m: number): Float64Array {
  let w: Float64Array = y;
  for (let i = 0; i < D; i++) w = difference(w, m);
  for (let i = 0; i < d; i++) w = difference(w, 1);
  return w;
}

export function fitArima(y: Float64Array, m: number): ArimaParams {
  const D = m > 1 && y.length >= 3 * m && seasonalStrength(y, m) > SEASONAL_STRENGTH ? 1 : 0;
  let d = 0;
  while (d < MAX_D && differenced(y, d, D, m).length > 10 && kpss(differenced(y, d, D, m)) > KPSS_CRITICAL) d++;
  const w = differenced(y, d, D, m);
  const scale = Math.max(1e-12, Math.sqrt(variance(w)) || mean(w.map(Math.abs)));
  const constant = d + D <= 1;
  let best: ArimaParams | null = null;
  for (let p = 0; p <= MAX_P; p++) {
    for (let q = 0; q <= MAX_Q; q++) {
      for (let Q = 0; Q <= D; Q++) {
        const fit = fitOrder(w, p, q, Q, m, constant, scale);
        if (fit !== null && (best === null || fit.aicc < best.aicc)) best = fit;
      }
    }
  }
  const chosen = best ?? { p: 0, d: 0, q: 0, D: 0, Q: 0, period: m, constant, mu: constant ? mean(w) : 0, ar: [], ma: [], sma: 0, aicc: Infinity };
  return { ...chosen, d, D };
}

/** Coefficients of (1 - B)^d (1 - B^m)^D, index k = power of B. */
function differencingPolynomial(d: number, D: number, m: number): Float64Array {
  let poly: Float64Array = Float64Array.of(1);
  const times = (other: Float64Array): Float64Array => {
    const out = new Float64Array(poly.length + other.length - 1);
    for (let i = 0; i < poly.length; i++) for (let j = 0; j < other.length; j++) out[i + j] += poly[i] * other[j];
    return out;
  };
  for (let i = 0; i < d; i++) poly = times(Float64Array.of(1, -1));
  const seasonal = new Float64Array(m + 1);
  seasonal[0] = 1;
  seasonal[m] = -1;
  for (let i = 0; i < D; i++) poly = times(seasonal);
  return poly;
}

export function arimaForecast(y: Float64Array, p: ArimaParams, h: number): LocalForecast {
  const m = p.period;
  const w = differenced(y, p.d, p.D, m);
  const maPoly = maPolynomial(p.ma, p.sma, m, p.Q);
  const e = cssResiduals(w, p.mu, p.ar, maPoly);
  const nEff = w.length - p.p;
  const k = p.p + p.q + p.Q + (p.constant ? 1 : 0);
  const sigma = Math.sqrt(sse(e, p.p) / Math.max(1, nEff - k));
  // Future w: the ARMA recursion with future errors zero.
  const wf = Float64Array.from([...w, ...new Float64Array(h)]);
  const ef = Float64Array.from([...e, ...new Float64Array(h)]);
  for (let t = w.length; t < w.length + h; t++) {
    let v = p.mu;
    for (let i = 0; i < p.p; i++) v += p.ar[i] * ((t - 1 - i >= 0 ? wf[t - 1 - i] : p.mu) - p.mu);
    for (let j = 1; j < maPoly.length; j++) if (t - j >= 0) v += maPoly[j] * ef[t - j];
    wf[t] = v;
  }
  // Undo the differencing: y_t = w_t - sum_{k>=1} delta_k y_{t-k}.
  const delta = differencingPolynomial(p.d, p.D, m);
  const yf = Float64Array.from([...y, ...new Float64Array(h)]);
  const offset = y.length - w.length;
  for (let t = y.length; t < y.length + h; t++) {
    let v = wf[t - offset];
    for (let j = 1; j < delta.length; j++) v -= delta[j] * yf[t - j];
    yf[t] = v;
  }
  // Psi weights of the whole model: AR polynomial (1 - sum phi B^i) times the differencing polynomial.
  const arPoly = Float64Array.from({ length: p.p + 1 }, (_, i) => (i === 0 ? 1 : -p.ar[i - 1]));
  const full = new Float64Array(arPoly.length + delta.length - 1);
  for (let i = 0; i < arPoly.length; i++) for (let j = 0; j < delta.length; j++) full[i + j] += arPoly[i] * delta[j];
  const psi = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    let v = j === 0 ? 1 : (maPoly[j] ?? 0);
    for (let i = 1; i <= j && i < full.length; i++) v -= full[i] * psi[j - i];
    psi[j] = v;
  }
  return { mean: yf.subarray(y.length), sigma: sigmaFromPsi(sigma, psi, h) };
}

export const arima: LocalModel = {
  name: 'arima',
  description: 'ARIMA(p,d,q)(0,D,Q) with KPSS / seasonal-strength differencing, conditional least squares, AICc selection',
  minLength: () => 8,
  fit: (y, period) => fitArima(y, period),
  forecast: (y, _period, params, h) => arimaForecast(y, params as ArimaParams, h),
};
