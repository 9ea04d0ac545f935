import { PALETTE, escapeXml, formatDate, formatNumber } from '../render/index.js';
import { type Plot, axes, extent, legend, n1, openSvg, px, py } from '../render/plot.js';
import { drawSeries } from '../render/line.js';
import type { ForecastJob } from './forecast.js';
import { quantileColumn, type ItemForecast } from './forecaster.js';
import { formatFrequency } from './frequency.js';
import { FORECAST_METRICS } from './metrics.js';

/**
 * The forecast report: one self-contained HTML page (inline CSS and SVG from the render kit's chart parts, no
 * scripts) with the leaderboard of backtest scores and, per item, the recent history with the forecast's
 * median and the band between the lowest and highest quantile.
 */

/** Items charted; the rest are listed by name only. */
const MAX_CHARTED_ITEMS = 40;
/** History shown before the forecast: this many horizons (at least a few seasons are usually visible). */
const HISTORY_HORIZONS = 6;
const CHART_WIDTH = 640;
const CHART_HEIGHT = 260;
const BAND_OPACITY = 0.22;

function bandPath(p: Plot, x: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>): string {
  let d = '';
  for (let k = 0; k < x.length; k++) d += `${k === 0 ? 'M' : 'L'}${n1(px(p, x[k]))} ${n1(py(p, hi[k]))}`;
  for (let k = x.length - 1; k >= 0; k--) d += `L${n1(px(p, x[k]))} ${n1(py(p, lo[k]))}`;
  return d + 'Z';
}

/** History (last HISTORY_HORIZONS horizons) and forecast band of one item, as SVG. */
export function itemChart(f: ItemForecast, quantiles: readonly number[]): string {
  const h = f.mean.length;
  const from = Math.max(0, f.history.length - HISTORY_HORIZONS * h);
  const hx = f.historyTimestamps.subarray(from);
  const hy = f.history.subarray(from);
  const lo = f.quantiles[0];
  const hi = f.quantiles[f.quantiles.length - 1];
  const mid = quantiles.indexOf(0.5) >= 0 ? f.quantiles[quantiles.indexOf(0.5)] : f.mean;
  const [x0, x1] = extent([...hx, ...f.timestamps], 0.02);
  const [y0, y1] = extent([...hy, ...lo, ...hi], 0.05);
  const p: Plot = { width: CHART_WIDTH, height: CHART_HEIGHT, left: 62, right: 12, top: 10, bottom: 38, x0, x1, y0, y1 };
  let out = openSvg('forecast', p, `${f.item}: history and forecast`);
  out += axes(p, { xLabel: 'time', yLabel: 'value', xFormat: formatDate, xTicks: [x0, (x0 + x1) / 2, x1] });
  out += `<path d="${bandPath(p, f.timestamps, lo, hi)}" fill="${PALETTE[1]}" fill-opacity="${BAND_OPACITY}" stroke="none" class="band"/>`;
  const lastX = hx.length > 0 ? [hx[hx.length - 1]] : [];
  const lastY = hy.length > 0 ? [hy[hy.length - 1]] : [];
  out += drawSeries(p, [
    { name: 'history', x: hx, y: hy, color: PALETTE[0] },
    { name: 'median forecast', x: [...lastX, ...f.timestamps], y: [...lastY, ...mid], color: PALETTE[1], dashed: true },
  ]);
  out += legend(p, [
    { name: 'history', color: PALETTE[0] },
    { name: 'median forecast', color: PALETTE[1], dashed: true },
    { name: `${quantileColumn(quantiles[0])}-${quantileColumn(quantiles[quantiles.length - 1])} band`, color: PALETTE[1] },
  ], 'tl');
  return out + '</svg>';
}

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#1d232a;max-width:980px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}tr.best td{font-weight:600;background:#f2f8f3}.warn{color:#9a6700}
figure{margin:12px 0 24px}figcaption{font-weight:600;margin-bottom:4px}`;

function leaderboardTable(job: ForecastJob): string {
  const head = ['candidate', 'status', ...FORECAST_METRICS.map((m) => (m === job.metric ? `${m} (objective)` : m)), ...job.quantiles.map((q) => `wQL[${q}]`), 'seconds'];
  const rows = job.leaderboard.map((r) => {
    const cells = [
      escapeXml(r.candidate + (r.members ? ` (${r.members.map((m) => `${m.candidate} ${m.weight.toFixed(1)}`).join(', ')})` : '')),
      r.status,
      ...FORECAST_METRICS.map((m) => (r.metrics ? formatNumber(r.metrics[m]) : '–')),
      ...job.quantiles.map((_, j) => (r.metrics ? formatNumber(r.metrics.wqlByQuantile[j]) : '–')),
      r.seconds.toFixed(2),
    ];
    return `<tr${r.candidate === job.best ? ' class="best"' : ''}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return `<table class="leaderboard"><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

export function renderForecastHtml(job: ForecastJob, title = 'Forecast report'): string {
  const items = job.output.items;
  const charted = items.slice(0, MAX_CHARTED_ITEMS);
  const figures = charted.map((f) => `<figure class="item"><figcaption>${escapeXml(f.item)}${f.fallback ? ' <span class="warn">(short history: fallback forecaster)</span>' : ''}</figcaption>${itemChart(f, job.quantiles)}</figure>`);
  const rest = items.length > charted.length ? `<p>${items.length - charted.length} more items not charted: ${items.slice(MAX_CHARTED_ITEMS).map((f) => escapeXml(f.item)).join(', ')}</p>` : '';
  const warnings = job.warnings.length ? `<ul class="warnings">${job.warnings.map((w) => `<li class="warn">${escapeXml(w)}</li>`).join('')}</ul>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${CSS}</style></head><body>
<h1>${escapeXml(title)}</h1>
<p>${items.length} item(s), frequency ${formatFrequency(job.panel.frequency)}, season length ${job.panel.period}, horizon ${job.output.items[0]?.mean.length ?? 0}; model: <b>${escapeXml(job.best)}</b>; objective ${job.metric} on backtests.</p>
${warnings}<h2>Leaderboard (backtests)</h2>${leaderboardTable(job)}
<h2>Forecasts</h2>${figures.join('\n')}${rest}
</body></html>
`;
}
