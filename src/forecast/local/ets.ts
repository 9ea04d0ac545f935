import { aicc, fromUnit, mean, nelderMead, rms, sigmaFromPsi, toUnit } from '../optimize.js';
import type { LocalForecast, LocalModel, LocalParams } from './types.js';

/**
 * Exponential smoothing in the additive-error state-space form (Hyndman et al. 2008): trend none, additive
 * or additive damped; seasonality none, additive or multiplicative. For each configuration the smoothing
 * parameters and the initial level and trend are fitted by minimising the one-step sum of squared errors
 * (the Gaussian likelihood) with Nelder-Mead; the initial seasonal indices come from a classical
 * decomposition of the first cycles. The configuration with the lowest AICc is kept.
 */
export type EtsTrend = 'N' | 'A' | 'Ad';
export type EtsSeason = 'N' | 'A' | 'M';

export interface EtsParams extends LocalParams {
  trend: EtsTrend;
  season: EtsSeason;
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  level0: number;
  trend0: number;
  seasonal0: number[];
  aicc: number;
}

/** The damping parameter lives in [PHI_MIN, PHI_MAX] (Hyndman's forecast package bounds). */
const PHI_MIN = 0.8;
const PHI_MAX = 0.98;
/** Cycles of the start of the series used to initialise the seasonal indices. */
const INIT_CYCLES = 4;
/** Nelder-Mead evaluations per fitted parameter of one configuration. */
const EVALS_PER_PARAM = 150;

interface Init {
  level: number;
  trend: number;
  seasonal: Float64Array;
}

/** Initial states: a straight line through the first cycles (level, slope) and the mean seasonal deviation (or ratio) around it. */
function initialStates(y: Float64Array, m: number, season: EtsSeason): Init {
  const len = season === 'N' ? Math.min(y.length, 10) : Math.min(y.length, m * INIT_CYCLES);
  const span = season === 'N' ? len : len - (len % m);
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let t = 0; t < span; t++) {
    sx += t;
    sy += y[t];
    sxx += t * t;
    sxy += t * y[t];
  }
  const den = span * sxx - sx * sx;
  const slope = den > 0 ? (span * sxy - sx * sy) / den : 0;
  const intercept = (sy - slope * sx) / span;
  const seasonal = new Float64Array(Math.max(1, m));
  if (season !== 'N') {
    const counts = new Float64Array(m);
    for (let t = 0; t < span; t++) {
      const line = intercept + slope * t;
      seasonal[t % m] += season === 'A' ? y[t] - line : y[t] / line;
      counts[t % m]++;
    }
    for (let j = 0; j < m; j++) seasonal[j] /= counts[j];
    const avg = mean(seasonal);
    for (let j = 0; j < m; j++) seasonal[j] = season === 'A' ? seasonal[j] - avg : seasonal[j] / avg;
  }
  // The level and trend before the first point: one step back along the line.
  return { level: intercept - slope, trend: slope, seasonal };
}

interface RunResult {
  sse: number;
  residuals: Float64Array;
  level: number;
  trend: number;
  /** Seasonal states, the oldest first: seasonal[j] applies to step n + 1 + j (mod m). */
  seasonal: Float64Array;
}

/** Runs the recursions over y; returns the SSE and the final states (or SSE = Infinity when a multiplicative fit breaks down). */
function run(y: Float64Array, m: number, p: EtsParams, init: Init): RunResult {
  const period = p.season === 'N' ? 1 : m;
  const s = Float64Array.from(init.seasonal.subarray(0, period));
  let l = init.level;
  let b = p.trend === 'N' ? 0 : init.trend;
  const phi = p.trend === 'Ad' ? p.phi : 1;
  const residuals = new Float64Array(y.length);
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const j = t % period;
    const base = l + phi * b;
    const season = p.season === 'N' ? 0 : s[j];
    const fit = p.season === 'M' ? base * season : base + season;
    const e = y[t] - fit;
    residuals[t] = e;
    sse += e * e;
    if (p.season === 'M') {
      if (!(season > 0) || !(base > 0)) return { sse: Infinity, residuals, level: l, trend: b, seasonal: s };
      l = base + (p.alpha * e) / season;
      b = phi * b + (p.beta * e) / season;
      s[j] = season + (p.gamma * e) / base;
    } else {
      l = base + p.alpha * e;
      b = phi * b + p.beta * e;
      if (p.season === 'A') s[j] = season + p.gamma * e;
    }
  }
  // Rotate so seasonal[0] belongs to the next step.
  const start = y.length % period;
  const rotated = Float64Array.from({ length: period }, (_, k) => s[(start + k) % period]);
  return { sse, residuals, level: l, trend: b, seasonal: rotated };
}

