/**
 * Per-column statistics for `tabpilot inspect` (and anyone who wants the same JSON): kind, missing and
 * invalid counts, cardinality, min/max/mean, and the most frequent values of categorical columns.
 */
import { type Column, countMissing } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { ReadReport } from './types.js';

export interface ColumnSummary {
  name: string;
  kind: Column['kind'];
  featureType: string;
  missing: number;
  invalid: number;
  cardinality: number;
  min: number | string | null;
  max: number | string | null;
  mean: number | null;
  /** Up to 5 most frequent values (categorical, boolean) with counts. */
  top?: { value: string; count: number }[];
  categoricalCandidate?: boolean;
  forced?: boolean;
  target?: boolean;
}

export interface TableSummary {
  file: string | null;
  format: string;
  rows: number;
  columns: number;
  truncated: boolean;
  target: string | null;
  columnSummaries: ColumnSummary[];
  kindCounts: Record<string, number>;
  warnings: string[];
  skippedRows: number;
  renamedColumns: ReadReport['renamedColumns'];
}

function numericStats(values: Float64Array): { min: number | null; max: number | null; mean: number | null; distinct: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  const distinct = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
    if (distinct.size <= 1_000_000) distinct.add(v);
  }
  return n === 0 ? { min: null, max: null, mean: null, distinct: 0 } : { min, max, mean: sum / n, distinct: distinct.size };
}

function summarizeColumn(col: Column): Omit<ColumnSummary, 'name' | 'featureType' | 'invalid'> {
  const missing = countMissing(col);
  switch (col.kind) {
    case 'numeric': {
      const s = numericStats(col.values);
      return { kind: col.kind, missing, cardinality: s.distinct, min: s.min, max: s.max, mean: s.mean };
    }
    case 'datetime': {
      const s = numericStats(col.values);
      const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());
      return { kind: col.kind, missing, cardinality: s.distinct, min: iso(s.min), max: iso(s.max), mean: null };
    }
    case 'categorical':
    case 'boolean': {
      const size = col.kind === 'categorical' ? col.dictionary.length : 2;
      const counts = new Float64Array(size);
      const codes = col.kind === 'categorical' ? col.codes : col.values;
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i];
        if (c >= 0 && c < size) counts[c]++;
      }
      const label = (k: number) => (col.kind === 'categorical' ? col.dictionary[k] : k === 1 ? 'true' : 'false');
      const order = Array.from(counts.keys()).filter((k) => counts[k] > 0).sort((a, b) => counts[b] - counts[a] || a - b);
      return {
        kind: col.kind, missing, cardinality: order.length, min: null, max: null, mean: null,
        top: order.slice(0, 5).map((k) => ({ value: label(k), count: counts[k] })),
      };
    }
    case 'text': {
      const distinct = new Set<string>();
      for (const v of col.values) if (v !== null) distinct.add(v);
      return { kind: col.kind, missing, cardinality: distinct.size, min: null, max: null, mean: null };
    }
  }
}

/** Statistics of every column; `report` adds inferred feature types and invalid counts from the reader. */
export function summarizeFrame(frame: Frame, report?: ReadReport, target?: string): TableSummary {
  const byName = new Map((report?.columnReports ?? []).map((r) => [r.name, r]));
  const kindCounts: Record<string, number> = {};
  const columnSummaries = frame.columns.map((col) => {
    const r = byName.get(col.name);
    const stats = summarizeColumn(col);
    const invalid = r?.invalid ?? 0;
    const featureType = r?.featureType ?? col.kind;
    kindCounts[featureType] = (kindCounts[featureType] ?? 0) + 1;
    return {
      name: col.name,
      ...stats,
      featureType,
      missing: stats.missing - invalid,
      invalid,
      ...(r?.categoricalCandidate ? { categoricalCandidate: true } : {}),
      ...(r?.forced ? { forced: true } : {}),
      ...(target === col.name ? { target: true } : {}),
    };
  });
  return {
    file: report?.file ?? null,
    format: report?.format ?? 'frame',
    rows: frame.numRows,
    columns: frame.numColumns,
    truncated: report?.truncated ?? false,
    target: target ?? null,
    columnSummaries,
    kindCounts,
    warnings: report?.warnings ?? [],
    skippedRows: report?.skippedRows ?? 0,
    renamedColumns: report?.renamedColumns ?? [],
  };
}
