import { BASELINE, FRAME, GRID, LABEL_TEXT, TICK_TEXT } from './palette.js';
import { escapeXml, formatNumber, niceTicks, shortLabel } from './text.js';

/**
 * The plot area every chart draws in, and the parts charts share: the <svg> opening, text, axes, legend.
 * Charts are self-contained SVG (inline presentation attributes, no scripts or fonts) that inherits the
 * page's font, so one chart looks the same inside an HTML report and as a standalone .svg file.
 */

export interface Plot {
  readonly width: number;
  readonly height: number;
  /** Margins around the plotting area, in pixels. */
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** Data domain shown: x0..x1 left to right, y0..y1 bottom to top. */
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** Font sizes (px) of tick labels and legends, and of axis titles. */
export const TICK_FONT = 10;
export const LABEL_FONT = 11;
/** Approximate width (px) of one character of TICK_FONT text, for sizing label columns and legends. */
export const CHAR_WIDTH = 6;

export function plotWidth(p: Plot): number {
  return p.width - p.left - p.right;
}
export function plotHeight(p: Plot): number {
  return p.height - p.top - p.bottom;
}
/** Pixel x of data value v. */
export function px(p: Plot, v: number): number {
  return p.left + ((v - p.x0) / (p.x1 - p.x0 || 1)) * plotWidth(p);
}
/** Pixel y of data value v. */
export function py(p: Plot, v: number): number {
  return p.height - p.bottom - ((v - p.y0) / (p.y1 - p.y0 || 1)) * plotHeight(p);
}
/** A pixel coordinate as written to the markup: a tenth of a pixel is plenty. */
export function n1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/**
 * [min, max] of the finite values, widened by `pad` of the span on both sides; a single value becomes a unit
 * range around it, no values [0, 1].
 */
export function extent(values: ArrayLike<number>, pad = 0): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo - (hi - lo) * pad, hi + (hi - lo) * pad];
}

/** Opens a chart: `kind` goes to data-chart (tests and styles find charts by it), `title` to <title> and aria-label. */
export function openSvg(kind: string, size: { width: number; height: number }, title?: string): string {
  const t = title ? ` aria-label="${escapeXml(title)}"` : '';
  return `<svg class="chart" data-chart="${escapeXml(kind)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size.width} ${size.height}" width="${size.width}" height="${size.height}" role="img"${t}>${
    title ? `<title>${escapeXml(title)}</title>` : ''
  }`;
}

/** A text label; `extra` adds raw attributes (e.g. a rotation). */
export function label(x: number, y: number, text: string, o: { anchor?: 'start' | 'middle' | 'end'; cls?: string; size?: number; fill?: string; extra?: string } = {}): string {
  return `<text x="${n1(x)}" y="${n1(y)}" text-anchor="${o.anchor ?? 'middle'}" font-size="${o.size ?? TICK_FONT}" fill="${o.fill ?? TICK_TEXT}" class="${o.cls ?? 'tick'}"${o.extra ?? ''}>${escapeXml(text)}</text>`;
}

export function hLine(p: Plot, y: number, stroke: string, extra = ''): string {
  return `<line x1="${p.left}" x2="${p.width - p.right}" y1="${n1(y)}" y2="${n1(y)}" stroke="${stroke}"${extra}/>`;
}
export function vLine(p: Plot, x: number, stroke: string, extra = ''): string {
  return `<line x1="${n1(x)}" x2="${n1(x)}" y1="${p.top}" y2="${p.height - p.bottom}" stroke="${stroke}"${extra}/>`;
}

export interface AxesOptions {
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Tick values; default nice ticks of the domain. An empty list draws no ticks on that axis. */
  readonly xTicks?: readonly number[];
  readonly yTicks?: readonly number[];
  readonly xFormat?: (v: number) => string;
  readonly yFormat?: (v: number) => string;
}

/** Roughly this many ticks per axis. */
const TICKS_PER_AXIS = 5;

