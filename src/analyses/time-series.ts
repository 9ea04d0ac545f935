import type { Frame } from '../frame/frame.js';
import { numericValues } from '../insights/stats.js';
import { lineChart, stackCharts } from '../render/index.js';
import { TabpilotError } from '../util/errors.js';
import { type AnalysisParams, type AnalysisResult, numberParam, optionalColumn, requireColumn } from './common.js';

/**
 * A.2 Seasonal-trend decomposition (STL, Cleveland et al. 1990: LOESS cycle-subseries smoothing, low-pass
 * filter, LOESS trend; robust outer iterations with bisquare weights) and time-series anomaly detection
 * (residual further than `threshold` standard deviations from its mean).
 */

export interface StlOptions {
  readonly period: number;
  /** Seasonal smoother span (odd, >= 7). */
  readonly seasonal?: number;
  readonly robust?: boolean;
}

export interface StlResult {
  readonly trend: Float64Array;
  readonly seasonal: Float64Array;
  readonly residual: Float64Array;
  readonly weights: Float64Array;
}

const odd = (v: number) => (Math.floor(v) % 2 === 0 ? Math.floor(v) + 1 : Math.floor(v));

/**
 * Local linear LOESS of (1..len, y) with tricube neighbourhood `span` (robustness weights `rw`), evaluated at x.
 * Positions are 1-based as in the original Fortran, so x may be 0 or len + 1 (subseries extension).
 */
function loessAt(y: ArrayLike<number>, len: number, span: number, x: number, rw: ArrayLike<number> | null, start: number, step: number): number {
  const q = Math.min(span, len);
  let lo = Math.max(1, Math.min(len - q + 1, Math.round(x - (q - 1) / 2)));
  // Slide the window so it holds the q nearest positions.
  while (lo > 1 && x - (lo - 1) < lo + q - 1 - x) lo--;
  while (lo + q - 1 < len && lo + q - x < x - lo) lo++;
  const hi = lo + q - 1;
  let d = Math.max(x - lo, hi - x);
  if (span > len) d += Math.floor((span - len) / 2);
  const w: number[] = [];
  let sw = 0;
  for (let j = lo; j <= hi; j++) {
    const r = Math.abs(j - x) / Math.max(d, 1e-12);
    let wj = r < 0.999 ? (1 - r * r * r) ** 3 : r < 1 ? 1e-9 : 0;
    if (rw) wj *= rw[start + (j - 1) * step];
    w.push(wj);
    sw += wj;
  }
  if (sw <= 0) return NaN;
  let mx = 0;
  for (let j = lo; j <= hi; j++) mx += (w[j - lo] / sw) * j;
  let c = 0;
  for (let j = lo; j <= hi; j++) c += (w[j - lo] / sw) * (j - mx) ** 2;
  let est = 0;
  for (let j = lo; j <= hi; j++) {
    let a = w[j - lo] / sw;
    if (Math.sqrt(c) > 0.001 * (len - 1)) a *= 1 + ((x - mx) * (j - mx)) / c;
    est += a * y[start + (j - 1) * step];
  }
  return est;
}

function movingAverage(x: Float64Array, len: number): Float64Array {
  const out = new Float64Array(x.length - len + 1);
  let s = 0;
  for (let i = 0; i < len; i++) s += x[i];
  out[0] = s / len;
  for (let i = 1; i < out.length; i++) {
    s += x[i + len - 1] - x[i - 1];
    out[i] = s / len;
  }
  return out;
}

