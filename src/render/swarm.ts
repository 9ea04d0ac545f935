import { REFERENCE, blueRed } from './palette.js';
import { CHAR_WIDTH, type Plot, axes, label, n1, openSvg, px, vLine, extent } from './plot.js';
import { DOMAIN_PAD } from './line.js';
import { escapeXml, shortLabel } from './text.js';

export interface SwarmRow {
  readonly name: string;
  /** One value per dot (e.g. the SHAP value of each explained row). */
  readonly values: Float64Array;
  /** Per dot, a colour position in [0, 1] (low blue to high red; NaN = missing, grey). */
  readonly colour: Float64Array;
}

/** Row height; dots pile up in a pixel column this many px apart, alternating above and below the centre. */
const ROW_HEIGHT = 24;
const DOT_PITCH = 2.2;
/** Pixel columns of this width share one pile. */
const PILE_WIDTH = 3;
/** At most this many dots per row (an even subsample beyond it). */
const MAX_DOTS = 600;
const LABEL_CHARS = 30;

/** Beeswarm (SHAP summary): one row per name, a dot per value on a shared x axis, coloured by `colour`. */
export function swarmChart(o: { kind: string; title?: string; xLabel: string; rows: readonly SwarmRow[]; colourLabel?: string }): string {
  const names = o.rows.map((r) => shortLabel(r.name, LABEL_CHARS));
  const all: number[] = [0];
  for (const r of o.rows) for (const v of r.values) all.push(v);
  const [x0, x1] = extent(all, DOMAIN_PAD);
  const p: Plot = { width: 600, height: 76 + ROW_HEIGHT * o.rows.length, left: 12 + Math.max(8, ...names.map((n) => n.length)) * CHAR_WIDTH, right: 24, top: 28, bottom: 48, x0, x1, y0: 0, y1: o.rows.length };
  let out = openSvg(o.kind, p, o.title) + axes(p, { xLabel: o.xLabel, yTicks: [] });
  out += vLine(p, px(p, 0), REFERENCE, ' stroke-dasharray="3 3" class="zero"');
  o.rows.forEach((row, i) => {
    const yMid = p.top + i * ROW_HEIGHT + ROW_HEIGHT / 2;
    out += label(p.left - 6, yMid + 3, names[i], { anchor: 'end' });
    const piles = new Map<number, number>();
    const step = Math.max(1, Math.ceil(row.values.length / MAX_DOTS));
    for (let r = 0; r < row.values.length; r += step) {
      const x = px(p, row.values[r]);
      const key = Math.round(x / PILE_WIDTH);
      const k = piles.get(key) ?? 0;
      piles.set(key, k + 1);
      const offset = (k % 2 === 0 ? 1 : -1) * Math.ceil(k / 2) * DOT_PITCH;
      if (Math.abs(offset) > ROW_HEIGHT / 2 - 2) continue;
      out += `<circle cx="${n1(x)}" cy="${n1(yMid + offset)}" r="1.9" fill="${blueRed(row.colour[r])}"/>`;
    }
  });
  const grad = `${escapeXml(o.kind)}-grad`;
  out += `<defs><linearGradient id="${grad}"><stop offset="0" stop-color="${blueRed(0)}"/><stop offset="1" stop-color="${blueRed(1)}"/></linearGradient></defs>`;
  out += label(p.left, 15, `${o.colourLabel ?? 'value'}: low`, { anchor: 'start', cls: 'legend' });
  out += `<rect x="${p.left + 108}" y="7" width="80" height="10" fill="url(#${grad})"/>`;
  out += label(p.left + 194, 15, 'high (grey: missing)', { anchor: 'start', cls: 'legend' });
  return out + '</svg>';
}
