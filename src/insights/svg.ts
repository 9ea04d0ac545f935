/**
 * Small self-contained SVG charts (no scripts, no external fonts): every chart is a string of markup that
 * inherits the page's font. Shared by the insights report and the analyses.
 */

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Number(v.toPrecision(digits + 1)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

const PALETTE = ['#2f6db5', '#e07b28', '#3a9a5b', '#c9433f', '#8a63b8', '#8c6d4f', '#d46fb0', '#6f7c85', '#b5b82f', '#2fb3c2'];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length];
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function open(kind: string, f: Frame, title?: string): string {
  const t = title ? `<title>${escapeXml(title)}</title>` : '';
  return `<svg class="chart" data-chart="${kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img"${title ? ` aria-label="${escapeXml(title)}"` : ''}>${t}`;
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function shortLabel(s: string, max = 14): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function axisText(x: number, y: number, text: string, anchor = 'middle', extra = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="10" fill="#444"${extra}>${escapeXml(text)}</text>`;
}

export interface BarSeries {
  readonly name: string;
  readonly counts: readonly number[];
}

/**
 * Histogram: numeric bins (edges) or category bars (labels). Several series are stacked (color by).
 */
export function histogramSvg(opts: {
  edges?: readonly number[];
  labels?: readonly string[];
  series: readonly BarSeries[];
  title?: string;
  width?: number;
  height?: number;
  xLabel?: string;
  /** Edges are epoch milliseconds: label them as dates. */
  xIsTime?: boolean;
}): string {
  const fx = opts.xIsTime ? (v: number | undefined) => (v === undefined ? '' : new Date(v).toISOString().slice(0, 10)) : (v: number | undefined) => formatNumber(v);
  const f: Frame = { width: opts.width ?? 360, height: opts.height ?? 180, left: 44, right: 8, top: 10, bottom: opts.labels ? 46 : 30 };
  const bins = opts.series[0]?.counts.length ?? 0;
  const totals = new Array<number>(bins).fill(0);
  for (const s of opts.series) s.counts.forEach((c, i) => (totals[i] += c));
  const max = Math.max(1, ...totals);
  const pw = f.width - f.left - f.right;
  const ph = f.height - f.top - f.bottom;
  const bw = bins > 0 ? pw / bins : pw;
  let out = open('histogram', f, opts.title);
  for (const t of niceTicks(0, max, 4)) {
    const y = f.top + ph - (t / max) * ph;
    out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e3e3e3"/>`;
    out += axisText(f.left - 4, y + 3, formatNumber(t), 'end');
  }
  for (let i = 0; i < bins; i++) {
    let base = 0;
    opts.series.forEach((s, k) => {
      const c = s.counts[i];
      if (c <= 0) return;
      const h = (c / max) * ph;
      const y = f.top + ph - ((base + c) / max) * ph;
      const label = opts.labels ? opts.labels[i] : `${fx(opts.edges?.[i])} – ${fx(opts.edges?.[i + 1])}`;
      out += `<rect x="${(f.left + i * bw + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${color(k)}"><title>${escapeXml(`${opts.series.length > 1 ? `${s.name}: ` : ''}${label}: ${c}`)}</title></rect>`;
      base += c;
    });
  }
  out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${f.top + ph}" y2="${f.top + ph}" stroke="#888"/>`;
  if (opts.labels) {
    const every = Math.ceil(bins / Math.max(1, Math.floor(pw / 28)));
    opts.labels.forEach((l, i) => {
      if (i % every) return;
      const x = f.left + (i + 0.5) * bw;
      out += axisText(x, f.top + ph + 10, shortLabel(l, 12), 'end', ` transform="rotate(-35 ${x.toFixed(1)} ${(f.top + ph + 10).toFixed(1)})"`);
    });
  } else if (opts.edges && opts.edges.length > 1) {
    const lo = opts.edges[0];
    const hi = opts.edges[opts.edges.length - 1];
    const ticks = opts.xIsTime ? [lo, (lo + hi) / 2, hi] : niceTicks(lo, hi, 4);
    for (const t of ticks) {
      const x = f.left + ((t - lo) / (hi - lo)) * pw;
      out += axisText(x, f.top + ph + 12, fx(t));
    }
  }
  if (opts.xLabel) out += axisText(f.left + pw / 2, f.height - 2, opts.xLabel);
  if (opts.series.length > 1) out += legend(opts.series.map((s) => s.name), f.width - f.right - 4, f.top + 2);
  return out + '</svg>';
}

function legend(names: readonly string[], right: number, top: number): string {
  let out = '';
  names.slice(0, 10).forEach((n, k) => {
    const y = top + k * 12;
    out += `<rect x="${right - 8}" y="${y}" width="8" height="8" fill="${color(k)}"/>`;
    out += axisText(right - 11, y + 7, shortLabel(n, 18), 'end');
  });
  return out;
}

