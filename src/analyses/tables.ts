import { cellString } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { findDuplicates } from '../insights/duplicates.js';
import { distinctCounts, moments, sortedFinite, numericValues } from '../insights/stats.js';
import { barChart } from '../render/index.js';
import { type AnalysisParams, type AnalysisResult, isNumericColumn, numberParam } from './common.js';

/**
 * A.2 Table summary (`sagemaker.visualizations.describe_0.1`): numeric columns get count, min, max, mean and
 * stddev; other columns get count, least frequent value ("min") and most frequent value ("max").
 */
export function tableSummaryAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const rows = frame.columns.map((col) => {
    if (isNumericColumn(col) && col.kind !== 'boolean') {
      const sorted = sortedFinite(numericValues(col));
      const m = sorted.length > 0 ? moments(sorted) : null;
      const asValue = (v: number | undefined) => (v === undefined ? null : col.kind === 'datetime' ? new Date(v).toISOString() : v);
      return { column: col.name, type: col.kind, count: sorted.length, min: asValue(sorted[0]), max: asValue(sorted[sorted.length - 1]), mean: m ? asValue(m.mean) : null, stddev: m ? m.std : null };
    }
    const d = distinctCounts(col);
    let least = -1;
    let most = -1;
    for (let i = 0; i < d.values.length; i++) {
      if (d.counts[i] === 0) continue;
      if (least < 0 || d.counts[i] < d.counts[least] || (d.counts[i] === d.counts[least] && d.values[i] < d.values[least])) least = i;
      if (most < 0 || d.counts[i] > d.counts[most] || (d.counts[i] === d.counts[most] && d.values[i] < d.values[most])) most = i;
    }
    return { column: col.name, type: col.kind, count: col.length - d.nullCount, min: least >= 0 ? d.values[least] : null, max: most >= 0 ? d.values[most] : null, mean: null, stddev: null };
  });
  return { analysis: 'table-summary', params, data: { rows: frame.numRows, columns: rows }, summary: `Summary of ${rows.length} columns over ${frame.numRows} rows.` };
}

/** A.2 Duplicate rows: ratio (rows with an identical twin) and the most repeated rows. */
export function duplicatesAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const shown = numberParam(params, 'maxRows', 20, (v) => Number.isInteger(v) && v >= 0);
  const d = findDuplicates(frame, shown);
  const groups = d.groups.map((g) => {
    const values: Record<string, string | null> = Object.create(null); // keyed by column name
    for (const c of frame.columns) values[c.name] = cellString(c, g.row);
    return { row: g.row, count: g.count, values };
  });
  return {
    analysis: 'duplicates',
    params,
    data: { rows: d.rows, duplicatedRows: d.duplicatedRows, redundantRows: d.redundantRows, ratio: d.ratio, groups },
    svg: groups.length > 0 ? barChart({ items: groups.map((g) => ({ label: `row ${g.row}`, value: g.count })), title: 'Copies of the most repeated rows', kind: 'duplicates' }) : undefined,
    summary: `${d.duplicatedRows} of ${d.rows} rows (${(100 * d.ratio).toFixed(2)}%) have an identical twin; dropping duplicates removes ${d.redundantRows}.`,
  };
}
