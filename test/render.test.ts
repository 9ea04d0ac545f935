import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/index.js';
import { toFloat64 } from '../src/frame/column.js';
import {
  ALERT,
  PRIMARY,
  barChart,
  escapeXml,
  formatDate,
  formatNumber,
  heatmapChart,
  histogramChart,
  lineChart,
  niceTicks,
  scatterChart,
  stackCharts,
  swarmChart,
} from '../src/render/index.js';
import { numericHistogram } from '../src/insights/stats.js';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const HOSTILE = `</svg><script>alert("x")</script><b a='1'>&amp;`;

/**
 * Checks that the markup is well formed: every element closed in order, attribute values quoted, no raw `<`
 * or `&` outside tags and entities. Returns the element names seen (so tests can assert what was drawn).
 */
function wellFormed(markup: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  const TOKEN = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  for (const m of markup.matchAll(TOKEN)) {
    expect(m.index, `unparseable markup at ${markup.slice(at, at + 60)}`).toBe(at);
    at = m.index + m[0].length;
    if (m[5] !== undefined) {
      expect(m[5], 'raw & in text').not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
      continue;
    }
    const [, close, name, attrs, selfClose] = m;
    expect(attrs ?? '', 'raw & in an attribute').not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else {
      seen.push(name);
      if (!selfClose) stack.push(name);
    }
  }
  expect(at, `unparseable markup at ${markup.slice(at, at + 60)}`).toBe(markup.length);
  expect(stack).toEqual([]);
  return seen;
}

describe('escaping', () => {
  it('escapes the five XML specials, so a hostile string is inert text', () => {
    expect(escapeXml(HOSTILE)).toBe('&lt;/svg&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b a=&#39;1&#39;&gt;&amp;amp;');
    expect(escapeXml('plain text 1.5')).toBe('plain text 1.5');
  });

  it('every chart escapes hostile labels, titles, series names and kinds', () => {
    const charts = [
      barChart({ kind: HOSTILE, title: HOSTILE, items: [{ label: HOSTILE, value: 1, low: 0.5, high: 1.5 }], xLabel: HOSTILE }),
      histogramChart({ title: HOSTILE, labels: [HOSTILE, 'b'], series: [{ name: HOSTILE, counts: [3, 4] }, { name: 'other', counts: [1, 2] }], xLabel: HOSTILE }),
      histogramChart({ edges: [0, 1, 2], series: [{ name: HOSTILE, counts: [3, 4] }], yLabel: HOSTILE }),
      lineChart({ kind: 'line', title: HOSTILE, xLabel: HOSTILE, yLabel: HOSTILE, series: [{ name: HOSTILE, x: [0, 1], y: [1, 2] }, { name: 'b', x: [0, 1], y: [2, 1] }] }),
      scatterChart({ title: HOSTILE, xLabel: HOSTILE, yLabel: HOSTILE, x: [1, 2, 3], y: [3, 1, 2], group: [0, 1, 0], groups: [HOSTILE, 'b'], lines: [{ name: HOSTILE, x: [1, 3], y: [1, 3] }] }),
      heatmapChart({ title: HOSTILE, rows: [HOSTILE, 'b'], cols: [HOSTILE, 'b'], values: [[1, -0.5], [NaN, 1]], diverging: true }),
      swarmChart({ kind: HOSTILE, title: HOSTILE, xLabel: HOSTILE, rows: [{ name: HOSTILE, values: Float64Array.of(-1, 0, 1), colour: Float64Array.of(0, NaN, 1) }] }),
    ];
    for (const svg of [...charts, stackCharts(charts.map((svg) => ({ caption: HOSTILE, svg })), HOSTILE)]) {
      expect(svg).not.toContain('<script');
      expect(svg).not.toContain("<b a='1'>");
      expect(svg).toContain('&lt;script&gt;');
      wellFormed(svg);
    }
  });
});

