import type { Candidate, FitSettings, FittedCandidate, SeriesInput } from './candidate.js';
import { pathQuantiles } from './candidate.js';
import { type MetricValues, MetricAccumulator, maseScale } from './metrics.js';
import type { SeriesItem } from './panel.js';

/**
 * Backtesting (spec B.6): the end of every series is held out in `windows` consecutive windows of horizon
 * length, the last window ending at the last point. For each window a candidate is fitted on what precedes
 * it only (copies of the histories, so nothing later can be read) and forecasts the window; metrics are
 * pooled over windows and items. Nothing is shuffled.
 */
export interface WindowForecast {
  readonly item: number;
  readonly window: number;
  readonly mean: Float64Array;
  readonly quantiles: Float64Array[];
}

export interface BacktestResult {
  readonly candidate: string;
  readonly status: 'Completed' | 'Stopped' | 'Failed';
  readonly metrics: MetricValues | null;
  readonly seconds: number;
  readonly windows: number;
  readonly forecasts: WindowForecast[];
  readonly failure?: string;
}

export interface BacktestPlan {
  /** Per window (1 = the last): the items taking part and where their history ends. */
  readonly windows: { readonly window: number; readonly items: readonly { readonly item: number; readonly cut: number }[] }[];
}

/**
 * Which items take part in which window: item i joins window w when at least `minTrain` points precede it.
 * Items too short for any window are left out of the backtests (the caller warns).
 */
export function planBacktests(items: readonly SeriesItem[], horizon: number, windows: number, minTrain: number): BacktestPlan {
  const out: BacktestPlan['windows'] = [];
  for (let w = 1; w <= windows; w++) {
    const members = items.map((s, item) => ({ item, cut: s.y.length - w * horizon })).filter((m) => m.cut >= minTrain);
    if (members.length > 0) out.push({ window: w, items: members });
  }
  return { windows: out };
}

/** The history of item `s` up to `cut` as a fresh copy (covariates are known ahead by definition and stay whole). */
export function historyInput(s: SeriesItem, cut = s.y.length): SeriesInput {
  return { id: s.id, grid: s.grid, y: s.y.slice(0, cut), covariates: s.covariates };
}

/** Whether an item's forecast quantiles are clipped at zero: its history has no negative value. */
export function nonNegative(y: ArrayLike<number>): boolean {
  for (let i = 0; i < y.length; i++) if (y[i] < 0) return false;
  return true;
}

/** Scores forecasts of the plan's windows with the item's actuals (only observed points count). */
export function scoreForecasts(items: readonly SeriesItem[], forecasts: readonly WindowForecast[], horizon: number, period: number, quantiles: readonly number[]): MetricValues {
  const acc = new MetricAccumulator(quantiles);
  for (const f of forecasts) {
    const s = items[f.item];
    const cut = s.y.length - f.window * horizon;
    acc.add(s.y.subarray(cut, cut + horizon), s.observed.subarray(cut, cut + horizon), f.mean, f.quantiles, maseScale(s.y.subarray(0, cut), period));
  }
  return acc.result();
}

export async function backtestCandidate(
  candidate: Candidate,
  items: readonly SeriesItem[],
  plan: BacktestPlan,
  settings: FitSettings,
  quantiles: readonly number[],
): Promise<BacktestResult> {
  const t0 = performance.now();
  const forecasts: WindowForecast[] = [];
  let done = 0;
  const h = settings.horizon;
  const result = (status: BacktestResult['status'], failure?: string): BacktestResult => ({
    candidate: candidate.name,
    status,
    metrics: status === 'Completed' ? scoreForecasts(items, forecasts, h, settings.period, quantiles) : null,
    seconds: (performance.now() - t0) / 1000,
    windows: done,
    forecasts,
    ...(failure !== undefined ? { failure } : {}),
  });
  for (const w of plan.windows) {
    if (settings.deadline !== undefined && Date.now() > settings.deadline) return result('Stopped');
    const inputs = w.items.map((m) => historyInput(items[m.item], m.cut));
    let fitted: FittedCandidate;
    try {
      fitted = await candidate.fit(inputs, settings);
    } catch (e) {
      return result('Failed', (e as Error).message);
    }
    const paths = fitted.forecast(inputs, h);
    w.items.forEach((m, j) => {
      const q = pathQuantiles(paths[j], quantiles, nonNegative(inputs[j].y));
      forecasts.push({ item: m.item, window: w.window, mean: paths[j].mean, quantiles: q });
    });
    done++;
  }
  if (settings.deadline !== undefined && Date.now() > settings.deadline && done < plan.windows.length) return result('Stopped');
  return result('Completed');
}

/** Weighted combination of several candidates' window forecasts (same plan, same order). */
export function combineForecasts(parts: readonly { forecasts: readonly WindowForecast[]; weight: number }[]): WindowForecast[] {
  const first = parts[0].forecasts;
  return first.map((f, i) => {
    const mean = new Float64Array(f.mean.length);
    const quantiles = f.quantiles.map((q) => new Float64Array(q.length));
    for (const p of parts) {
      const g = p.forecasts[i];
      for (let k = 0; k < mean.length; k++) mean[k] += p.weight * g.mean[k];
      g.quantiles.forEach((q, j) => {
        for (let k = 0; k < q.length; k++) quantiles[j][k] += p.weight * q[k];
      });
    }
    return { item: f.item, window: f.window, mean, quantiles };
  });
}
