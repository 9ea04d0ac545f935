import { categoricalColumn, type Column, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { getLearnerSpec } from '../models/registry.js';
import type { FittedModel, ModelJSON } from '../models/types.js';
import { Random } from '../util/random.js';
import type { Candidate, CandidateState, FitSettings, FittedCandidate, PathForecast, SeriesInput } from './candidate.js';
import { calendarFeatures, type Frequency, gridTime } from './frequency.js';
import { mean } from './optimize.js';

/**
 * The global model: one gradient-boosted regressor (the registry's gbdt learner) across all items, on
 * scale-free features. For the point at t of an item with scale s (mean absolute one-step change of its
 * history) and anchor a = y[t-1]: the lags (y[t-k] - a) / s for k = 2..K (K covers a season), the rolling
 * mean of the last `period` points minus a over s, calendar features of t, the item (categorical) and the
 * covariates at t. The target is (y[t] - a) / s, so trends carry over. Forecasts are recursive (each step
 * feeds the next). The last `horizon` points of every item are held out for early stopping and to measure
 * the recursive error per step, which gives the quantiles (normal, sigma per step, never shrinking).
 */
export interface GbdtCandidateState extends CandidateState {
  readonly candidate: 'gbdt';
  readonly lags: number;
  readonly window: number;
  readonly items: string[];
  readonly sigmaByStep: number[];
  readonly model: ModelJSON;
}

/** Lags reach one season back plus one, within these bounds. */
const MIN_LAGS = 4;
const MAX_LAGS = 60;
/** Hyperparameters for a few hundred to a few hundred thousand rows of scale-free features. */
const GBDT_PARAMS = { numRounds: 400, learningRate: 0.05, numLeaves: 15, minDataInLeaf: 10, earlyStoppingRounds: 30 } as const;
/** Items need at least this many points beyond the lags to give validation windows. */
const MIN_TRAIN_POINTS = 8;

function scaleOf(y: ArrayLike<number>): number {
  let s = 0;
  for (let t = 1; t < y.length; t++) s += Math.abs(y[t] - y[t - 1]);
  const v = y.length > 1 ? s / (y.length - 1) : 0;
  return v > 0 ? v : Math.max(1e-9, Math.abs(mean(y)) * 0.01 || 1);
}

interface Layout {
  readonly lags: number;
  readonly window: number;
  readonly frequency: Frequency;
  readonly covariates: readonly string[];
  readonly items: readonly string[];
}

/** Feature names in column order. */
function featureNames(l: Layout): string[] {
  const names: string[] = [];
  for (let k = 2; k <= l.lags; k++) names.push(`lag_${k}`);
  names.push('rolling_mean', ...calendarFeatures(l.frequency).map((c) => c.name), ...l.covariates.map((c) => `cov_${c}`), 'item');
  return names;
}

/** Builds the feature frame for points (series index, t) given the (possibly extended) values. */
function features(l: Layout, series: readonly SeriesInput[], values: readonly Float64Array[], scales: readonly number[], points: readonly [number, number][]): Frame {
  const names = featureNames(l);
  const cal = calendarFeatures(l.frequency);
  const numeric = names.length - 1;
  const cols = Array.from({ length: numeric }, () => new Float64Array(points.length));
  const codes = new Int32Array(points.length);
  const itemIndex = new Map(l.items.map((id, i) => [id, i]));
  points.forEach(([si, t], r) => {
    const y = values[si];
    const s = scales[si];
    const a = y[t - 1];
    let c = 0;
    for (let k = 2; k <= l.lags; k++, c++) cols[c][r] = t - k >= 0 ? (y[t - k] - a) / s : NaN;
    const w = Math.min(l.window, t);
    cols[c++][r] = (mean(y, t - w, t) - a) / s;
    const time = gridTime(series[si].grid, t);
    for (const f of cal) cols[c++][r] = f.at(time);
    for (const cov of series[si].covariates) cols[c++][r] = t < cov.length ? cov[t] : cov.length > 0 ? cov[cov.length - 1] : NaN;
    codes[r] = itemIndex.get(series[si].id) ?? -1;
  });
  const columns: Column[] = cols.map((v, i) => numericColumn(names[i], v));
  columns.push(categoricalColumn('item', codes, l.items));
  return Frame.fromColumns(columns);
}

function targets(series: readonly SeriesInput[], scales: readonly number[], points: readonly [number, number][]): Column {
  return numericColumn('target', Float64Array.from(points, ([si, t]) => (series[si].y[t] - series[si].y[t - 1]) / scales[si]));
}

/** Recursive forecast of h steps after `ends[si]` points of each series (values beyond are overwritten in copies). */
function recursive(model: FittedModel, l: Layout, series: readonly SeriesInput[], ends: readonly number[], h: number): Float64Array[] {
  const values = series.map((s, si) => {
    const v = new Float64Array(ends[si] + h);
    v.set(s.y.subarray(0, ends[si]));
    return v;
  });
  const scales = series.map((s, si) => scaleOf(s.y.subarray(0, ends[si])));
  for (let k = 0; k < h; k++) {
    const points = series.map((_, si) => [si, ends[si] + k] as [number, number]);
    const pred = model.predict(features(l, series, values, scales, points));
    points.forEach(([si, t], r) => (values[si][t] = values[si][t - 1] + pred[r] * scales[si]));
  }
  return values.map((v, si) => v.slice(ends[si]));
}

class FittedGbdt implements FittedCandidate {
  readonly name = 'gbdt';
  constructor(
    private readonly model: FittedModel,
    private readonly layout: Layout,
    private readonly sigmaByStep: readonly number[],
  ) {}
  forecast(series: readonly SeriesInput[], h: number): PathForecast[] {
    const paths = recursive(this.model, this.layout, series, series.map((s) => s.y.length), h);
    return paths.map((m, si) => {
      const s = scaleOf(series[si].y);
      const sigma = Float64Array.from({ length: h }, (_, k) => s * stepSigma(this.sigmaByStep, k));
      return { mean: m, sigma };
    });
  }
  toJSON(): GbdtCandidateState {
    const l = this.layout;
    return { candidate: 'gbdt', lags: l.lags, window: l.window, items: [...l.items], sigmaByStep: [...this.sigmaByStep], model: this.model.toJSON() };
  }
}

/** Sigma of step k; beyond the measured steps it grows like a random walk from the last one. */
function stepSigma(byStep: readonly number[], k: number): number {
  if (byStep.length === 0) return Math.sqrt(k + 1);
  if (k < byStep.length) return byStep[k];
  return byStep[byStep.length - 1] * Math.sqrt((k + 1) / byStep.length);
}

function layoutFor(series: readonly SeriesInput[], settings: FitSettings): Layout {
  const lags = Math.max(MIN_LAGS, Math.min(MAX_LAGS, settings.period + 1));
  return { lags, window: Math.max(2, settings.period), frequency: settings.frequency, covariates: settings.covariates, items: series.map((s) => s.id) };
}

async function fitGbdt(series: readonly SeriesInput[], settings: FitSettings): Promise<FittedCandidate> {
  const layout = layoutFor(series, settings);
  const h = settings.horizon;
  const scales = series.map((s) => scaleOf(s.y));
  const train: [number, number][] = [];
  const valid: [number, number][] = [];
  const holdout = series.map((s) => s.y.length - h >= layout.lags + MIN_TRAIN_POINTS);
  series.forEach((s, si) => {
    const cut = holdout[si] ? s.y.length - h : s.y.length;
    for (let t = 1; t < s.y.length; t++) (t < cut ? train : valid).push([si, t]);
  });
  const values = series.map((s) => s.y);
  const learner = getLearnerSpec('gbdt').create({ ...GBDT_PARAMS, ...(valid.length === 0 ? { earlyStoppingRounds: 0 } : {}) });
  const data = features(layout, series, values, scales, train);
  const validation = valid.length > 0 ? { data: features(layout, series, values, scales, valid), target: targets(series, scales, valid) } : undefined;
  const model = await learner.fit(data, targets(series, scales, train), { task: 'regression', rng: new Random(settings.seed), deadline: settings.deadline, validation });
  // Recursive errors over the held-out ends, in units of each item's scale.
  const held = series.map((_, si) => si).filter((si) => holdout[si]);
  const sums = new Float64Array(h);
  if (held.length > 0) {
    const paths = recursive(model, layout, held.map((si) => series[si]), held.map((si) => series[si].y.length - h), h);
    held.forEach((si, j) => {
      const y = series[si].y;
      for (let k = 0; k < h; k++) sums[k] += ((y[y.length - h + k] - paths[j][k]) / scales[si]) ** 2;
    });
  }
  const sigmaByStep: number[] = [];
  for (let k = 0; k < h && held.length > 0; k++) sigmaByStep.push(Math.max(Math.sqrt(sums[k] / held.length), sigmaByStep[k - 1] ?? 0));
  return new FittedGbdt(model, layout, sigmaByStep);
}

export const gbdtCandidate: Candidate = {
  name: 'gbdt',
  description: 'global gradient boosting over lag, rolling, calendar and item features (recursive)',
  cost: 10,
  fit: fitGbdt,
  fromJSON(state, settings) {
    const s = state as GbdtCandidateState;
    const model = getLearnerSpec('gbdt').fromJSON(s.model);
    const layout: Layout = { lags: s.lags, window: s.window, frequency: settings.frequency, covariates: settings.covariates, items: s.items };
    return new FittedGbdt(model, layout, s.sigmaByStep);
  },
};
