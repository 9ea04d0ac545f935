/**
 * Small inline-SVG charts for self-contained reports: no scripts, no external fonts or images. Every chart
 * is an <svg class="chart" data-chart=ID role="img"> with a <title>, so tests and screen readers find it.
 */

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'n/a' : String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

interface Frame2D {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

function sx(f: Frame2D, v: number): number {
  return f.left + ((v - f.x0) / (f.x1 - f.x0 || 1)) * (f.width - f.left - f.right);
}
function sy(f: Frame2D, v: number): number {
  return f.height - f.bottom - ((v - f.y0) / (f.y1 - f.y0 || 1)) * (f.height - f.top - f.bottom);
}
function r2(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.03;
  return [lo - pad, hi + pad];
}

function open(id: string, title: string, f: Frame2D): string {
  return `<svg class="chart" data-chart="${escapeHtml(id)}" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}"><title>${escapeHtml(title)}</title>`;
}

function axes(f: Frame2D, xLabel: string, yLabel: string, xTicks?: number[], yTicks?: number[]): string {
  const parts: string[] = [];
  const xt = xTicks ?? niceTicks(f.x0, f.x1);
  const yt = yTicks ?? niceTicks(f.y0, f.y1);
  const bottom = f.height - f.bottom;
  parts.push(`<rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${f.height - f.top - f.bottom}" class="plot-bg"/>`);
  for (const t of xt) {
    const x = r2(sx(f, t));
    parts.push(`<line x1="${x}" y1="${f.top}" x2="${x}" y2="${bottom}" class="grid"/><text x="${x}" y="${bottom + 14}" class="tick" text-anchor="middle">${formatNumber(t, 3)}</text>`);
  }
  for (const t of yt) {
    const y = r2(sy(f, t));
    parts.push(`<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" class="grid"/><text x="${f.left - 5}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${formatNumber(t, 3)}</text>`);
  }
  parts.push(`<text x="${r2((f.left + f.width - f.right) / 2)}" y="${f.height - 6}" class="axis-label" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text transform="translate(12 ${r2((f.top + f.height - f.bottom) / 2)}) rotate(-90)" class="axis-label" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  return parts.join('');
}

/** At most this many legend entries; the rest are summarised as one "+N more" line. */
const MAX_LEGEND = 10;

function legend(f: Frame2D, all: { name: string; color: string; dashed?: boolean }[], corner: 'br' | 'tr' | 'tl' = 'br'): string {
  if (all.length === 0) return '';
  const items = all.length <= MAX_LEGEND ? all : [...all.slice(0, MAX_LEGEND - 1), { name: `+${all.length - MAX_LEGEND + 1} more (see table)`, color: '#ffffff' }];
  const lineH = 14;
  const w = Math.min(230, 24 + Math.max(...items.map((i) => i.name.length)) * 6.2);
  const h = items.length * lineH + 6;
  const x = corner === 'tl' ? f.left + 6 : f.width - f.right - w - 6;
  const y = corner === 'br' ? f.height - f.bottom - h - 6 : f.top + 6;
  const rows = items.map(
    (it, i) =>
      `<line x1="${r2(x + 6)}" y1="${r2(y + 10 + i * lineH)}" x2="${r2(x + 20)}" y2="${r2(y + 10 + i * lineH)}" stroke="${it.color}" stroke-width="2"${it.dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="${r2(x + 24)}" y="${r2(y + 10 + i * lineH)}" class="legend" dominant-baseline="middle">${escapeHtml(it.name)}</text>`,
  );
  return `<g class="legend-box"><rect x="${r2(x)}" y="${r2(y)}" width="${r2(w)}" height="${h}" class="legend-bg"/>${rows.join('')}</g>`;
}

export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly color?: string;
  readonly dashed?: boolean;
  readonly markers?: boolean;
}

export interface LineChartOptions {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xDomain?: [number, number];
  readonly yDomain?: [number, number];
  readonly legendCorner?: 'br' | 'tr' | 'tl';
  readonly width?: number;
  readonly height?: number;
}

export function lineChart(o: LineChartOptions): string {
  const [x0, x1] = o.xDomain ?? extent(o.series.flatMap((s) => s.x));
  const [y0, y1] = o.yDomain ?? extent(o.series.flatMap((s) => s.y));
  const f: Frame2D = { width: o.width ?? 440, height: o.height ?? 320, left: 52, right: 12, top: 12, bottom: 40, x0, x1, y0, y1 };
  const parts = [open(o.id, o.title, f), axes(f, o.xLabel, o.yLabel)];
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.x.map((x, j) => `${r2(sx(f, x))},${r2(sy(f, s.y[j]))}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} class="series"/>`);
    if (s.markers) for (let j = 0; j < s.x.length; j++) parts.push(`<circle cx="${r2(sx(f, s.x[j]))}" cy="${r2(sy(f, s.y[j]))}" r="3" fill="${color}"/>`);
  });
  parts.push(legend(f, o.series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length], dashed: s.dashed })), o.legendCorner));
  parts.push('</svg>');
  return parts.join('');
}

export interface ScatterOptions {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Lines drawn over the points (identity, best fit). */
  readonly lines?: readonly Series[];
  /** Horizontal reference lines (e.g. 0 and +-3 standardised residuals). */
  readonly hLines?: readonly { y: number; color: string; dashed?: boolean }[];
  /** Points at or beyond this |y| are drawn as outliers. */
  readonly outlierAbsY?: number;
}

/** At most this many points are drawn (an even, deterministic subsample beyond it) to keep the page light. */
const MAX_POINTS = 3000;

export function scatterChart(o: ScatterOptions): string {
  const lineXs = (o.lines ?? []).flatMap((s) => s.x);
  const lineYs = (o.lines ?? []).flatMap((s) => s.y);
  const [x0, x1] = extent([...o.x, ...lineXs]);
  const [y0, y1] = extent([...o.y, ...lineYs, ...(o.hLines ?? []).map((h) => h.y)]);
  const f: Frame2D = { width: 440, height: 320, left: 56, right: 12, top: 12, bottom: 40, x0, x1, y0, y1 };
  const parts = [open(o.id, o.title, f), axes(f, o.xLabel, o.yLabel)];
  const n = o.x.length;
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  for (let i = 0; i < n; i += step) {
    if (!Number.isFinite(o.x[i]) || !Number.isFinite(o.y[i])) continue;
    const outlier = o.outlierAbsY !== undefined && Math.abs(o.y[i]) >= o.outlierAbsY;
    parts.push(`<circle cx="${r2(sx(f, o.x[i]))}" cy="${r2(sy(f, o.y[i]))}" r="2.2" class="${outlier ? 'pt outlier' : 'pt'}"/>`);
  }
  for (const h of o.hLines ?? []) {
    const y = r2(sy(f, h.y));
    parts.push(`<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" stroke="${h.color}" stroke-width="1.5"${h.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
  }
  (o.lines ?? []).forEach((s, i) => {
    const color = s.color ?? PALETTE[(i + 1) % PALETTE.length];
    const pts = s.x.map((x, j) => `${r2(sx(f, x))},${r2(sy(f, s.y[j]))}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
  });
  if (o.lines && o.lines.length > 0) parts.push(legend(f, o.lines.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[(i + 1) % PALETTE.length], dashed: s.dashed })), 'tl'));
  parts.push('</svg>');
  return parts.join('');
}

export function histogramChart(o: { id: string; title: string; xLabel: string; values: Float64Array; bins?: number }): string {
  const finite = Array.from(o.values).filter(Number.isFinite);
  const [lo, hi] = extent(finite);
  const bins = o.bins ?? 30;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  const maxCount = Math.max(1, ...counts);
  const f: Frame2D = { width: 440, height: 320, left: 52, right: 12, top: 12, bottom: 40, x0: lo, x1: hi, y0: 0, y1: maxCount * 1.05 };
  const parts = [open(o.id, o.title, f), axes(f, o.xLabel, 'rows')];
  const w = (hi - lo) / bins;
  counts.forEach((c, b) => {
    if (c === 0) return;
    const x = sx(f, lo + b * w);
    const x2 = sx(f, lo + (b + 1) * w);
    const y = sy(f, c);
    parts.push(`<rect x="${r2(x)}" y="${r2(y)}" width="${r2(Math.max(0.5, x2 - x - 1))}" height="${r2(sy(f, 0) - y)}" class="bar"><title>${formatNumber(lo + b * w)} to ${formatNumber(lo + (b + 1) * w)}: ${c}</title></rect>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface BarItem {
  readonly label: string;
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
}

/** Horizontal bars, largest first as given, with optional confidence-interval whiskers. */
export function barChart(o: { id: string; title: string; xLabel: string; items: readonly BarItem[] }): string {
  const labelWidth = Math.min(200, 12 + Math.max(8, ...o.items.map((i) => i.label.length)) * 6.4);
  const rowH = 20;
  const values = o.items.flatMap((i) => [i.value, i.low ?? i.value, i.high ?? i.value, 0]);
  const [x0, x1] = extent(values);
  const f: Frame2D = { width: 560, height: 52 + rowH * o.items.length, left: labelWidth, right: 16, top: 8, bottom: 40, x0: Math.min(0, x0), x1, y0: 0, y1: o.items.length };
  const parts = [open(o.id, o.title, f), axes(f, o.xLabel, '', undefined, [])];
  const zero = sx(f, 0);
  o.items.forEach((it, i) => {
    const yTop = f.top + i * rowH + 3;
    const x = sx(f, it.value);
    parts.push(`<text x="${r2(f.left - 6)}" y="${r2(yTop + rowH / 2 - 2)}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(it.label)}</text>`);
    parts.push(`<rect x="${r2(Math.min(x, zero))}" y="${r2(yTop)}" width="${r2(Math.max(0.5, Math.abs(x - zero)))}" height="${rowH - 6}" class="bar"><title>${escapeHtml(it.label)}: ${formatNumber(it.value)}${it.low !== undefined ? ` (95% CI ${formatNumber(it.low)} to ${formatNumber(it.high!)})` : ''}</title></rect>`);
    if (it.low !== undefined && it.high !== undefined) {
      const yMid = r2(yTop + (rowH - 6) / 2);
      parts.push(`<line x1="${r2(sx(f, it.low))}" y1="${yMid}" x2="${r2(sx(f, it.high))}" y2="${yMid}" class="whisker"/>`);
      for (const v of [it.low, it.high]) parts.push(`<line x1="${r2(sx(f, v))}" y1="${r2(yTop + 2)}" x2="${r2(sx(f, v))}" y2="${r2(yTop + rowH - 8)}" class="whisker"/>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface SwarmFeature {
  readonly name: string;
  /** SHAP value per row. */
  readonly shap: Float64Array;
  /** Feature value per row scaled to [0, 1] for colour (NaN = missing, drawn grey). */
  readonly colour: Float64Array;
}

function blueRed(t: number): string {
  if (!Number.isFinite(t)) return '#9a9a9a';
  const r = Math.round(30 + 200 * t);
  const b = Math.round(230 - 200 * t);
  return `rgb(${r},60,${b})`;
}

/** SHAP summary (beeswarm) plot: one row per feature, a dot per explained row at its SHAP value, coloured by the feature's value. */
export function shapSummaryChart(o: { id: string; title: string; xLabel: string; features: readonly SwarmFeature[] }): string {
  const labelWidth = Math.min(200, 12 + Math.max(8, ...o.features.map((f) => f.name.length)) * 6.4);
  const rowH = 24;
  const all: number[] = [];
  for (const f of o.features) for (const v of f.shap) all.push(v);
  const [x0, x1] = extent([...all, 0]);
  const f: Frame2D = { width: 600, height: 76 + rowH * o.features.length, left: labelWidth, right: 24, top: 28, bottom: 48, x0, x1, y0: 0, y1: o.features.length };
  const parts = [open(o.id, o.title, f), axes(f, o.xLabel, '', undefined, [])];
  const zero = r2(sx(f, 0));
  parts.push(`<line x1="${zero}" y1="${f.top}" x2="${zero}" y2="${f.height - f.bottom}" class="zero"/>`);
  o.features.forEach((feat, i) => {
    const yMid = f.top + i * rowH + rowH / 2;
    parts.push(`<text x="${r2(f.left - 6)}" y="${r2(yMid)}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(feat.name)}</text>`);
    // Dots pile up vertically within their pixel column, alternating above and below the row's centre line.
    const stacks = new Map<number, number>();
    const step = Math.max(1, Math.ceil(feat.shap.length / 600));
    for (let r = 0; r < feat.shap.length; r += step) {
      const px = Math.round(sx(f, feat.shap[r]) / 3);
      const k = stacks.get(px) ?? 0;
      stacks.set(px, k + 1);
      const offset = (k % 2 === 0 ? 1 : -1) * Math.ceil(k / 2) * 2.2;
      if (Math.abs(offset) > rowH / 2 - 2) continue;
      parts.push(`<circle cx="${r2(sx(f, feat.shap[r]))}" cy="${r2(yMid + offset)}" r="1.9" fill="${blueRed(feat.colour[r])}"/>`);
    }
  });
  const ly = 12;
  const lx = f.left;
  parts.push(`<defs><linearGradient id="${escapeHtml(o.id)}-grad"><stop offset="0" stop-color="${blueRed(0)}"/><stop offset="1" stop-color="${blueRed(1)}"/></linearGradient></defs>`);
  parts.push(`<text x="${lx}" y="${ly}" class="legend" dominant-baseline="middle">feature value: low</text><rect x="${lx + 108}" y="${ly - 5}" width="80" height="10" fill="url(#${escapeHtml(o.id)}-grad)"/><text x="${lx + 194}" y="${ly}" class="legend" dominant-baseline="middle">high (grey: missing)</text>`);
  parts.push('</svg>');
  return parts.join('');
}