function paramsFrom(z: Float64Array, trend: EtsTrend, season: EtsSeason, scale: number, init: Init): { p: EtsParams; init: Init } {
  const alpha = toUnit(z[0]);
  const beta = trend === 'N' ? 0 : alpha * toUnit(z[1]);
  const gamma = season === 'N' ? 0 : (1 - alpha) * toUnit(z[2]);
  const phi = trend === 'Ad' ? PHI_MIN + (PHI_MAX - PHI_MIN) * toUnit(z[3]) : 1;
  const level0 = z[4] * scale;
  const trend0 = trend === 'N' ? 0 : z[5] * scale;
  const p: EtsParams = { trend, season, alpha, beta, gamma, phi, level0, trend0, seasonal0: Array.from(init.seasonal), aicc: NaN };
  return { p, init: { level: level0, trend: trend0, seasonal: init.seasonal } };
}

function fitConfig(y: Float64Array, m: number, trend: EtsTrend, season: EtsSeason): EtsParams {
  const init = initialStates(y, m, season);
  const scale = Math.max(1e-12, mean(y.map(Math.abs)));
  const z0 = Float64Array.from([fromUnit(0.3), fromUnit(0.1), fromUnit(0.1), fromUnit(0.5), init.level / scale, init.trend / scale]);
  const free = [0, 1, 2, 3, 4, 5].filter((i) => !(i === 1 && trend === 'N') && !(i === 2 && season === 'N') && !(i === 3 && trend !== 'Ad') && !(i === 5 && trend === 'N'));
  const full = (x: Float64Array): Float64Array => {
    const z = Float64Array.from(z0);
    free.forEach((i, k) => (z[i] = x[k]));
    return z;
  };
  const objective = (x: Float64Array): number => {
    const { p, init: i } = paramsFrom(full(x), trend, season, scale, init);
    return run(y, m, p, i).sse / (scale * scale);
  };
  const best = nelderMead(objective, free.map((i) => z0[i]), { maxEvaluations: EVALS_PER_PARAM * free.length, step: 0.5 });
  const { p, init: i } = paramsFrom(full(best.x), trend, season, scale, init);
  const k = free.length + (season === 'N' ? 0 : m - 1);
  p.aicc = aicc(run(y, m, p, i).sse, y.length, k);
  return p;
}

/** The configurations worth trying on a series: seasonal ones need two full cycles, multiplicative ones a positive series. */
export function etsConfigurations(y: Float64Array, m: number): { trend: EtsTrend; season: EtsSeason }[] {
  const trends: EtsTrend[] = y.length >= 8 ? ['N', 'A', 'Ad'] : ['N'];
  const seasons: EtsSeason[] = ['N'];
  if (m > 1 && y.length >= 2 * m + 2) {
    seasons.push('A');
    if (y.every((v) => v > 0)) seasons.push('M');
  }
  return seasons.flatMap((season) => trends.map((trend) => ({ trend, season })));
}

/** Fits every applicable configuration and keeps the lowest AICc; `only` restricts the configurations (tests, planted series). */
export function fitEts(y: Float64Array, m: number, only?: { trend: EtsTrend; season: EtsSeason }): EtsParams {
  let best: EtsParams | null = null;
  for (const c of only ? [only] : etsConfigurations(y, m)) {
    const p = fitConfig(y, m, c.trend, c.season);
    if (best === null || p.aicc < best.aicc || !Number.isFinite(best.aicc)) best = p;
  }
  return best!;
}

/** Forecast mean of ETS params after a run, and its psi weights (the impulse response of one error on later steps). */
export function etsForecast(y: Float64Array, m: number, p: EtsParams, h: number, sameStart: boolean): LocalForecast {
  const init = sameStart ? { level: p.level0, trend: p.trend0, seasonal: Float64Array.from(p.seasonal0) } : initialStates(y, m, p.season);
  const r = run(y, m, p, init);
  const period = p.season === 'N' ? 1 : m;
  const phi = p.trend === 'Ad' ? p.phi : 1;
  const out = new Float64Array(h);
  const psi = new Float64Array(h);
  psi[0] = 1;
  let phiSum = 0;
  for (let k = 0; k < h; k++) {
    phiSum += phi ** (k + 1);
    const base = r.level + phiSum * r.trend;
    const season = p.season === 'N' ? 0 : r.seasonal[k % period];
    out[k] = p.season === 'M' ? base * season : base + season;
    if (k + 1 < h) psi[k + 1] = p.alpha + p.beta * phiSum + (p.season !== 'N' && (k + 1) % period === 0 ? p.gamma : 0);
  }
  const k = 2 + (p.trend === 'N' ? 0 : 2) + (p.season === 'N' ? 0 : period);
  return { mean: out, sigma: sigmaFromPsi(rms(r.residuals, 0, Math.min(k, y.length - 1)), psi, h) };
}

export const ets: LocalModel = {
  name: 'ets',
  description: 'exponential smoothing (trend N/A/Ad x season N/A/M, AICc selection)',
  minLength: () => 4,
  fit: (y, period) => fitEts(y, period),
  forecast: (y, period, params, h, sameStart) => etsForecast(y, period, params as EtsParams, h, sameStart),
};
