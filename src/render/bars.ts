import { ALERT, PRIMARY, TICK_TEXT } from './palette.js';
import { CHAR_WIDTH, type Plot, axes, baseline, label, n1, openSvg, px } from './plot.js';
import { escapeXml, formatNumber, shortLabel } from './text.js';

export interface BarItem {
  readonly label: string;
  readonly value: number;
  /** Confidence interval drawn as a whisker. */
  readonly low?: number;
  readonly high?: number;
}

export interface BarChartOptions {
  readonly kind: string;
  readonly title?: string;
  /** One bar per item, top to bottom in the given order. */
  readonly items: readonly BarItem[];
  readonly width?: number;
  /** The axis reaches at least this value (e.g. 1 for scores in [0, 1]). */
  readonly max?: number;
  /** With a label, the value axis gets ticks and this title under the bars. */
  readonly xLabel?: string;
}

/** Bar row height, and labels longer than this many characters are cut (the tooltip has the full text). */
const ROW_HEIGHT = 18;
const LABEL_CHARS = 26;
/** Room right of the longest bar for its value. */
const VALUE_ROOM = 50;
/** Smallest upper end of the value axis, so an all-zero chart still has a span. */
const MIN_SPAN = 1e-12;

/**
 * Horizontal bars with labels and values (importances, prediction power, coefficients, bias metrics); values
 * may be negative (drawn left of zero in the alert colour), non-finite values read "n/a", optional whiskers.
 */
export function barChart(o: BarChartOptions): string {
  const labels = o.items.map((it) => shortLabel(it.label, LABEL_CHARS));
  const left = 12 + Math.max(8, ...labels.map((l) => l.length)) * CHAR_WIDTH;
  const finite = o.items.flatMap((it) => [it.value, it.low ?? it.value, it.high ?? it.value]).filter(Number.isFinite);
  const axis = o.xLabel !== undefined;
  const top = 6;
  const p: Plot = {
    width: o.width ?? 420,
    height: top + o.items.length * ROW_HEIGHT + (axis ? 40 : 10),
    left,
    right: VALUE_ROOM,
    top,
    bottom: axis ? 40 : 10,
    x0: Math.min(0, ...finite),
    x1: Math.max(o.max ?? 0, ...finite, MIN_SPAN),
    y0: 0,
    y1: o.items.length,
  };
  let out = openSvg(o.kind, p, o.title);
  if (axis) out += axes(p, { xLabel: o.xLabel, yTicks: [] });
  const zero = px(p, 0);
  o.items.forEach((it, i) => {
    const y = top + i * ROW_HEIGHT;
    out += label(p.left - 6, y + 12, labels[i], { anchor: 'end' });
    if (!Number.isFinite(it.value)) {
      out += label(p.left + 4, y + 12, 'n/a', { anchor: 'start' });
      return;
    }
    const x = px(p, it.value);
    const ci = it.low !== undefined && it.high !== undefined ? ` (95% CI ${formatNumber(it.low)} to ${formatNumber(it.high)})` : '';
    out += `<rect x="${n1(Math.min(x, zero))}" y="${y + 2}" width="${n1(Math.max(0.5, Math.abs(x - zero)))}" height="${ROW_HEIGHT - 4}" fill="${it.value >= 0 ? PRIMARY : ALERT}" class="bar"><title>${escapeXml(
      `${it.label}: ${formatNumber(it.value)}${ci}`,
    )}</title></rect>`;
    let end = Math.max(x, zero);
    if (ci) {
      const [a, b] = [px(p, it.low!), px(p, it.high!)];
      const mid = n1(y + ROW_HEIGHT / 2);
      out += `<line x1="${n1(a)}" x2="${n1(b)}" y1="${mid}" y2="${mid}" stroke="${TICK_TEXT}" class="whisker"/>`;
      for (const w of [a, b]) out += `<line x1="${n1(w)}" x2="${n1(w)}" y1="${y + 4}" y2="${y + ROW_HEIGHT - 4}" stroke="${TICK_TEXT}" class="whisker"/>`;
      end = Math.max(end, b);
    }
    out += label(end + 4, y + 12, formatNumber(it.value), { anchor: 'start' });
  });
  out += baseline(p, false, zero);
  return out + '</svg>';
}

/** Bars from parallel label and value lists. */
export function barItems(labels: readonly string[], values: readonly number[]): BarItem[] {
  return labels.map((l, i) => ({ label: l, value: values[i] }));
}