export function stl(y: Float64Array, options: StlOptions): StlResult {
  const n = y.length;
  const np = Math.floor(options.period);
  if (!(np >= 2)) throw new TabpilotError('INVALID_ARGUMENT', `STL: period must be at least 2, got ${options.period}`);
  if (n < 2 * np) throw new TabpilotError('INVALID_ARGUMENT', `STL: the series (${n} points) must cover at least two periods of ${np}`);
  const ns = Math.max(7, odd(options.seasonal ?? 7));
  const nl = odd(np);
  const nt = odd(Math.ceil((1.5 * np) / (1 - 1.5 / ns)));
  const inner = options.robust ? 1 : 2;
  const outer = options.robust ? 15 : 0;
  const trend = new Float64Array(n);
  const seasonal = new Float64Array(n);
  const weights = new Float64Array(n).fill(1);
  const work = new Float64Array(n);
  const cycle = new Float64Array(n + 2 * np);
  for (let o = 0; o <= outer; o++) {
    for (let it = 0; it < inner; it++) {
      for (let i = 0; i < n; i++) work[i] = y[i] - trend[i];
      // Cycle-subseries smoothing, extended one period on each side.
      for (let k = 0; k < np; k++) {
        const len = Math.floor((n - k - 1) / np) + 1;
        for (let m = 0; m <= len + 1; m++) {
          const v = loessAt(work, len, ns, m, o > 0 ? weights : null, k, np);
          cycle[m * np + k] = Number.isFinite(v) ? v : 0;
        }
      }
      // Low-pass filter: MA(np), MA(np), MA(3), then LOESS(nl).
      const lowA = movingAverage(cycle, np);
      const lowB = movingAverage(lowA, np);
      const lowC = movingAverage(lowB, 3);
      for (let i = 0; i < n; i++) {
        const l = loessAt(lowC, n, nl, i + 1, null, 0, 1);
        seasonal[i] = cycle[np + i] - l;
      }
      for (let i = 0; i < n; i++) work[i] = y[i] - seasonal[i];
      for (let i = 0; i < n; i++) trend[i] = loessAt(work, n, nt, i + 1, o > 0 ? weights : null, 0, 1);
    }
    if (o < outer) {
      const abs = Float64Array.from(y, (v, i) => Math.abs(v - trend[i] - seasonal[i])).sort();
      const h = 6 * (n % 2 ? abs[(n - 1) / 2] : (abs[n / 2 - 1] + abs[n / 2]) / 2);
      for (let i = 0; i < n; i++) {
        const u = Math.abs(y[i] - trend[i] - seasonal[i]) / (h || 1e-12);
        weights[i] = u <= 0.001 ? 1 : u <= 0.999 ? (1 - u * u) ** 2 : 0;
      }
    }
  }
  const residual = Float64Array.from(y, (v, i) => v - trend[i] - seasonal[i]);
  return { trend, seasonal, residual, weights };
}

/** Dominant period by autocorrelation: the highest local maximum of the ACF over lags 2..n/2 (capped at 1000). */
export function detectPeriod(y: Float64Array): number | null {
  const n = y.length;
  let mean = 0;
  for (const v of y) mean += v;
  mean /= n;
  let v0 = 0;
  for (const v of y) v0 += (v - mean) ** 2;
  if (!(v0 > 0)) return null;
  const maxLag = Math.min(Math.floor(n / 2), 1000);
  const acf = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1 && lag < n; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += (y[i] - mean) * (y[i - lag] - mean);
    acf[lag] = s / v0;
  }
  let best = -1;
  for (let lag = 2; lag <= maxLag; lag++) if (acf[lag] > acf[lag - 1] && acf[lag] >= acf[lag + 1] && acf[lag] > 0.1 && (best < 0 || acf[lag] > acf[best] + 0.05)) best = lag;
  return best > 0 ? best : null;
}

/** The series ordered by the time column (row order when absent), missing values linearly interpolated. */
function series(frame: Frame, params: AnalysisParams, analysis: string): { t: Float64Array; y: Float64Array; isTime: boolean; interpolated: number; valueName: string; timeName: string } {
  const valueCol = requireColumn(frame, params, 'value', analysis);
  const timeCol = optionalColumn(frame, params, 'time');
  const values = numericValues(valueCol);
  const times = timeCol ? numericValues(timeCol) : Float64Array.from({ length: frame.numRows }, (_, i) => i);
  const order = Array.from({ length: frame.numRows }, (_, i) => i).filter((i) => Number.isFinite(times[i]));
  order.sort((a, b) => times[a] - times[b] || a - b);
  const t = Float64Array.from(order, (i) => times[i]);
  const y = Float64Array.from(order, (i) => values[i]);
  let interpolated = 0;
  let last = -1;
  for (let i = 0; i <= y.length; i++) {
    if (i < y.length && !Number.isFinite(y[i])) continue;
    for (let k = last + 1; k < i; k++) {
      y[k] = last < 0 ? y[i] : i >= y.length ? y[last] : y[last] + ((y[i] - y[last]) * (k - last)) / (i - last);
      interpolated++;
    }
    last = i;
  }
  if (y.length === 0 || y.every((v) => !Number.isFinite(v))) throw new TabpilotError('INVALID_ARGUMENT', `${analysis}: column "${valueCol.name}" has no numeric values`, { column: valueCol.name });
  return { t, y, isTime: timeCol?.kind === 'datetime', interpolated, valueName: valueCol.name, timeName: timeCol?.name ?? 'row' };
}

function periodOf(params: AnalysisParams, y: Float64Array, analysis: string): number {
  if (params.period !== undefined && params.period !== '') return numberParam(params, 'period', 0, (v) => Number.isInteger(v) && v >= 2);
  const p = detectPeriod(y);
  if (p === null) throw new TabpilotError('INVALID_ARGUMENT', `${analysis}: no seasonal period found by autocorrelation; give params.period`);
  return p;
}

