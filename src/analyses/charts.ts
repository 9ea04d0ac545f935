import type { Frame } from '../frame/frame.js';
import { distinctCounts, numericValues, sortedFinite } from '../insights/stats.js';
import { rowDistinctIndex } from '../insights/target.js';
import { histogramChart, scatterChart, stackCharts } from '../render/index.js';
import { Random } from '../util/random.js';
import { TabpilotError } from '../util/errors.js';
import { sampleRows } from '../insights/split.js';
import { type AnalysisParams, type AnalysisResult, groupsOf, isNumericColumn, numberParam, optionalColumn, requireColumn } from './common.js';

/** A.2 Histogram: value counts (categorical) or equal-width bins (numeric), stacked by `colorBy`, one chart per `facetBy` value. */
export function histogramAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const col = requireColumn(frame, params, 'column', 'histogram');
  const colorCol = optionalColumn(frame, params, 'colorBy');
  const facetCol = optionalColumn(frame, params, 'facetBy');
  const bins = numberParam(params, 'bins', 20, (v) => Number.isInteger(v) && v >= 1 && v <= 500);
  const color = colorCol ? groupsOf(colorCol) : { ids: new Int32Array(frame.numRows), labels: [col.name] };
  const facet = facetCol ? groupsOf(facetCol, 12) : { ids: new Int32Array(frame.numRows), labels: ['all rows'] };
  const numeric = isNumericColumn(col) && col.kind !== 'boolean';
  let binOf: Int32Array;
  let edges: number[] | undefined;
  let labels: string[] | undefined;
  if (numeric) {
    const v = numericValues(col);
    const sorted = sortedFinite(v);
    let lo = sorted[0] ?? 0;
    let hi = sorted[sorted.length - 1] ?? 1;
    if (hi === lo) {
      lo -= 0.5;
      hi += 0.5;
    }
    const w = (hi - lo) / bins;
    edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * w);
    binOf = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) binOf[i] = Number.isFinite(v[i]) ? Math.min(bins - 1, Math.floor((v[i] - lo) / w)) : -1;
  } else {
    const d = distinctCounts(col);
    const idx = rowDistinctIndex(col, d.values);
    const order = Array.from({ length: d.values.length }, (_, i) => i).sort((a, b) => d.counts[b] - d.counts[a]).slice(0, Math.max(bins, 30));
    const pos = new Int32Array(d.values.length).fill(-1);
    order.forEach((k, j) => (pos[k] = j));
    labels = order.map((k) => d.values[k]);
    binOf = new Int32Array(col.length);
    for (let i = 0; i < col.length; i++) binOf[i] = idx[i] < 0 ? -1 : pos[idx[i]];
  }
  const nb = edges ? bins : labels!.length;
  const facets = facet.labels.map((facetLabel, f) => {
    const counts = color.labels.map(() => new Array<number>(nb).fill(0));
    let missing = 0;
    for (let i = 0; i < frame.numRows; i++) {
      if (facet.ids[i] !== f) continue;
      const c = color.ids[i];
      if (binOf[i] < 0) missing++;
      else if (c >= 0) counts[c][binOf[i]]++;
    }
    return { facet: facetLabel, series: color.labels.map((name, k) => ({ name, counts: counts[k] })), missing };
  });
  const charts = facets.map((f) => ({
    caption: facetCol ? `${facetCol.name} = ${f.facet}` : col.name,
    svg: histogramChart({ edges, labels, series: f.series, title: `${col.name}${facetCol ? ` (${facetCol.name} = ${f.facet})` : ''}`, width: 520, height: 220, xLabel: col.name }),
  }));
  return {
    analysis: 'histogram',
    params,
    data: { column: col.name, colorBy: colorCol?.name ?? null, facetBy: facetCol?.name ?? null, edges: edges ?? null, labels: labels ?? null, facets },
    svg: stackCharts(charts, 'histogram'),
    summary: `Histogram of ${col.name}: ${nb} ${edges ? 'bins' : 'categories'}${colorCol ? `, colored by ${colorCol.name}` : ''}${facetCol ? `, ${facets.length} facets by ${facetCol.name}` : ''}.`,
  };
}

/** A.2 Scatter plot of two numeric columns, optionally colored and faceted; at most `maxPoints` points per chart (seeded sample). */
export function scatterAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const xc = requireColumn(frame, params, 'x', 'scatter');
  const yc = requireColumn(frame, params, 'y', 'scatter');
  for (const c of [xc, yc]) if (!isNumericColumn(c)) throw new TabpilotError('TYPE_MISMATCH', `scatter: column "${c.name}" is ${c.kind}, expected numeric`, { column: c.name });
  const colorCol = optionalColumn(frame, params, 'colorBy');
  const facetCol = optionalColumn(frame, params, 'facetBy');
  const maxPoints = numberParam(params, 'maxPoints', 5000, (v) => v >= 1);
  const rng = new Random(numberParam(params, 'seed', 0));
  const x = numericValues(xc);
  const y = numericValues(yc);
  const color = colorCol ? groupsOf(colorCol) : null;
  const facet = facetCol ? groupsOf(facetCol, 12) : { ids: new Int32Array(frame.numRows), labels: ['all rows'] };
  const facets = facet.labels.map((label, f) => {
    const rows: number[] = [];
    for (let i = 0; i < frame.numRows; i++) if (facet.ids[i] === f && Number.isFinite(x[i]) && Number.isFinite(y[i])) rows.push(i);
    const pick = rows.length > maxPoints ? Array.from(sampleRows(rows.length, maxPoints, rng), (k) => rows[k]) : rows;
    return {
      facet: label,
      points: rows.length,
      shown: pick.length,
      x: pick.map((i) => x[i]),
      y: pick.map((i) => y[i]),
      group: color ? pick.map((i) => Math.max(0, color.ids[i])) : undefined,
    };
  });
  const charts = facets.map((f) => ({
    caption: facetCol ? `${facetCol.name} = ${f.facet}` : `${yc.name} vs ${xc.name}`,
    svg: scatterChart({ x: f.x, y: f.y, group: f.group, groups: color?.labels, xLabel: xc.name, yLabel: yc.name, width: 520, height: 340 }),
  }));
  return {
    analysis: 'scatter',
    params,
    data: { x: xc.name, y: yc.name, colorBy: colorCol?.name ?? null, groups: color?.labels ?? null, facets },
    svg: stackCharts(charts, 'scatter'),
    summary: `Scatter plot of ${yc.name} against ${xc.name}: ${facets.reduce((s, f) => s + f.points, 0)} points${facets.some((f) => f.shown < f.points) ? ` (sampled to ${maxPoints} per chart)` : ''}.`,
  };
}
