import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { numericValues } from '../insights/stats.js';
import { pearsonPairwise } from '../util/numeric.js';

export { pearsonPairwise };
import { heatmapChart, stackCharts } from '../render/index.js';
import { type AnalysisParams, type AnalysisResult, groupsOf, isNumericColumn, listParam } from './common.js';

/**
 * Feature correlation (spec A.2 [GAP], decided here): Pearson (linear) and Spearman (rank) matrices over the
 * numeric columns, pairwise-complete rows; Cramér's V over pairs of categorical columns (boolean, categorical,
 * and text with at most 100 distinct values).
 */


/** Average ranks (ties share the mean rank); NaN stays NaN. */
export function ranks(v: Float64Array): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) idx.push(i);
  idx.sort((a, b) => v[a] - v[b]);
  const out = new Float64Array(v.length).fill(NaN);
  for (let i = 0; i < idx.length; ) {
    let j = i + 1;
    while (j < idx.length && v[idx[j]] === v[idx[i]]) j++;
    const r = (i + j + 1) / 2;
    for (let k = i; k < j; k++) out[idx[k]] = r;
    i = j;
  }
  return out;
}

/** Spearman on pairwise-complete rows: ranks are taken within the complete pairs. */
export function spearmanPairwise(a: Float64Array, b: Float64Array): number {
  const keep: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] === a[i] && b[i] === b[i]) keep.push(i);
  const x = Float64Array.from(keep, (i) => a[i]);
  const y = Float64Array.from(keep, (i) => b[i]);
  return pearsonPairwise(ranks(x), ranks(y));
}

/** Cramér's V of two group-id vectors (-1 = missing, excluded). */
export function cramersV(a: Int32Array, ka: number, b: Int32Array, kb: number): number {
  const table = new Float64Array(ka * kb);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < 0 || b[i] < 0) continue;
    table[a[i] * kb + b[i]]++;
    n++;
  }
  if (n === 0) return NaN;
  const rows = new Float64Array(ka);
  const cols = new Float64Array(kb);
  for (let i = 0; i < ka; i++) for (let j = 0; j < kb; j++) {
    rows[i] += table[i * kb + j];
    cols[j] += table[i * kb + j];
  }
  const r = rows.filter((x) => x > 0).length;
  const c = cols.filter((x) => x > 0).length;
  if (Math.min(r, c) < 2) return NaN;
  let chi2 = 0;
  for (let i = 0; i < ka; i++) for (let j = 0; j < kb; j++) {
    const e = (rows[i] * cols[j]) / n;
    if (e > 0) chi2 += (table[i * kb + j] - e) ** 2 / e;
  }
  return Math.sqrt(chi2 / (n * (Math.min(r, c) - 1)));
}

function isCategoricalLike(col: Column): boolean {
  if (col.kind === 'boolean' || col.kind === 'categorical') return true;
  if (col.kind === 'text') return new Set(col.values.filter((v) => v !== null)).size <= 100;
  return false;
}

export function correlationAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const names = listParam(params, 'columns') ?? frame.columnNames;
  const cols = names.map((n) => frame.column(n));
  const numeric = cols.filter((c) => isNumericColumn(c) && c.kind !== 'boolean');
  const categorical = cols.filter(isCategoricalLike);
  const values = numeric.map((c) => numericValues(c));
  const rankCache = values.map(() => null as Float64Array | null);
  const p = numeric.length;
  const pearson = Array.from({ length: p }, () => new Array<number>(p).fill(1));
  const spearman = Array.from({ length: p }, () => new Array<number>(p).fill(1));
  const complete = values.map((v) => v.every((x) => x === x));
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const r = pearsonPairwise(values[i], values[j]);
      pearson[i][j] = pearson[j][i] = r;
      let s: number;
      if (complete[i] && complete[j]) {
        rankCache[i] ??= ranks(values[i]);
        rankCache[j] ??= ranks(values[j]);
        s = pearsonPairwise(rankCache[i]!, rankCache[j]!);
      } else s = spearmanPairwise(values[i], values[j]);
      spearman[i][j] = spearman[j][i] = s;
    }
  }
  const groups = categorical.map((c) => groupsOf(c, 1000));
  const q = categorical.length;
  const cramer = Array.from({ length: q }, () => new Array<number>(q).fill(1));
  for (let i = 0; i < q; i++) {
    for (let j = i + 1; j < q; j++) {
      const v = cramersV(groups[i].ids, groups[i].labels.length, groups[j].ids, groups[j].labels.length);
      cramer[i][j] = cramer[j][i] = v;
    }
  }
  const num = numeric.map((c) => c.name);
  const cat = categorical.map((c) => c.name);
  const charts = [];
  if (p > 1) {
    charts.push({ caption: 'Pearson correlation (linear)', svg: heatmapChart({ rows: num, cols: num, values: pearson, diverging: true, kind: 'pearson' }) });
    charts.push({ caption: 'Spearman correlation (rank, non-linear monotonic)', svg: heatmapChart({ rows: num, cols: num, values: spearman, diverging: true, kind: 'spearman' }) });
  }
  if (q > 1) charts.push({ caption: "Cramér's V (categorical association)", svg: heatmapChart({ rows: cat, cols: cat, values: cramer, kind: 'cramers-v' }) });
  const strongest: { a: string; b: string; method: string; value: number }[] = [];
  for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) strongest.push({ a: num[i], b: num[j], method: 'pearson', value: pearson[i][j] });
  for (let i = 0; i < q; i++) for (let j = i + 1; j < q; j++) strongest.push({ a: cat[i], b: cat[j], method: 'cramers_v', value: cramer[i][j] });
  strongest.sort((x, y) => Math.abs(y.value) - Math.abs(x.value) || 0);
  const top = strongest.filter((s) => Number.isFinite(s.value)).slice(0, 10);
  return {
    analysis: 'correlation',
    params,
    data: { numeric: num, pearson, spearman, categorical: cat, cramersV: cramer, strongestPairs: top },
    svg: charts.length > 0 ? stackCharts(charts, 'correlation') : undefined,
    summary:
      top.length > 0
        ? `Strongest pairs: ${top.slice(0, 3).map((s) => `${s.a}/${s.b} ${s.method} ${s.value.toFixed(3)}`).join('; ')}.`
        : 'Not enough numeric or categorical columns to correlate.',
  };
}
