import type { Frame } from '../frame/frame.js';
import { readTable } from '../io/index.js';
import { TabpilotError } from '../util/errors.js';
import { type BacktestResult, backtestCandidate, combineForecasts, historyInput, planBacktests, scoreForecasts } from './backtest.js';
import type { Candidate, FitSettings } from './candidate.js';
import { CANDIDATES, FORECASTER_FORMAT, FORECASTER_FORMAT_VERSION, type ForecastOutput, Forecaster, candidateByName } from './forecaster.js';
import { type Frequency, formatFrequency } from './frequency.js';
import { FORECAST_METRICS, type ForecastMetric, type MetricValues } from './metrics.js';
import { type Aggregation, AGGREGATIONS, type Panel, buildPanel } from './panel.js';

/**
 * `forecast(options)`: Autopilot's time-series forecasting (spec B.6) in-process. Builds regular series per
 * item, backtests every candidate (cheapest first) over rolling windows at the end of the series, combines the
 * best ones into a weighted ensemble chosen on the same backtests, refits the winner on the full histories
 * and forecasts the horizon with quantiles. Everything stops adding work at `maxRuntime`.
 */
export interface ForecastOptions {
  /** A Frame or a CSV/Parquet/Arrow path, one row per (item, timestamp). */
  readonly data: Frame | string;
  readonly timestamp: string;
  readonly target: string;
  readonly itemId?: string;
  /** Points to forecast (1..MAX_HORIZON). */
  readonly horizon: number;
  readonly frequency?: string | Frequency;
  readonly quantiles?: readonly number[];
  readonly covariates?: readonly string[];
  /** Seconds for the whole job (default: no limit). */
  readonly maxRuntime?: number;
  /** Backtest windows (default 3). */
  readonly backtestWindows?: number;
  /** Objective on the backtests (default wql). */
  readonly metric?: ForecastMetric;
  /** Candidate names to try (default all: naive, seasonal_naive, theta, ets, arima, gbdt). */
  readonly candidates?: readonly string[];
  readonly seasonLength?: number;
  readonly aggregation?: Aggregation;
  /** Combine the best candidates (default true). */
  readonly ensemble?: boolean;
  readonly seed?: number;
  readonly onProgress?: (message: string) => void;
}

export interface LeaderboardRow {
  readonly candidate: string;
  readonly status: BacktestResult['status'];
  readonly metrics: MetricValues | null;
  readonly seconds: number;
  readonly windows: number;
  /** Ensemble only: member weights. */
  readonly members?: { readonly candidate: string; readonly weight: number }[];
  readonly failure?: string;
}

export interface ForecastJob {
  readonly panel: Panel;
  readonly metric: ForecastMetric;
  readonly quantiles: readonly number[];
  /** Sorted by the objective, best first; stopped and failed candidates last. */
  readonly leaderboard: LeaderboardRow[];
  readonly best: string;
  readonly forecaster: Forecaster;
  readonly output: ForecastOutput;
  readonly warnings: string[];
  readonly seconds: number;
}

/** Autopilot's limit on the forecast horizon. */
export const MAX_HORIZON = 500;
export const DEFAULT_QUANTILES: readonly number[] = [0.1, 0.5, 0.9];
/** Autopilot allows up to five quantiles; nine keeps deciles possible. */
const MAX_QUANTILES = 9;
export const DEFAULT_WINDOWS = 3;
/** A series shorter than this many seasons (and points) gets the fallback forecaster and no backtest. */
const SHORT_SEASONS = 2;
const SHORT_POINTS = 8;
/** Rounds of greedy ensemble selection (with replacement): weights are multiples of 1 / ENSEMBLE_ROUNDS. */
const ENSEMBLE_ROUNDS = 10;

/** Points of history an item needs before a backtest window, and below which it gets the fallback forecaster. */
export function minTrainPoints(period: number): number {
  return Math.max(SHORT_SEASONS * period, SHORT_POINTS);
}