/** Frame, grid lines with tick labels on both axes, and axis titles. */
export function axes(p: Plot, o: AxesOptions): string {
  const xt = o.xTicks ?? niceTicks(p.x0, p.x1, TICKS_PER_AXIS);
  const yt = o.yTicks ?? niceTicks(p.y0, p.y1, TICKS_PER_AXIS);
  const fx = o.xFormat ?? ((v: number) => formatNumber(v));
  const fy = o.yFormat ?? ((v: number) => formatNumber(v));
  const bottom = p.height - p.bottom;
  let out = `<rect x="${p.left}" y="${p.top}" width="${plotWidth(p)}" height="${plotHeight(p)}" fill="#fbfcfd" stroke="${FRAME}" class="plot-bg"/>`;
  for (const t of xt) out += vLine(p, px(p, t), GRID, ' class="grid"') + label(px(p, t), bottom + 13, fx(t));
  for (const t of yt) out += hLine(p, py(p, t), GRID, ' class="grid"') + label(p.left - 5, py(p, t) + 3, fy(t), { anchor: 'end' });
  out += axisTitles(p, o.xLabel, o.yLabel);
  return out;
}

export function axisTitles(p: Plot, xLabel?: string, yLabel?: string): string {
  let out = '';
  if (xLabel) out += label(p.left + plotWidth(p) / 2, p.height - 6, xLabel, { cls: 'axis-label', size: LABEL_FONT, fill: LABEL_TEXT });
  if (yLabel) {
    const y = p.top + plotHeight(p) / 2;
    out += label(12, y, yLabel, { cls: 'axis-label', size: LABEL_FONT, fill: LABEL_TEXT, extra: ` transform="rotate(-90 12 ${n1(y)})"` });
  }
  return out;
}

/** The baseline under bars (or beside them). */
export function baseline(p: Plot, horizontal: boolean, at: number): string {
  return horizontal ? hLine(p, at, BASELINE) : vLine(p, at, BASELINE);
}

export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
}

export type LegendCorner = 'br' | 'tr' | 'tl';

/** At most this many legend entries; the rest are summarised as one "+N more" line. */
const MAX_LEGEND = 10;
/** Legend row height and the widest legend box (px); longer names are cut. */
const LEGEND_ROW = 13;
const LEGEND_MAX_WIDTH = 230;
const LEGEND_MAX_CHARS = 34;

/** A boxed legend in a corner of the plot area; a line swatch per item (dashed like its series). */
export function legend(p: Plot, all: readonly LegendItem[], corner: LegendCorner = 'tr'): string {
  if (all.length === 0) return '';
  const items = all.length <= MAX_LEGEND ? all : [...all.slice(0, MAX_LEGEND - 1), { name: `+${all.length - MAX_LEGEND + 1} more`, color: 'none' }];
  const names = items.map((it) => shortLabel(it.name, LEGEND_MAX_CHARS));
  const w = Math.min(LEGEND_MAX_WIDTH, 28 + Math.max(...names.map((n) => n.length)) * CHAR_WIDTH);
  const h = items.length * LEGEND_ROW + 6;
  const x = corner === 'tl' ? p.left + 6 : p.width - p.right - w - 6;
  const y = corner === 'br' ? p.height - p.bottom - h - 6 : p.top + 6;
  let out = `<g class="legend-box"><rect x="${n1(x)}" y="${n1(y)}" width="${n1(w)}" height="${h}" fill="#ffffff" fill-opacity="0.87" stroke="${FRAME}" class="legend-bg"/>`;
  items.forEach((it, i) => {
    const ly = y + 9 + i * LEGEND_ROW;
    out += `<line x1="${n1(x + 6)}" y1="${n1(ly)}" x2="${n1(x + 20)}" y2="${n1(ly)}" stroke="${it.color}" stroke-width="2"${it.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    out += label(x + 24, ly + 3.5, names[i], { anchor: 'start', cls: 'legend', fill: LABEL_TEXT });
  });
  return out + '</g>';
}
