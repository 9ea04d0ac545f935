import { ALERT, color } from './palette.js';
import { DOMAIN_PAD, type LineSeries, drawSeries } from './line.js';
import { type LegendItem, type Plot, axes, extent, hLine, legend, n1, openSvg, px, py } from './plot.js';

export interface ScatterOptions {
  readonly kind?: string;
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Colour group per point (index into `groups`, the legend). */
  readonly group?: ArrayLike<number>;
  readonly groups?: readonly string[];
  /** Lines drawn over the points (identity, best fit). */
  readonly lines?: readonly LineSeries[];
  /** Horizontal reference lines (e.g. 0 and +-3 standardised residuals). */
  readonly hLines?: readonly { y: number; color: string; dashed?: boolean }[];
  /** Points at or beyond this |y| are drawn as outliers. */
  readonly outlierAbsY?: number;
  /** Draw at most this many points (an even, deterministic subsample beyond it). Default: all. */
  readonly maxPoints?: number;
  readonly width?: number;
  readonly height?: number;
}

/** Point radius and opacity (overlapping points darken). */
const POINT_RADIUS = 2.2;
const POINT_OPACITY = 0.55;

/** Scatter plot; points coloured by group, optional overlay lines and reference lines. */
export function scatterChart(o: ScatterOptions): string {
  const lines = o.lines ?? [];
  const xs = Array.from(o.x);
  const ys = Array.from(o.y);
  for (const s of lines) {
    xs.push(...Array.from(s.x));
    ys.push(...Array.from(s.y));
  }
  for (const h of o.hLines ?? []) ys.push(h.y);
  const [x0, x1] = extent(xs, DOMAIN_PAD);
  const [y0, y1] = extent(ys, DOMAIN_PAD);
  const p: Plot = { width: o.width ?? 440, height: o.height ?? 320, left: 56, right: 12, top: 10, bottom: 38, x0, x1, y0, y1 };
  let out = openSvg(o.kind ?? 'scatter', p, o.title) + axes(p, { xLabel: o.xLabel, yLabel: o.yLabel });
  const n = o.x.length;
  const step = Math.max(1, Math.ceil(n / (o.maxPoints ?? Infinity)));
  for (let i = 0; i < n; i += step) {
    if (!Number.isFinite(o.x[i]) || !Number.isFinite(o.y[i])) continue;
    const outlier = o.outlierAbsY !== undefined && Math.abs(o.y[i]) >= o.outlierAbsY;
    const fill = outlier ? ALERT : color(o.group ? o.group[i] : 0);
    out += `<circle cx="${n1(px(p, o.x[i]))}" cy="${n1(py(p, o.y[i]))}" r="${POINT_RADIUS}" fill="${fill}" fill-opacity="${outlier ? 0.85 : POINT_OPACITY}" class="${outlier ? 'pt outlier' : 'pt'}"/>`;
  }
  for (const h of o.hLines ?? []) out += hLine(p, py(p, h.y), h.color, ` stroke-width="1.5"${h.dashed ? ' stroke-dasharray="5 4"' : ''}`);
  out += drawSeries(p, lines, 1);
  const items: LegendItem[] = [];
  if (o.groups && o.groups.length > 1) o.groups.forEach((g, k) => items.push({ name: g, color: color(k) }));
  lines.forEach((s, k) => items.push({ name: s.name, color: s.color ?? color(k + 1), dashed: s.dashed }));
  out += legend(p, items, lines.length > 0 ? 'tl' : 'tr');
  return out + '</svg>';
}
