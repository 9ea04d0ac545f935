import { cellString, type Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { parseDatetime } from '../io/datetime.js';
import { TabpilotError } from '../util/errors.js';
import { type Frequency, type TimeGrid, formatFrequency, gridIndex, inferFrequency, parseFrequency, seasonalPeriod } from './frequency.js';

/**
 * From rows (item, timestamp, target, covariates) to regular series, one per item. The rules:
 * - rows may come in any order; each item is sorted by time;
 * - an item's grid starts at its first timestamp with a target and steps by the frequency; a row between two
 *   grid points belongs to the period that holds it;
 * - duplicates: several rows in one period of one item are combined with `aggregation` (default mean) over
 *   their non-missing targets (covariates: mean);
 * - gaps: a period with no target (no row, or a missing value) between two observed ones is filled by linear
 *   interpolation for fitting, and is never scored in backtests;
 * - rows after an item's last observed target carry future covariate values (their target is empty).
 */
export type Aggregation = 'mean' | 'sum' | 'first' | 'last' | 'min' | 'max';
export const AGGREGATIONS: readonly Aggregation[] = ['mean', 'sum', 'first', 'last', 'min', 'max'];

export interface PanelOptions {
  readonly timestamp: string;
  readonly target: string;
  readonly itemId?: string;
  readonly covariates?: readonly string[];
  /** '15min', 'H', 'D', 'W', 'M', 'Q', 'Y' or a parsed Frequency; inferred when absent. */
  readonly frequency?: string | Frequency;
  readonly aggregation?: Aggregation;
  /** Points per seasonal cycle (default from the frequency: 24 for hourly, 7 daily, 52 weekly, 12 monthly, 4 quarterly). */
  readonly seasonLength?: number;
  /** Named in error messages. */
  readonly file?: string;
}

export interface SeriesItem {
  readonly id: string;
  readonly grid: TimeGrid;
  /** Target on the grid, gaps interpolated. */
  readonly y: Float64Array;
  /** 1 where the target was observed, 0 where it was interpolated. */
  readonly observed: Uint8Array;
  /** One array per covariate: the history's points, then any future points given. */
  readonly covariates: readonly Float64Array[];
  /** Future points with covariate values (after the last observed target). */
  readonly futurePoints: number;
}

export interface Panel {
  readonly items: SeriesItem[];
  readonly frequency: Frequency;
  readonly period: number;
  readonly covariates: readonly string[];
  readonly warnings: string[];
  /** Rows combined into another row of the same item and period, and periods filled by interpolation. */
  readonly duplicates: number;
  readonly filled: number;
}

/** An item's grid may hold at most this many points (a wrong --frequency on a long span would otherwise allocate without bound). */
export const MAX_GRID_POINTS = 2_000_000;
/** Item id used when the data has no item column. */
export const SINGLE_ITEM = 'series';

function requireColumn(frame: Frame, name: string, role: string, file?: string): Column {
  if (!frame.has(name)) throw new TabpilotError('UNKNOWN_COLUMN', `${role} column not found (columns: ${frame.columnNames.slice(0, 12).join(', ')})`, { file, column: name });
  return frame.column(name);
}

function numericOf(col: Column, role: string, file?: string): Float64Array {
  if (col.kind === 'numeric') return col.values;
  if (col.kind === 'boolean') return Float64Array.from(col.values, (v) => (v === 255 ? NaN : v));
  throw new TabpilotError('TYPE_MISMATCH', `${role} must be numeric, but the column is ${col.kind}`, { file, column: col.name });
}

/** Epoch milliseconds of every row; a missing or unparseable timestamp is an error naming the row. */
export function timestampsOf(col: Column, file?: string): Float64Array {
  if (col.kind === 'numeric') throw new TabpilotError('TYPE_MISMATCH', 'timestamp column holds numbers, not dates (write dates such as 2020-01-31 or 2020-01-31T10:00)', { file, column: col.name });
  const out = col.kind === 'datetime' ? col.values : Float64Array.from({ length: col.length }, (_, i) => parseDatetime(cellString(col, i)));
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i])) {
      const raw = col.kind === 'datetime' ? '' : cellString(col, i);
      throw new TabpilotError('TYPE_MISMATCH', `data row ${i + 1}: ${raw === '' ? 'missing timestamp' : `"${raw}" is not a date`}`, { file, column: col.name });
    }
  }
  return out;
}

function aggregate(values: number[], how: Aggregation): number {
  switch (how) {
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'first':
      return values[0];
    case 'last':
      return values[values.length - 1];
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
  }
}

/** Linear interpolation of NaN runs between finite neighbours; leading/trailing NaN carried from the nearest value. Returns how many were filled. */
export function fillGaps(y: Float64Array): number {
  let filled = 0;
  let last = -1;
  for (let t = 0; t < y.length; t++) {
    if (Number.isNaN(y[t])) continue;
    if (last < t - 1) {
      for (let k = last + 1; k < t; k++) y[k] = last < 0 ? y[t] : y[last] + ((y[t] - y[last]) * (k - last)) / (t - last);
      filled += t - last - 1;
    }
    last = t;
  }
  if (last >= 0) for (let k = last + 1; k < y.length; k++, filled++) y[k] = y[last];
  return filled;
}