export function seasonalTrendAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const s = series(frame, params, 'seasonal-trend');
  const period = periodOf(params, s.y, 'seasonal-trend');
  const r = stl(s.y, { period, robust: params.robust === true || params.robust === 'true', seasonal: params.seasonal === undefined ? undefined : numberParam(params, 'seasonal', 7) });
  const varRes = variance(r.residual);
  const strength = (comp: Float64Array) => Math.max(0, 1 - varRes / variance(Float64Array.from(comp, (v, i) => v + r.residual[i])));
  const opts = { xLabel: s.timeName, xIsTime: s.isTime, width: 640, height: 150 };
  const svg = stackCharts(
    [
      { caption: `${s.valueName}`, svg: lineChart({ ...opts, series: [{ name: s.valueName, x: s.t, y: s.y }], yLabel: s.valueName, kind: 'observed' }) },
      { caption: 'Trend', svg: lineChart({ ...opts, series: [{ name: 'trend', x: s.t, y: r.trend }], yLabel: 'trend', kind: 'trend' }) },
      { caption: `Seasonal (period ${period})`, svg: lineChart({ ...opts, series: [{ name: 'seasonal', x: s.t, y: r.seasonal }], yLabel: 'seasonal', kind: 'seasonal' }) },
      { caption: 'Residual', svg: lineChart({ ...opts, series: [{ name: 'residual', x: s.t, y: r.residual }], yLabel: 'residual', kind: 'residual' }) },
    ],
    'seasonal-trend',
  );
  return {
    analysis: 'seasonal-trend',
    params,
    data: {
      value: s.valueName,
      time: s.timeName,
      period,
      points: s.y.length,
      interpolated: s.interpolated,
      trendStrength: strength(r.trend),
      seasonalStrength: strength(r.seasonal),
      time_values: Array.from(s.t),
      observed: Array.from(s.y),
      trend: Array.from(r.trend),
      seasonal: Array.from(r.seasonal),
      residual: Array.from(r.residual),
    },
    svg,
    summary: `STL with period ${period} over ${s.y.length} points: trend strength ${strength(r.trend).toFixed(3)}, seasonal strength ${strength(r.seasonal).toFixed(3)}.`,
  };
}

function variance(v: Float64Array): number {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return s / Math.max(1, v.length - 1);
}

export function timeSeriesAnomalyAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const s = series(frame, params, 'time-series-anomalies');
  const threshold = numberParam(params, 'threshold', 3, (v) => v > 0);
  let predicted: Float64Array;
  let period: number | null = null;
  const given = params.period !== undefined && params.period !== '';
  period = given ? numberParam(params, 'period', 0, (v) => Number.isInteger(v) && v >= 2) : detectPeriod(s.y);
  if (period !== null && s.y.length >= 2 * period) {
    const r = stl(s.y, { period, robust: true });
    predicted = Float64Array.from(s.y, (_, i) => r.trend[i] + r.seasonal[i]);
  } else {
    // No seasonality: the trend alone (LOESS over about a tenth of the series).
    const span = odd(Math.max(7, s.y.length / 10));
    predicted = Float64Array.from(s.y, (_, i) => loessAt(s.y, s.y.length, span, i + 1, null, 0, 1));
    period = null;
  }
  const residual = Float64Array.from(s.y, (v, i) => v - predicted[i]);
  let mean = 0;
  for (const v of residual) mean += v;
  mean /= residual.length;
  const std = Math.sqrt(variance(residual));
  const anomalies: { index: number; time: number | string; value: number; predicted: number; zScore: number }[] = [];
  residual.forEach((r, i) => {
    const z = std > 0 ? (r - mean) / std : 0;
    if (Math.abs(z) > threshold) anomalies.push({ index: i, time: s.isTime ? new Date(s.t[i]).toISOString() : s.t[i], value: s.y[i], predicted: predicted[i], zScore: z });
  });
  const svg = stackCharts(
    [
      {
        caption: `${s.valueName}: observed, predicted (trend + seasonality) and ${anomalies.length} anomalies (> ${threshold} std)`,
        svg: lineChart({
          series: [
            { name: 'observed', x: s.t, y: s.y },
            { name: 'predicted', x: s.t, y: predicted },
          ],
          marks: Int32Array.from(anomalies, (a) => a.index),
          xLabel: s.timeName,
          yLabel: s.valueName,
          xIsTime: s.isTime,
          width: 640,
          height: 220,
          kind: 'anomalies',
        }),
      },
    ],
    'time-series-anomalies',
  );
  return {
    analysis: 'time-series-anomalies',
    params,
    data: { value: s.valueName, time: s.timeName, period, threshold, residualMean: mean, residualStd: std, points: s.y.length, anomalies },
    svg,
    summary: `${anomalies.length} of ${s.y.length} points lie more than ${threshold} standard deviations from the ${period ? `trend + seasonality (period ${period})` : 'trend'}.`,
  };
}
