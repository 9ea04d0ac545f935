import { GRID, color } from './palette.js';
import { type Plot, axisTitles, baseline, hLine, label, legend, n1, openSvg, plotHeight, plotWidth, px, py } from './plot.js';
import { escapeXml, formatDate, formatNumber, niceTicks, shortLabel } from './text.js';

export interface BarSeries {
  readonly name: string;
  /** One count per bin (or per category). */
  readonly counts: readonly number[];
}

export interface HistogramOptions {
  readonly kind?: string;
  /** Numeric bins: edges, length = bins + 1. */
  readonly edges?: readonly number[];
  /** Or categories: one label per bar. */
  readonly labels?: readonly string[];
  /** Several series are stacked (colour by). */
  readonly series: readonly BarSeries[];
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Edges are epoch milliseconds: label them as dates. */
  readonly xIsTime?: boolean;
}

/** Category labels are cut to this many characters and drawn at most one per this many pixels. */
const CATEGORY_CHARS = 12;
const CATEGORY_PITCH = 28;
/** Count-axis ticks. */
const COUNT_TICKS = 4;

/** Histogram: numeric bins (edges) or category bars (labels); several series are stacked. */
export function histogramChart(o: HistogramOptions): string {
  const fx = o.xIsTime ? formatDate : (v: number) => formatNumber(v);
  const bins = o.series[0]?.counts.length ?? 0;
  const totals = new Array<number>(bins).fill(0);
  for (const s of o.series) s.counts.forEach((c, i) => (totals[i] += c));
  const max = Math.max(1, ...totals);
  const lo = o.edges?.[0] ?? 0;
  const hi = o.edges?.[o.edges.length - 1] ?? 1;
  const p: Plot = {
    width: o.width ?? 360,
    height: o.height ?? 180,
    left: o.yLabel ? 56 : 44,
    right: 8,
    top: 10,
    bottom: (o.labels ? 46 : 30) + (o.xLabel ? 8 : 0),
    x0: lo,
    x1: hi > lo ? hi : lo + 1,
    y0: 0,
    y1: max,
  };
  const ph = plotHeight(p);
  const bw = bins > 0 ? plotWidth(p) / bins : plotWidth(p);
  let out = openSvg(o.kind ?? 'histogram', p, o.title);
  for (const t of niceTicks(0, max, COUNT_TICKS)) out += hLine(p, py(p, t), GRID, ' class="grid"') + label(p.left - 4, py(p, t) + 3, formatNumber(t), { anchor: 'end' });
  for (let i = 0; i < bins; i++) {
    let base = 0;
    const where = o.labels ? o.labels[i] : `${fx(o.edges?.[i] ?? NaN)} – ${fx(o.edges?.[i + 1] ?? NaN)}`;
    o.series.forEach((s, k) => {
      const c = s.counts[i];
      if (!(c > 0)) return;
      const y = py(p, base + c);
      out += `<rect x="${n1(p.left + i * bw + 0.5)}" y="${n1(y)}" width="${n1(Math.max(0.5, bw - 1))}" height="${n1((c / max) * ph)}" fill="${color(k)}" class="bar"><title>${escapeXml(
        `${o.series.length > 1 ? `${s.name}: ` : ''}${where}: ${c}`,
      )}</title></rect>`;
      base += c;
    });
  }
  out += baseline(p, true, p.top + ph);
  const below = p.top + ph;
  if (o.labels) {
    const every = Math.ceil(bins / Math.max(1, Math.floor(plotWidth(p) / CATEGORY_PITCH)));
    o.labels.forEach((l, i) => {
      if (i % every) return;
      const x = p.left + (i + 0.5) * bw;
      out += label(x, below + 10, shortLabel(l, CATEGORY_CHARS), { anchor: 'end', extra: ` transform="rotate(-35 ${n1(x)} ${n1(below + 10)})"` });
    });
  } else if (o.edges && o.edges.length > 1) {
    const ticks = o.xIsTime ? [lo, (lo + hi) / 2, hi] : niceTicks(lo, hi, COUNT_TICKS);
    for (const t of ticks) out += label(px(p, t), below + 12, fx(t));
  }
  out += axisTitles(p, o.xLabel, o.yLabel);
  if (o.series.length > 1) out += legend(p, o.series.map((s, k) => ({ name: s.name, color: color(k) })));
  return out + '</svg>';
}
