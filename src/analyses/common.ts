import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { distinctCounts, numericValues } from '../insights/stats.js';
import { rowDistinctIndex } from '../insights/target.js';
import { TabpilotError } from '../util/errors.js';

/** What every analysis returns: JSON data, and an SVG chart for the chart-producing ones. */
export interface AnalysisResult {
  readonly analysis: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly data: unknown;
  readonly svg?: string;
  /** A full HTML page (the insights report). */
  readonly html?: string;
  /** One-paragraph plain-text reading of the result (printed by the CLI). */
  readonly summary: string;
}

export type AnalysisParams = Readonly<Record<string, unknown>>;

export function requireColumn(frame: Frame, params: AnalysisParams, key: string, analysis: string): Column {
  const name = params[key];
  if (typeof name !== 'string' || name === '') throw new TabpilotError('INVALID_ARGUMENT', `${analysis}: parameter "${key}" (a column name) is required`);
  return frame.column(name);
}

export function optionalColumn(frame: Frame, params: AnalysisParams, key: string): Column | null {
  const name = params[key];
  if (name === undefined || name === null || name === '') return null;
  if (typeof name !== 'string') throw new TabpilotError('INVALID_ARGUMENT', `parameter "${key}" must be a column name`);
  return frame.column(name);
}

export function numberParam(params: AnalysisParams, key: string, fallback: number, check?: (v: number) => boolean): number {
  const v = params[key];
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || (check && !check(n))) throw new TabpilotError('INVALID_ARGUMENT', `parameter "${key}" has an invalid value ${JSON.stringify(v)}`);
  return n;
}

export function listParam(params: AnalysisParams, key: string): string[] | null {
  const v = params[key];
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  throw new TabpilotError('INVALID_ARGUMENT', `parameter "${key}" must be a list or a comma-separated string`);
}

export function isNumericColumn(col: Column): boolean {
  return col.kind === 'numeric' || col.kind === 'datetime' || col.kind === 'boolean';
}

/** Group id per row (-1 = missing) and group labels, for color-by / facet-by. Numeric columns with many values are cut into quartiles. */
export function groupsOf(col: Column, maxGroups = 10): { ids: Int32Array; labels: string[] } {
  if (isNumericColumn(col) && col.kind !== 'boolean') {
    const d = distinctCounts(col);
    if (d.values.length > maxGroups) {
      const v = numericValues(col);
      const sorted = Float64Array.from(v.filter((x) => x === x)).sort();
      const q = [0.25, 0.5, 0.75].map((p) => sorted[Math.floor(p * (sorted.length - 1))]);
      const labels = [`≤ ${q[0]}`, `${q[0]} – ${q[1]}`, `${q[1]} – ${q[2]}`, `> ${q[2]}`];
      const ids = new Int32Array(v.length);
      for (let i = 0; i < v.length; i++) ids[i] = v[i] !== v[i] ? -1 : v[i] <= q[0] ? 0 : v[i] <= q[1] ? 1 : v[i] <= q[2] ? 2 : 3;
      return { ids, labels };
    }
  }
  const d = distinctCounts(col);
  const idx = rowDistinctIndex(col, d.values);
  const order = Array.from({ length: d.values.length }, (_, i) => i).sort((a, b) => d.counts[b] - d.counts[a]);
  const keep = order.slice(0, maxGroups - (order.length > maxGroups ? 1 : 0));
  const remap = new Int32Array(d.values.length).fill(keep.length);
  keep.forEach((k, j) => (remap[k] = j));
  const labels = keep.map((k) => d.values[k]);
  if (order.length > keep.length) labels.push('(other)');
  const ids = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) ids[i] = idx[i] < 0 ? -1 : remap[idx[i]];
  return { ids, labels };
}