describe('ticks', () => {
  it('picks 1, 2, 2.5 or 5 times a power of ten and stays inside the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 97, 4)).toEqual([0, 25, 50, 75]);
    expect(niceTicks(3, 47, 5)).toEqual([10, 20, 30, 40]);
    expect(niceTicks(3, 47, 4)).toEqual([20, 40]); // raw step 11 rounds up to 20
    expect(niceTicks(-0.3, 0.3, 5)).toEqual([-0.2, 0, 0.2]);
    expect(niceTicks(1990, 2024, 4)).toEqual([1990, 2000, 2010, 2020]);
  });

  it('has no floating-point noise and no negative zero', () => {
    const t = niceTicks(0.1, 0.7, 6);
    expect(t).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(Object.is(niceTicks(-1, 1, 2)[1], 0)).toBe(true);
  });

  it('degenerate ranges: one tick for an empty range, none for a non-finite one', () => {
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(NaN, 1)).toEqual([]);
    expect(niceTicks(0, Infinity)).toEqual([]);
  });

  it('ticks of a real column cover its range in round steps', async () => {
    const { frame } = await readTable(path.join(FIXTURES, 'concrete.csv'));
    const v = toFloat64(frame.column('compressive_strength'));
    const h = numericHistogram(v, 20);
    const [lo, hi] = [h.edges![0], h.edges![20]];
    const ticks = niceTicks(lo, hi, 4);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks[0]).toBeGreaterThanOrEqual(lo);
    expect(ticks[ticks.length - 1]).toBeLessThanOrEqual(hi);
    const step = ticks[1] - ticks[0];
    expect(ticks.every((t) => Number.isInteger(Math.round((t / step) * 1e9) / 1e9))).toBe(true);
    // The histogram of the same column draws one bar per non-empty bin and a label per tick.
    const svg = histogramChart({ edges: h.edges, series: [{ name: 'rows', counts: h.counts }], xLabel: 'compressive_strength' });
    expect(svg.match(/<rect [^>]*class="bar"/g)).toHaveLength(h.counts.filter((c) => c > 0).length);
    for (const t of ticks) expect(svg).toContain(`>${formatNumber(t)}</text>`);
  });
});

describe('number formats', () => {
  it('integers get thousands separators, others four significant digits', () => {
    expect(formatNumber(1234)).toBe('1,234');
    expect(formatNumber(1234.5678)).toBe('1,235');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0.123456, 2)).toBe('0.12');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(0)).toBe('0');
  });

  it('very large or small magnitudes use exponent notation', () => {
    expect(formatNumber(2.5e-5)).toBe('2.50e-5');
    expect(formatNumber(3e7)).toBe('3.00e+7');
    expect(formatNumber(0.001)).toBe('0.001');
  });

  it('missing is an en dash, infinities are written as such', () => {
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatNumber(NaN)).toBe('–');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('-∞');
  });

  it('dates are UTC calendar days', () => {
    expect(formatDate(Date.UTC(2024, 1, 29, 23, 59))).toBe('2024-02-29');
  });
});

describe('charts', () => {
  it('bars are proportional to the values; negative bars use the alert colour', () => {
    const svg = barChart({ kind: 'coef', items: [{ label: 'a', value: 2 }, { label: 'b', value: 1 }, { label: 'c', value: -1 }, { label: 'd', value: NaN }] });
    const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="(#\w+)"/g)].map((m) => ({ x: Number(m[1]), w: Number(m[2]), fill: m[3] }));
    expect(bars).toHaveLength(3);
    expect(bars[0].w / bars[1].w).toBeCloseTo(2, 1);
    expect(bars[2].w).toBeCloseTo(bars[1].w, 0);
    expect(bars.map((b) => b.fill)).toEqual([PRIMARY, PRIMARY, ALERT]);
    expect(bars[2].x + bars[2].w).toBeCloseTo(bars[0].x, 0);
    expect(svg).toContain('>n/a</text>');
    expect(svg).toMatch(/^<svg class="chart" data-chart="coef"/);
  });

  it('a line with a missing value is drawn as two pieces', () => {
    const svg = lineChart({ kind: 'ts', xLabel: 't', yLabel: 'v', series: [{ name: 'v', x: [0, 1, 2, 3, 4], y: [1, 2, NaN, 2, 1] }] });
    const d = /<path d="([^"]+)"/.exec(svg)![1];
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(2);
  });

  it('stacked charts sit one under the other in one document', () => {
    const a = barChart({ kind: 'a', items: [{ label: 'x', value: 1 }] });
    const b = barChart({ kind: 'b', items: [{ label: 'y', value: 2 }, { label: 'z', value: 3 }] });
    const svg = stackCharts([{ caption: 'first', svg: a }, { caption: 'second', svg: b }], 'both');
    const tags = wellFormed(svg);
    expect(tags.filter((t) => t === 'svg')).toHaveLength(3);
    const ys = [...svg.matchAll(/<svg x="0" y="(\d+)"/g)].map((m) => Number(m[1]));
    const heightA = Number(/height="(\d+)"/.exec(a)![1]);
    expect(ys[1] - ys[0]).toBeGreaterThanOrEqual(heightA);
  });
});