/** Horizontal bars with labels (prediction power, importances, coefficients); values may be negative. */
export function barsSvg(opts: { labels: readonly string[]; values: readonly number[]; title?: string; width?: number; max?: number; kind?: string }): string {
  const rowH = 16;
  const f: Frame = { width: opts.width ?? 420, height: 16 + opts.labels.length * rowH, left: 130, right: 50, top: 6, bottom: 10 };
  const lo = Math.min(0, ...opts.values.filter(Number.isFinite));
  const hi = Math.max(opts.max ?? 0, ...opts.values.filter(Number.isFinite), 1e-12);
  const pw = f.width - f.left - f.right;
  const x0 = f.left + ((0 - lo) / (hi - lo)) * pw;
  let out = open(opts.kind ?? 'bars', f, opts.title);
  opts.labels.forEach((l, i) => {
    const v = opts.values[i];
    const y = f.top + i * rowH;
    out += axisText(f.left - 6, y + 11, shortLabel(l, 20), 'end');
    if (!Number.isFinite(v)) {
      out += axisText(f.left + 4, y + 11, 'n/a', 'start');
      return;
    }
    const x = f.left + ((v - lo) / (hi - lo)) * pw;
    out += `<rect x="${Math.min(x, x0).toFixed(1)}" y="${y + 2}" width="${Math.max(0.5, Math.abs(x - x0)).toFixed(1)}" height="${rowH - 4}" fill="${v >= 0 ? color(0) : color(3)}"><title>${escapeXml(`${l}: ${formatNumber(v)}`)}</title></rect>`;
    out += axisText(Math.max(x, x0) + 4, y + 11, formatNumber(v), 'start');
  });
  out += `<line x1="${x0.toFixed(1)}" x2="${x0.toFixed(1)}" y1="${f.top}" y2="${f.height - f.bottom}" stroke="#888"/>`;
  return out + '</svg>';
}

/** Heatmap of a square or rectangular matrix (confusion matrix, correlation matrix). */
export function heatmapSvg(opts: { rows: readonly string[]; cols: readonly string[]; values: readonly (readonly number[])[]; title?: string; diverging?: boolean; kind?: string; digits?: number }): string {
  const n = opts.rows.length;
  const m = opts.cols.length;
  const cell = Math.max(14, Math.min(44, Math.floor(440 / Math.max(n, m, 1))));
  const f: Frame = { width: 110 + m * cell + 10, height: 70 + n * cell + 10, left: 110, right: 10, top: 70, bottom: 10 };
  let max = 0;
  for (const r of opts.values) for (const v of r) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  max = max || 1;
  let out = open(opts.kind ?? 'heatmap', f, opts.title);
  const showText = cell >= 26;
  for (let i = 0; i < n; i++) {
    out += axisText(f.left - 4, f.top + i * cell + cell / 2 + 3, shortLabel(opts.rows[i]), 'end');
    for (let j = 0; j < m; j++) {
      const v = opts.values[i][j];
      const t = Number.isFinite(v) ? Math.abs(v) / max : 0;
      const fill = !Number.isFinite(v) ? '#f3f3f3' : opts.diverging && v < 0 ? mixColor([201, 67, 63], t) : mixColor([47, 109, 181], t);
      const x = f.left + j * cell;
      const y = f.top + i * cell;
      out += `<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${escapeXml(`${opts.rows[i]} / ${opts.cols[j]}: ${formatNumber(v)}`)}</title></rect>`;
      if (showText) out += `<text x="${x + cell / 2}" y="${y + cell / 2 + 3}" text-anchor="middle" font-size="9" fill="${t > 0.55 ? '#fff' : '#222'}">${escapeXml(formatNumber(v, opts.digits ?? 2))}</text>`;
    }
  }
  for (let j = 0; j < m; j++) {
    const x = f.left + j * cell + cell / 2;
    out += axisText(x, f.top - 6, shortLabel(opts.cols[j], 12), 'start', ` transform="rotate(-45 ${x} ${f.top - 6})"`);
  }
  return out + '</svg>';
}