function validate(o: ForecastOptions): { quantiles: number[]; metric: ForecastMetric; windows: number } {
  if (!Number.isInteger(o.horizon) || o.horizon < 1 || o.horizon > MAX_HORIZON) throw new TabpilotError('INVALID_ARGUMENT', `horizon must be an integer from 1 to ${MAX_HORIZON}, got ${o.horizon}`);
  const quantiles = [...(o.quantiles ?? DEFAULT_QUANTILES)].sort((a, b) => a - b);
  if (quantiles.length === 0 || quantiles.length > MAX_QUANTILES || quantiles.some((q) => !(q > 0 && q < 1)) || new Set(quantiles).size !== quantiles.length) {
    throw new TabpilotError('INVALID_ARGUMENT', `quantiles must be 1 to ${MAX_QUANTILES} distinct numbers strictly between 0 and 1, got ${quantiles.join(',')}`);
  }
  const metric = o.metric ?? 'wql';
  if (!FORECAST_METRICS.includes(metric)) throw new TabpilotError('INVALID_ARGUMENT', `metric must be one of ${FORECAST_METRICS.join(', ')}, got "${metric}"`);
  const windows = o.backtestWindows ?? DEFAULT_WINDOWS;
  if (!Number.isInteger(windows) || windows < 1) throw new TabpilotError('INVALID_ARGUMENT', `backtest windows must be a positive integer, got ${windows}`);
  if (o.maxRuntime !== undefined && !(o.maxRuntime > 0)) throw new TabpilotError('INVALID_ARGUMENT', `max runtime must be a positive number of seconds, got ${o.maxRuntime}`);
  if (o.aggregation !== undefined && !AGGREGATIONS.includes(o.aggregation)) throw new TabpilotError('INVALID_ARGUMENT', `aggregation must be one of ${AGGREGATIONS.join(', ')}`);
  return { quantiles, metric, windows };
}

const score = (r: { metrics: MetricValues | null }, metric: ForecastMetric): number => {
  const v = r.metrics?.[metric];
  return v !== undefined && Number.isFinite(v) ? v : Infinity;
};

/** Greedy forward selection with replacement (Caruana et al. 2004) over the completed candidates' backtests. */
function selectEnsemble(done: readonly BacktestResult[], panel: Panel, horizon: number, quantiles: readonly number[], metric: ForecastMetric): { candidate: string; weight: number }[] {
  const counts = new Map<string, number>();
  let total = 0;
  for (let round = 0; round < ENSEMBLE_ROUNDS; round++) {
    let best: { name: string; value: number } | null = null;
    for (const c of done) {
      const parts = [...counts].map(([name, k]) => ({ forecasts: done.find((d) => d.candidate === name)!.forecasts, weight: k / (total + 1) }));
      parts.push({ forecasts: c.forecasts, weight: 1 / (total + 1) });
      const value = score({ metrics: scoreForecasts(panel.items, combineForecasts(parts), horizon, panel.period, quantiles) }, metric);
      if (best === null || value < best.value) best = { name: c.candidate, value };
    }
    if (best === null) break;
    counts.set(best.name, (counts.get(best.name) ?? 0) + 1);
    total++;
  }
  return [...counts].map(([candidate, k]) => ({ candidate, weight: k / total }));
}

function sortLeaderboard(rows: LeaderboardRow[], metric: ForecastMetric): LeaderboardRow[] {
  const rank = (r: LeaderboardRow) => (r.status === 'Completed' ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || score(a, metric) - score(b, metric));
}

async function runBacktests(candidates: readonly Candidate[], panel: Panel, settings: FitSettings, quantiles: readonly number[], windows: number, warnings: string[], progress: (m: string) => void): Promise<BacktestResult[]> {
  const minTrain = minTrainPoints(panel.period);
  const plan = planBacktests(panel.items, settings.horizon, windows, minTrain);
  const inPlan = new Set(plan.windows.flatMap((w) => w.items.map((m) => m.item)));
  if (inPlan.size < panel.items.length) warnings.push(`${panel.items.length - inPlan.size} item(s) are too short for a backtest window of ${settings.horizon} after ${minTrain} points: left out of the leaderboard`);
  if (plan.windows.length === 0) {
    warnings.push('no item is long enough for a backtest: every candidate is unscored and the fallback forecaster is used');
    return [];
  }
  const results: BacktestResult[] = [];
  for (const c of [...candidates].sort((a, b) => a.cost - b.cost)) {
    const r = await backtestCandidate(c, panel.items, plan, settings, quantiles);
    progress(`${c.name}: ${r.status}${r.metrics ? ` wQL ${r.metrics.wql.toPrecision(4)} MASE ${r.metrics.mase.toPrecision(4)}` : ''} (${r.seconds.toFixed(1)} s)`);
    results.push(r);
  }
  return results;
}

