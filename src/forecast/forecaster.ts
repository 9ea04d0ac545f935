import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { categoricalFromStrings, datetimeColumn, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { writeFileAtomic } from '../util/output.js';
import { concatFrames } from '../wrangle/transforms/combine.js';
import { type Candidate, type CandidateState, type FitSettings, type FittedCandidate, LOCAL_CANDIDATES, fallbackForecast, pathQuantiles } from './candidate.js';
import { historyInput, nonNegative } from './backtest.js';
import { gridTime, parseFrequency } from './frequency.js';
import { gbdtCandidate } from './gbdt.js';
import { type Aggregation, type Panel, buildPanel } from './panel.js';

/**
 * A fitted forecaster: the chosen candidate (or the weighted ensemble of several), with everything needed to
 * forecast again from new history. Saved as one plain-JSON file, DIR/model.json (format
 * 'tabpilot-forecaster'); `loadForecaster(dir)` reads it back and `predict(history, futureCovariates?)`
 * forecasts the horizon after each item's last timestamp (known items reuse their fitted parameters, new items
 * are fitted on the spot; the global model applies to any item).
 */
export const FORECASTER_FORMAT = 'tabpilot-forecaster';
export const FORECASTER_FORMAT_VERSION = 1;

export const CANDIDATES: readonly Candidate[] = [...LOCAL_CANDIDATES, gbdtCandidate];
const BY_NAME = new Map(CANDIDATES.map((c) => [c.name, c]));

export function candidateByName(name: string): Candidate {
  const c = BY_NAME.get(name);
  if (c === undefined) throw new TabpilotError('INVALID_ARGUMENT', `unknown forecasting candidate "${name}" (known: ${CANDIDATES.map((k) => k.name).join(', ')})`);
  return c;
}

export interface ForecasterJSON {
  readonly format: typeof FORECASTER_FORMAT;
  readonly formatVersion: number;
  readonly timestamp: string;
  readonly target: string;
  readonly itemId?: string;
  readonly covariates: string[];
  readonly frequency: string;
  readonly period: number;
  readonly horizon: number;
  readonly quantiles: number[];
  readonly aggregation: Aggregation;
  /** Items with fewer points use the fallback forecaster (seasonal naive, or naive below one season). */
  readonly shortHistory: number;
  /** 'ensemble' or the candidate's name. */
  readonly model: string;
  readonly members: { readonly weight: number; readonly state: CandidateState }[];
  readonly training: Record<string, unknown>;
}

export interface ItemForecast {
  readonly item: string;
  readonly timestamps: Float64Array;
  readonly mean: Float64Array;
  /** One array per quantile, in the forecaster's quantile order. */
  readonly quantiles: Float64Array[];
  readonly historyTimestamps: Float64Array;
  readonly history: Float64Array;
  /** True when the item's history was too short and the fallback forecaster was used. */
  readonly fallback: boolean;
}

export interface ForecastOutput {
  readonly quantiles: readonly number[];
  readonly items: ItemForecast[];
  readonly warnings: string[];
}

/** Column name of a quantile: p10, p50, p90, p2.5. */
export function quantileColumn(q: number): string {
  return `p${Math.round(q * 1000) / 10}`;
}

/** The rows of forecast.csv: item, timestamp, mean, one column per quantile. */
export function forecastFrame(out: ForecastOutput): Frame {
  const items: string[] = [];
  const times: number[] = [];
  const means: number[] = [];
  const qs: number[][] = out.quantiles.map(() => []);
  for (const f of out.items) {
    for (let k = 0; k < f.mean.length; k++) {
      items.push(f.item);
      times.push(f.timestamps[k]);
      means.push(f.mean[k]);
      f.quantiles.forEach((q, j) => qs[j].push(q[k]));
    }
  }
  return Frame.fromColumns([
    categoricalFromStrings('item', items),
    datetimeColumn('timestamp', Float64Array.from(times)),
    numericColumn('mean', Float64Array.from(means)),
    ...out.quantiles.map((q, j) => numericColumn(quantileColumn(q), Float64Array.from(qs[j]))),
  ]);
}

export class Forecaster {
  constructor(
    readonly spec: ForecasterJSON,
    private readonly members: readonly { readonly fitted: FittedCandidate; readonly weight: number }[],
  ) {}

  get settings(): FitSettings {
    return { period: this.spec.period, frequency: parseFrequency(this.spec.frequency), horizon: this.spec.horizon, covariates: this.spec.covariates, seed: 0 };
  }

  /** Forecasts from new history rows (the training schema), optionally with future covariate rows. */
  predict(history: Frame, futureCovariates?: Frame): ForecastOutput {
    const data = futureCovariates !== undefined ? concatFrames([history, futureCovariates]) : history;
    const s = this.spec;
    const panel = buildPanel(data, { timestamp: s.timestamp, target: s.target, itemId: s.itemId, covariates: s.covariates, frequency: s.frequency, aggregation: s.aggregation, seasonLength: s.period });
    return this.forecastPanel(panel);
  }

  /** Forecasts the horizon after every item of a panel built with this forecaster's settings. */
  forecastPanel(panel: Panel): ForecastOutput {
    const s = this.spec;
    const h = s.horizon;
    const warnings = [...panel.warnings];
    const long = panel.items.filter((it) => it.y.length >= s.shortHistory);
    const inputs = long.map((it) => historyInput(it));
    const paths = this.members.map((m) => m.fitted.forecast(inputs, h));
    const short = panel.items.filter((it) => it.y.length < s.shortHistory);
    if (short.length > 0) {
      const names = short.slice(0, 5).map((it) => `"${it.id}" (${it.y.length})`).join(', ');
      warnings.push(`${short.length} item(s) have fewer than ${s.shortHistory} points of history: ${names}${short.length > 5 ? ', ...' : ''}; forecast with seasonal naive / naive instead of ${s.model}`);
    }
    if (s.covariates.length > 0) {
      const lacking = panel.items.filter((it) => it.futurePoints < h).length;
      if (lacking > 0) warnings.push(`${lacking} item(s) lack covariate values for all ${h} future periods: their last values are carried forward`);
    }
    const items: ItemForecast[] = panel.items.map((it) => {
      const li = long.indexOf(it);
      let mean: Float64Array;
      let quantiles: Float64Array[];
      const clip = nonNegative(it.y);
      if (li < 0) {
        const p = fallbackForecast(it.y, panel.period, h);
        mean = p.mean;
        quantiles = pathQuantiles(p, s.quantiles, clip);
      } else {
        mean = new Float64Array(h);
        quantiles = s.quantiles.map(() => new Float64Array(h));
        this.members.forEach((m, j) => {
          const p = paths[j][li];
          const q = pathQuantiles(p, s.quantiles, clip);
          for (let k = 0; k < h; k++) mean[k] += m.weight * p.mean[k];
          q.forEach((qa, qi) => {
            for (let k = 0; k < h; k++) quantiles[qi][k] += m.weight * qa[k];
          });
        });
      }
      const n = it.y.length;
      return {
        item: it.id,
        timestamps: Float64Array.from({ length: h }, (_, k) => gridTime(it.grid, n + k)),
        mean,
        quantiles,
        historyTimestamps: Float64Array.from({ length: n }, (_, k) => gridTime(it.grid, k)),
        history: it.y,
        fallback: li < 0,
      };
    });
    return { quantiles: s.quantiles, items, warnings };
  }

  toJSON(): ForecasterJSON {
    return { ...this.spec, members: this.members.map((m) => ({ weight: m.weight, state: m.fitted.toJSON() })) };
  }

  /** Writes DIR/model.json (the directory is created). */
  save(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'model.json');
    writeFileAtomic(file, JSON.stringify(this.toJSON()) + '\n');
    return file;
  }

  static fromJSON(json: unknown, file?: string): Forecaster {
    const j = json as Partial<ForecasterJSON> | null;
    if (j === null || typeof j !== 'object' || j.format !== FORECASTER_FORMAT) throw new TabpilotError('MODEL_FORMAT', `not a forecaster model (expected format "${FORECASTER_FORMAT}")`, { file });
    if (j.formatVersion !== FORECASTER_FORMAT_VERSION) throw new TabpilotError('MODEL_FORMAT', `forecaster format version ${String(j.formatVersion)} is not supported (this build reads ${FORECASTER_FORMAT_VERSION})`, { file });
    if (!Array.isArray(j.members) || j.members.length === 0) throw new TabpilotError('MODEL_FORMAT', 'forecaster has no members', { file });
    const spec = j as ForecasterJSON;
    const settings: FitSettings = { period: spec.period, frequency: parseFrequency(spec.frequency), horizon: spec.horizon, covariates: spec.covariates, seed: 0 };
    const members = spec.members.map((m) => ({ weight: m.weight, fitted: candidateByName(m.state.candidate).fromJSON(m.state, settings) }));
    return new Forecaster({ ...spec, members: [] }, members);
  }
}

/** Reads a forecaster model directory (DIR/model.json) written by `forecast(...).save` or `tabpilot forecast`. */
export function loadForecaster(dir: string): Forecaster {
  const file = path.join(dir, 'model.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TabpilotError('FILE_NOT_FOUND', `cannot read the forecaster: ${(e as Error).message}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TabpilotError('MODEL_FORMAT', `model.json is not valid JSON: ${(e as Error).message}`, { file });
  }
  return Forecaster.fromJSON(json, file);
}