function mixColor(rgb: readonly number[], t: number): string {
  const c = rgb.map((v) => Math.round(255 + (v - 255) * Math.min(1, Math.max(0, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Scatter plot; `group` indexes a legend entry per point. */
export function scatterSvg(opts: { x: ArrayLike<number>; y: ArrayLike<number>; group?: ArrayLike<number>; groups?: readonly string[]; xLabel: string; yLabel: string; title?: string; width?: number; height?: number }): string {
  const f: Frame = { width: opts.width ?? 420, height: opts.height ?? 300, left: 52, right: 10, top: 10, bottom: 34 };
  const [xlo, xhi] = extent(opts.x);
  const [ylo, yhi] = extent(opts.y);
  const pw = f.width - f.left - f.right;
  const ph = f.height - f.top - f.bottom;
  const sx = (v: number) => f.left + ((v - xlo) / (xhi - xlo || 1)) * pw;
  const sy = (v: number) => f.top + ph - ((v - ylo) / (yhi - ylo || 1)) * ph;
  let out = open('scatter', f, opts.title) + axes(f, [xlo, xhi], [ylo, yhi], opts.xLabel, opts.yLabel);
  for (let i = 0; i < opts.x.length; i++) {
    const x = opts.x[i];
    const y = opts.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    out += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2" fill="${color(opts.group ? opts.group[i] : 0)}" fill-opacity="0.6"/>`;
  }
  if (opts.groups && opts.groups.length > 1) out += legend(opts.groups, f.width - f.right - 4, f.top + 2);
  return out + '</svg>';
}

function extent(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) continue;
    lo = Math.min(lo, v[i]);
    hi = Math.max(hi, v[i]);
  }
  if (!(hi >= lo)) return [0, 1];
  if (hi === lo) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function axes(f: Frame, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string, xFormat: (v: number) => string = (v) => formatNumber(v)): string {
  const pw = f.width - f.left - f.right;
  const ph = f.height - f.top - f.bottom;
  let out = '';
  for (const t of niceTicks(yr[0], yr[1], 4)) {
    const y = f.top + ph - ((t - yr[0]) / (yr[1] - yr[0] || 1)) * ph;
    out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ececec"/>` + axisText(f.left - 4, y + 3, formatNumber(t), 'end');
  }
  for (const t of niceTicks(xr[0], xr[1], 4)) {
    const x = f.left + ((t - xr[0]) / (xr[1] - xr[0] || 1)) * pw;
    out += axisText(x, f.top + ph + 12, xFormat(t));
  }
  out += `<rect x="${f.left}" y="${f.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`;
  out += axisText(f.left + pw / 2, f.height - 4, xLabel);
  out += axisText(12, f.top + ph / 2, yLabel, 'middle', ` transform="rotate(-90 12 ${(f.top + ph / 2).toFixed(1)})"`);
  return out;
}

/** Line chart of one or more series over a shared x; `marks` highlights points (anomalies). */
export function lineSvg(opts: {
  x: ArrayLike<number>;
  series: readonly { name: string; y: ArrayLike<number> }[];
  marks?: ArrayLike<number>;
  xLabel: string;
  yLabel: string;
  title?: string;
  width?: number;
  height?: number;
  xIsTime?: boolean;
  kind?: string;
}): string {
  const f: Frame = { width: opts.width ?? 640, height: opts.height ?? 200, left: 56, right: 10, top: 10, bottom: 34 };
  const [xlo, xhi] = extent(opts.x);
  let ylo = Infinity;
  let yhi = -Infinity;
  for (const s of opts.series) {
    const [a, b] = extent(s.y);
    ylo = Math.min(ylo, a);
    yhi = Math.max(yhi, b);
  }
  const pw = f.width - f.left - f.right;
  const ph = f.height - f.top - f.bottom;
  const sx = (v: number) => f.left + ((v - xlo) / (xhi - xlo || 1)) * pw;
  const sy = (v: number) => f.top + ph - ((v - ylo) / (yhi - ylo || 1)) * ph;
  const fmt = opts.xIsTime ? (v: number) => new Date(v).toISOString().slice(0, 10) : (v: number) => formatNumber(v);
  let out = open(opts.kind ?? 'line', f, opts.title) + axes(f, [xlo, xhi], [ylo, yhi], opts.xLabel, opts.yLabel, fmt);
  opts.series.forEach((s, k) => {
    let d = '';
    let pen = false;
    for (let i = 0; i < opts.x.length; i++) {
      const y = s.y[i];
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(opts.x[i]).toFixed(1)} ${sy(y).toFixed(1)}`;
      pen = true;
    }
    out += `<path d="${d}" fill="none" stroke="${color(k)}" stroke-width="1.2"/>`;
  });
  if (opts.marks) {
    const y0 = opts.series[0].y;
    for (let i = 0; i < opts.marks.length; i++) {
      const r = opts.marks[i];
      out += `<circle cx="${sx(opts.x[r]).toFixed(1)}" cy="${sy(y0[r]).toFixed(1)}" r="3.5" fill="none" stroke="${color(3)}" stroke-width="1.5"/>`;
    }
  }
  if (opts.series.length > 1) out += legend(opts.series.map((s) => s.name), f.width - f.right - 4, f.top + 2);
  return out + '</svg>';
}
