import { ALERT, color } from './palette.js';
import { type LegendCorner, type Plot, axes, extent, legend, n1, openSvg, px, py } from './plot.js';
import { formatDate } from './text.js';

export interface LineSeries {
  readonly name: string;
  readonly x: ArrayLike<number>;
  /** A non-finite y breaks the line. */
  readonly y: ArrayLike<number>;
  /** Default: the palette colour of the series' position. */
  readonly color?: string;
  readonly dashed?: boolean;
  /** Draw a dot at every point. */
  readonly markers?: boolean;
}

export interface LineChartOptions {
  readonly kind: string;
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Fixed domains (default: the data's, padded). */
  readonly xDomain?: [number, number];
  readonly yDomain?: [number, number];
  readonly legendCorner?: LegendCorner;
  readonly width?: number;
  readonly height?: number;
  /** x values are epoch milliseconds: label them as dates. */
  readonly xIsTime?: boolean;
  /** Show the legend (default: when there are several series). */
  readonly legend?: boolean;
  /** Indices into the first series' points to ring (anomalies). */
  readonly marks?: ArrayLike<number>;
}

/** Share of the data span added on each side of a data-driven domain, so points do not sit on the frame. */
export const DOMAIN_PAD = 0.03;

/** Where a time axis gets its (full-date) labels, as shares of its span: dates are too wide for more. */
const TIME_TICKS = [0.1, 0.5, 0.9];

/** SVG path of a series; non-finite points lift the pen. */
export function linePath(p: Plot, x: ArrayLike<number>, y: ArrayLike<number>): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${n1(px(p, x[i]))} ${n1(py(p, y[i]))}`;
    pen = true;
  }
  return d;
}

/** Draws the series' lines (and markers) in an existing plot. */
export function drawSeries(p: Plot, series: readonly LineSeries[], colourOffset = 0): string {
  let out = '';
  series.forEach((s, k) => {
    const c = s.color ?? color(k + colourOffset);
    out += `<path d="${linePath(p, s.x, s.y)}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} class="series"/>`;
    if (s.markers) for (let j = 0; j < s.x.length; j++) if (Number.isFinite(s.y[j])) out += `<circle cx="${n1(px(p, s.x[j]))}" cy="${n1(py(p, s.y[j]))}" r="3" fill="${c}"/>`;
  });
  return out;
}

function concat(parts: readonly ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (const a of parts) for (let i = 0; i < a.length; i++) out.push(a[i]);
  return out;
}

/** Line chart (curves, time series) of one or more series. */
export function lineChart(o: LineChartOptions): string {
  const [x0, x1] = o.xDomain ?? extent(concat(o.series.map((s) => s.x)), o.xIsTime ? 0 : DOMAIN_PAD);
  const [y0, y1] = o.yDomain ?? extent(concat(o.series.map((s) => s.y)), DOMAIN_PAD);
  const p: Plot = { width: o.width ?? 440, height: o.height ?? 320, left: 56, right: 12, top: 10, bottom: 38, x0, x1, y0, y1 };
  let out = openSvg(o.kind, p, o.title) + axes(p, { xLabel: o.xLabel, yLabel: o.yLabel, xFormat: o.xIsTime ? formatDate : undefined, xTicks: o.xIsTime ? TIME_TICKS.map((f) => x0 + f * (x1 - x0)) : undefined });
  out += drawSeries(p, o.series);
  const first = o.series[0];
  if (o.marks && first) {
    for (let i = 0; i < o.marks.length; i++) {
      const r = o.marks[i];
      out += `<circle cx="${n1(px(p, first.x[r]))}" cy="${n1(py(p, first.y[r]))}" r="3.5" fill="none" stroke="${ALERT}" stroke-width="1.5" class="mark"/>`;
    }
  }
  if (o.legend ?? o.series.length > 1) out += legend(p, o.series.map((s, k) => ({ name: s.name, color: s.color ?? color(k), dashed: s.dashed })), o.legendCorner);
  return out + '</svg>';
}
