import { rms } from '../optimize.js';
import type { LocalForecast, LocalModel } from './types.js';

/** Last value repeated; errors of a random walk (sigma grows with the square root of the step). */
export const naive: LocalModel = {
  name: 'naive',
  description: 'last observed value, repeated',
  minLength: () => 1,
  fit: () => ({}),
  forecast(y, _period, _params, h): LocalForecast {
    return seasonalPath(y, 1, h);
  },
};

/** The value one season earlier; falls back to the naive forecast when the history is shorter than a season. */
export const seasonalNaive: LocalModel = {
  name: 'seasonal_naive',
  description: 'value one season earlier',
  minLength: () => 1,
  fit: () => ({}),
  forecast(y, period, _params, h): LocalForecast {
    return seasonalPath(y, period > 1 && y.length >= period ? period : 1, h);
  },
};

/** Repeats the last `lag` values; residuals y[t] - y[t - lag] give sigma, which grows with each completed season. */
export function seasonalPath(y: Float64Array, lag: number, h: number): LocalForecast {
  const n = y.length;
  const mean = new Float64Array(h);
  const sigma = new Float64Array(h);
  const residuals = new Float64Array(Math.max(0, n - lag));
  for (let t = lag; t < n; t++) residuals[t - lag] = y[t] - y[t - lag];
  const s = n > lag ? rms(residuals) : Math.abs(y[n - 1]) * FALLBACK_RELATIVE_SIGMA;
  for (let k = 0; k < h; k++) {
    mean[k] = y[n - lag + (k % lag)];
    sigma[k] = s * Math.sqrt(Math.floor(k / lag) + 1);
  }
  return { mean, sigma };
}

/** Error scale assumed when a history is too short to show any: a tenth of the level. */
const FALLBACK_RELATIVE_SIGMA = 0.1;