interface RowsOfItem {
  rows: number[];
}

function groupRows(frame: Frame, itemId: string | undefined, file?: string): Map<string, RowsOfItem> {
  const groups = new Map<string, RowsOfItem>();
  const col = itemId === undefined ? null : requireColumn(frame, itemId, 'item id', file);
  for (let i = 0; i < frame.numRows; i++) {
    const id = col === null ? SINGLE_ITEM : cellString(col, i);
    if (col !== null && id === '') throw new TabpilotError('INVALID_ARGUMENT', `data row ${i + 1}: missing item id`, { file, column: itemId });
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { rows: [] }));
    g.rows.push(i);
  }
  return groups;
}

function resolveFrequency(given: PanelOptions['frequency'], groups: Map<string, RowsOfItem>, t: Float64Array, y: Float64Array, column: string): Frequency {
  if (given !== undefined) return typeof given === 'string' ? parseFrequency(given) : given;
  const perItem = [...groups.values()].map((g) => Float64Array.from(g.rows.filter((r) => !Number.isNaN(y[r])).map((r) => t[r])).sort());
  return inferFrequency(perItem, column);
}

/** Builds the regular series of every item (see the rules above). */
export function buildPanel(frame: Frame, o: PanelOptions): Panel {
  const t = timestampsOf(requireColumn(frame, o.timestamp, 'timestamp', o.file), o.file);
  const y = numericOf(requireColumn(frame, o.target, 'target', o.file), 'target', o.file);
  const covNames = o.covariates ?? [];
  const covs = covNames.map((c) => numericOf(requireColumn(frame, c, 'covariate', o.file), `covariate "${c}"`, o.file));
  const groups = groupRows(frame, o.itemId, o.file);
  const frequency = resolveFrequency(o.frequency, groups, t, y, o.timestamp);
  const period = o.seasonLength ?? seasonalPeriod(frequency);
  if (!Number.isInteger(period) || period < 1) throw new TabpilotError('INVALID_ARGUMENT', `season length must be a positive integer, got ${period}`);
  const how = o.aggregation ?? 'mean';
  const items: SeriesItem[] = [];
  const warnings: string[] = [];
  let duplicates = 0;
  let filled = 0;
  for (const [id, g] of groups) {
    const observedRows = g.rows.filter((r) => !Number.isNaN(y[r]));
    if (observedRows.length === 0) {
      warnings.push(`item "${id}" has no target values: left out`);
      continue;
    }
    let first = Infinity;
    let last = -Infinity;
    for (const r of observedRows) {
      first = Math.min(first, t[r]);
      last = Math.max(last, t[r]);
    }
    const grid: TimeGrid = { frequency, start: first };
    const n = gridIndex(grid, last) + 1;
    let future = 0;
    for (const r of g.rows) if (t[r] > last) future = Math.max(future, gridIndex(grid, t[r]) - n + 1);
    if (n + future > MAX_GRID_POINTS) throw new TabpilotError('INVALID_ARGUMENT', `item "${id}" spans ${n + future} periods of ${formatFrequency(frequency)} (at most ${MAX_GRID_POINTS}): is the frequency right?`, { file: o.file, column: o.timestamp });
    const buckets: number[][] = Array.from({ length: n }, () => []);
    const covSums = covs.map(() => new Float64Array(n + future));
    const covCounts = covs.map(() => new Float64Array(n + future));
    for (const r of [...g.rows].sort((a, b) => t[a] - t[b] || a - b)) {
      const k = gridIndex(grid, t[r]);
      if (k < 0) continue;
      if (k < n && !Number.isNaN(y[r])) buckets[k].push(y[r]);
      covs.forEach((c, j) => {
        if (!Number.isNaN(c[r])) {
          covSums[j][k] += c[r];
          covCounts[j][k]++;
        }
      });
    }
    const series = new Float64Array(n);
    const observed = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const b = buckets[k];
      duplicates += Math.max(0, b.length - 1);
      series[k] = b.length === 0 ? NaN : aggregate(b, how);
      observed[k] = b.length === 0 ? 0 : 1;
    }
    filled += fillGaps(series);
    const covariates = covSums.map((s, j) => {
      const v = s.map((x, k) => (covCounts[j][k] > 0 ? x / covCounts[j][k] : NaN));
      fillGaps(v);
      return v;
    });
    items.push({ id, grid, y: series, observed, covariates, futurePoints: future });
  }
  if (items.length === 0) throw new TabpilotError('NO_DATA_ROWS', 'no item has any target value', { file: o.file, column: o.target });
  if (duplicates > 0) warnings.push(`${duplicates} rows shared an item and period with another row: combined with ${how}`);
  if (filled > 0) warnings.push(`${filled} missing periods inside series filled by linear interpolation (not scored in backtests)`);
  return { items, frequency, period, covariates: covNames, warnings, duplicates, filled };
}