export async function forecast(options: ForecastOptions): Promise<ForecastJob> {
  const t0 = performance.now();
  const { quantiles, metric, windows } = validate(options);
  const deadline = options.maxRuntime !== undefined ? Date.now() + options.maxRuntime * 1000 : undefined;
  const progress = options.onProgress ?? (() => {});
  const file = typeof options.data === 'string' ? options.data : undefined;
  const frame = typeof options.data === 'string' ? (await readTable(options.data)).frame : options.data;
  const aggregation = options.aggregation ?? 'mean';
  const panel = buildPanel(frame, { ...options, aggregation, file });
  const warnings = [...panel.warnings];
  const candidates = (options.candidates ?? CANDIDATES.map((c) => c.name)).map(candidateByName);
  const settings: FitSettings = { period: panel.period, frequency: panel.frequency, horizon: options.horizon, covariates: panel.covariates, deadline, seed: options.seed ?? 0 };
  const results = await runBacktests(candidates, panel, settings, quantiles, windows, warnings, progress);
  const done = results.filter((r) => r.status === 'Completed');
  const rows: LeaderboardRow[] = results.map((r) => ({ candidate: r.candidate, status: r.status, metrics: r.metrics, seconds: r.seconds, windows: r.windows, ...(r.failure ? { failure: r.failure } : {}) }));
  if ((options.ensemble ?? true) && done.length >= 2) {
    const members = selectEnsemble(done, panel, options.horizon, quantiles, metric);
    if (members.length >= 2) {
      const parts = members.map((m) => ({ forecasts: done.find((d) => d.candidate === m.candidate)!.forecasts, weight: m.weight }));
      rows.push({ candidate: 'ensemble', status: 'Completed', metrics: scoreForecasts(panel.items, combineForecasts(parts), options.horizon, panel.period, quantiles), seconds: 0, windows: done[0].windows, members });
    }
  }
  const leaderboard = sortLeaderboard(rows, metric);
  const winner = leaderboard.find((r) => r.status === 'Completed');
  const best = winner?.candidate ?? 'seasonal_naive';
  const memberSpecs = winner?.members ?? [{ candidate: best, weight: 1 }];
  const minTrain = minTrainPoints(panel.period);
  const longItems = panel.items.filter((it) => it.y.length >= minTrain).map((it) => historyInput(it));
  // The refit on full histories is not cut by the deadline: the job must end with a forecaster.
  const refit = { ...settings, deadline: undefined };
  const members = [];
  for (const m of memberSpecs) members.push({ weight: m.weight, fitted: await candidateByName(m.candidate).fit(longItems, refit) });
  progress(`refit ${best} on ${longItems.length} item(s)`);
  const forecaster = new Forecaster(
    {
      format: FORECASTER_FORMAT,
      formatVersion: FORECASTER_FORMAT_VERSION,
      timestamp: options.timestamp,
      target: options.target,
      ...(options.itemId !== undefined ? { itemId: options.itemId } : {}),
      covariates: [...panel.covariates],
      frequency: formatFrequency(panel.frequency),
      period: panel.period,
      horizon: options.horizon,
      quantiles,
      aggregation,
      shortHistory: minTrain,
      model: best,
      members: [],
      training: { items: panel.items.length, points: panel.items.reduce((s, it) => s + it.y.length, 0), metric, backtestWindows: windows, created: new Date().toISOString() },
    },
    members,
  );
  const output = forecaster.forecastPanel(panel);
  return { panel, metric, quantiles, leaderboard, best, forecaster, output, warnings: [...new Set([...warnings, ...output.warnings])], seconds: (performance.now() - t0) / 1000 };
}
