import type { Frequency, TimeGrid } from './frequency.js';
import { arima } from './local/arima.js';
import { ets } from './local/ets.js';
import { naive, seasonalNaive } from './local/naive.js';
import { theta } from './local/theta.js';
import type { LocalForecast, LocalModel, LocalParams } from './local/types.js';
import { normalQuantile } from './optimize.js';

/**
 * A forecasting candidate fits on a set of series (histories only) and forecasts each of them h steps ahead
 * as a mean path with a standard deviation per step. Local candidates fit one series at a time; the global
 * candidate (gbdt.ts) fits one model across all of them.
 */
export interface SeriesInput {
  readonly id: string;
  readonly grid: TimeGrid;
  readonly y: Float64Array;
  /** Covariates over the history and, when known, the future (index = grid point). */
  readonly covariates: readonly Float64Array[];
}

export interface FitSettings {
  readonly period: number;
  readonly frequency: Frequency;
  readonly horizon: number;
  readonly covariates: readonly string[];
  /** Epoch ms after which fitting stops adding work. */
  readonly deadline?: number;
  readonly seed: number;
}

export type PathForecast = LocalForecast;

export interface CandidateState {
  readonly candidate: string;
  readonly [key: string]: unknown;
}

export interface FittedCandidate {
  readonly name: string;
  forecast(series: readonly SeriesInput[], h: number): PathForecast[];
  toJSON(): CandidateState;
}

export interface Candidate {
  readonly name: string;
  readonly description: string;
  /** Relative cost, cheapest first: candidates run in this order so a tight --max-runtime still gets the cheap ones. */
  readonly cost: number;
  fit(series: readonly SeriesInput[], settings: FitSettings): Promise<FittedCandidate>;
  fromJSON(state: CandidateState, settings: FitSettings): FittedCandidate;
}

interface ItemParams {
  readonly id: string;
  readonly start: number;
  readonly length: number;
  readonly params: LocalParams | null;
}

/** The forecaster of a series too short for a model: seasonal naive when it holds a season, naive otherwise. */
export function fallbackForecast(y: Float64Array, period: number, h: number): PathForecast {
  return seasonalNaive.forecast(y, period, {}, h, true);
}

class FittedLocal implements FittedCandidate {
  private readonly byId: Map<string, ItemParams>;
  constructor(readonly model: LocalModel, private readonly period: number, items: readonly ItemParams[]) {
    this.byId = new Map(items.map((p) => [p.id, p]));
  }
  get name(): string {
    return this.model.name;
  }
  forecast(series: readonly SeriesInput[], h: number): PathForecast[] {
    return series.map((s) => {
      const fitted = this.byId.get(s.id);
      const params = fitted !== undefined ? fitted.params : s.y.length >= this.model.minLength(this.period) ? this.model.fit(s.y, this.period) : null;
      if (params === null) return fallbackForecast(s.y, this.period, h);
      return this.model.forecast(s.y, this.period, params, h, fitted !== undefined && fitted.start === s.grid.start);
    });
  }
  toJSON(): CandidateState {
    return { candidate: this.model.name, period: this.period, items: [...this.byId.values()] };
  }
}

function localCandidate(model: LocalModel, cost: number): Candidate {
  return {
    name: model.name,
    description: model.description,
    cost,
    async fit(series, settings) {
      const items: ItemParams[] = [];
      for (const s of series) {
        const params = s.y.length >= model.minLength(settings.period) ? model.fit(s.y, settings.period) : null;
        items.push({ id: s.id, start: s.grid.start, length: s.y.length, params });
        // Yield between items so a deadline timer or progress output can run.
        if (items.length % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      return new FittedLocal(model, settings.period, items);
    },
    fromJSON(state, settings) {
      return new FittedLocal(model, settings.period, (state.items as ItemParams[]) ?? []);
    },
  };
}

/** The local candidates, cheapest first. */
export const LOCAL_CANDIDATES: readonly Candidate[] = [
  localCandidate(naive, 1),
  localCandidate(seasonalNaive, 1),
  localCandidate(theta, 2),
  localCandidate(ets, 5),
  localCandidate(arima, 8),
];

/**
 * Quantiles of a path: mean + z(tau) sigma (normal errors). When the series was never negative, quantiles are
 * clipped at zero (a count or a volume cannot go below it).
 */
export function pathQuantiles(path: PathForecast, quantiles: readonly number[], nonNegative: boolean): Float64Array[] {
  return quantiles.map((tau) => {
    const z = normalQuantile(tau);
    return path.mean.map((m, k) => {
      const v = m + z * (Number.isFinite(path.sigma[k]) ? path.sigma[k] : 0);
      return nonNegative ? Math.max(0, v) : v;
    });
  });
}
