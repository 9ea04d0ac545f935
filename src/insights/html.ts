import type { CatalogEntry } from './catalog.js';
import type { FeatureReport, InsightsReport, SampleRow } from './report.js';
import type { QuickModelResult } from './quick-model.js';
import type { Histogram } from './stats.js';
import { barChart, barItems, escapeXml as esc, formatNumber as fmt, heatmapChart, histogramChart } from '../render/index.js';
import type { Warning } from './warnings.js';

/**
 * Renders the report JSON as one self-contained HTML page: inline CSS, inline SVG, no scripts, no fetched
 * resources. Everything shown comes from the InsightsReport object.
 */

export const REPORT_CSS = `
:root { --fg:#1d232a; --muted:#5b6670; --line:#dde2e6; --bg:#fff; --panel:#f6f8fa; --high:#b42318; --medium:#b54708; --low:#475467; --accent:#2f6db5; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 8px; }
p.lead, .muted { color: var(--muted); }
nav.toc { display:flex; flex-wrap:wrap; gap: 6px 16px; margin: 12px 0 4px; font-size: 13px; }
nav.toc a { color: var(--accent); text-decoration: none; }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { background: var(--panel); border:1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .v { font-size: 20px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.sev { display:inline-block; border-radius: 10px; padding: 0 8px; font-size: 11px; font-weight: 600; color: #fff; text-transform: uppercase; letter-spacing: .03em; }
.sev.high { background: var(--high); } .sev.medium { background: var(--medium); } .sev.low { background: var(--low); }
.warning { border-left: 4px solid var(--line); padding: 8px 12px; margin: 8px 0; background: var(--panel); border-radius: 0 6px 6px 0; break-inside: avoid; }
.warning.high { border-color: var(--high); } .warning.medium { border-color: var(--medium); } .warning.low { border-color: var(--low); }
.warning .title { font-weight: 600; }
.warning .fix { margin-top: 4px; }
.feature { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 12px 0; break-inside: avoid; display:grid; grid-template-columns: minmax(0, 1fr) 372px; gap: 12px; }
.feature h3 { margin-top: 0; }
.grid2 { display:grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; align-items: start; }
svg.chart { max-width: 100%; height: auto; display:block; }
code { background: var(--panel); padding: 0 4px; border-radius: 4px; font-size: 12px; }
dl dt { font-weight: 600; margin-top: 10px; } dl dd { margin: 2px 0 0 0; color: var(--fg); }
.note { background:#eef4fb; border:1px solid #cfe0f3; border-radius:6px; padding:8px 12px; margin: 10px 0; }
@media (max-width: 760px) { .feature { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 11px; } main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; } section { break-inside: auto; }
  .feature, .warning, table, svg.chart { break-inside: avoid; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;

/** The importance chart of the quick model shows this many features. */
const TOP_IMPORTANCES = 15;

const TASK_NAMES: Record<string, string> = { regression: 'Regression', binary: 'Binary classification', multiclass: 'Multiclass classification' };

function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(100 * x).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
}

function card(value: string, key: string): string {
  return `<div class="card"><div class="v">${esc(value)}</div><div class="k">${esc(key)}</div></div>`;
}

function warningBlock(w: Warning): string {
  return `<div class="warning ${w.severity}" data-warning="${esc(w.id)}"><div><span class="sev ${w.severity}">${w.severity}</span> <span class="title">${esc(w.title)}</span>${
    w.column ? ` — <code>${esc(w.column)}</code>` : ''
  }</div><div>${esc(w.message)}</div><div class="muted">${esc(w.explanation)}</div><div class="fix"><strong>Suggested fix:</strong> ${esc(w.fix.text)} <em>Transform: ${esc(
    w.fix.transform,
  )}.</em></div><div class="muted">Rule: ${esc(w.rule)}</div></div>`;
}

/** The chart of a report histogram: category bars (with other and missing) or numeric bins. */
export function featureHistogram(h: Histogram, title: string, width = 360, xIsTime = false): string {
  if (h.labels) {
    const labels = h.labels.slice();
    const counts = h.counts.slice();
    if (h.other && h.other > 0) {
      labels.push('(other)');
      counts.push(h.other);
    }
    if (h.missing > 0) {
      labels.push('(missing)');
      counts.push(h.missing);
    }
    return histogramChart({ labels, series: [{ name: title, counts }], title, width });
  }
  if (!h.edges || h.edges.length === 0) return `<p class="muted">No values to plot.</p>`;
  const note = h.other ? `<p class="muted">${h.other} outlying value(s) outside the plotted range.</p>` : '';
  return histogramChart({ edges: h.edges, series: [{ name: title, counts: h.counts }], title, width, xIsTime }) + note;
}

function rowsTable(rows: readonly (SampleRow & { score?: number; count?: number })[], columns: readonly string[], extra?: { key: 'score' | 'count'; label: string }): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  const head = `<tr><th class="num">row</th>${extra ? `<th class="num">${esc(extra.label)}</th>` : ''}${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td class="num">${r.row}</td>${extra ? `<td class="num">${fmt(r[extra.key] as number)}</td>` : ''}${columns
          .map((c) => `<td>${r.values[c] === null ? '<span class="muted">missing</span>' : esc(String(r.values[c]))}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  return `<div class="scroll"><table>${head}${body}</table></div>`;
}

function summarySection(r: InsightsReport): string {
  const s = r.summary;
  const types = Object.entries(s.featureTypes)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const cards = [
    card(s.rows.toLocaleString('en-US'), r.sampling.sampled ? `rows (sample of ${r.sampling.totalRows.toLocaleString('en-US')})` : 'rows'),
    card(String(s.columns), 'columns'),
    card(s.missingCells.toLocaleString('en-US'), `missing cells (${pct(s.missingRatio)})`),
    card(s.invalidCells.toLocaleString('en-US'), 'invalid cells'),
    card(pct(s.duplicateRatio), 'duplicate rows'),
    card(s.outliers.toLocaleString('en-US'), 'numeric outliers'),
    card(String(s.warningCounts.high), 'high-severity warnings'),
    card(String(s.warningCounts.medium), 'medium-severity warnings'),
  ].join('');
  const high = s.highWarnings.length > 0 ? s.highWarnings.map(warningBlock).join('') : '<p>No high-severity warnings.</p>';
  return `<section id="summary"><h2>Summary</h2>
<div class="note" data-sampling>${esc(r.sampling.sampled ? `Computed on a ${r.sampling.method}. Default sampling keeps the report fast; pass --sample all to use every row.` : `Computed on ${r.sampling.method}.`)}</div>
<div class="cards">${cards}</div>
<p>Feature types: ${esc(types || 'none')}.</p>
<h3>High-severity warnings</h3>${high}
</section>`;
}

function targetSection(r: InsightsReport): string {
  const t = r.target;
  if (!t) return `<section id="target"><h2>Target column</h2><p class="muted">No target column was given, so the target, quick model and prediction power sections are empty. Pass --target COLUMN.</p></section>`;
  const st = t.stats;
  let body = `<p><code>${esc(t.name)}</code>: ${esc(TASK_NAMES[t.task])} (${esc(t.taskReason)}). ${t.validRows.toLocaleString('en-US')} rows have a valid target; ${t.missing} missing, ${t.invalid} invalid (ignored by the models).</p>`;
  const chart = featureHistogram(t.histogram, t.task === 'regression' ? `Distribution of ${t.name}` : `Most common classes of ${t.name}`, 460);
  let table: string;
  if (t.classes) {
    table = `<table><tr><th>class</th><th class="num">rows</th><th class="num">share</th></tr>${t.classes
      .slice(0, 20)
      .map((c) => `<tr><td>${esc(c.label)}</td><td class="num">${c.count}</td><td class="num">${pct(c.ratio)}</td></tr>`)
      .join('')}</table>${t.classes.length > 20 ? `<p class="muted">${t.classes.length - 20} more classes.</p>` : ''}`;
  } else {
    table = `<table>${[
      ['mean', st.mean],
      ['median', st.median],
      ['std', st.std],
      ['min', st.min],
      ['max', st.max],
      ['skew', st.skew],
      ['excess kurtosis', st.kurtosis],
      ['outliers', st.outliers],
    ]
      .map(([k, v]) => `<tr><th>${k}</th><td class="num">${fmt(v as number)}</td></tr>`)
      .join('')}</table>`;
  }
  body += `<div class="grid2"><div>${chart}</div><div>${table}</div></div>`;
  if (t.outlierRows && t.outlierRows.length > 0) body += `<h3>Rows with an outlying target</h3>${rowsTable(t.outlierRows, Object.keys(t.outlierRows[0].values))}`;
  if (t.invalidRows && t.invalidRows.length > 0) body += `<h3>Rows with a missing or invalid target</h3>${rowsTable(t.invalidRows, Object.keys(t.invalidRows[0].values))}`;
  body += t.warnings.length > 0 ? t.warnings.map(warningBlock).join('') : '<p>No target warnings.</p>';
  return `<section id="target"><h2>Target column</h2>${body}</section>`;
}

function quickModelSection(r: InsightsReport): string {
  const q = r.quickModel;
  if (!q) return `<section id="quick-model"><h2>Quick model</h2><p class="muted">Not computed (no target, or disabled).</p></section>`;
  if ('error' in q) return `<section id="quick-model"><h2>Quick model</h2><p>The quick model could not be trained: ${esc(q.error)}</p></section>`;
  const m = q as QuickModelResult;
  const how =
    m.mode === 'cross-validation'
      ? `${m.folds}-fold cross-validation over ${m.trainRows.toLocaleString('en-US')} rows; metrics on out-of-fold predictions`
      : `trained on ${m.trainRows.toLocaleString('en-US')} rows, validated on ${m.validationRows.toLocaleString('en-US')} (80/20${r.target?.task !== 'regression' ? ', stratified' : ''})`;
  const metricRows = Object.keys(m.metrics)
    .map((k) => `<tr><td>${esc(k)}${k === m.baseMetric ? ' <strong>(base)</strong>' : ''}</td><td class="num">${fmt(m.metrics[k])}</td><td class="num">${fmt(m.baselineMetrics[k])}</td></tr>`)
    .join('');
  let html = `<p>Gradient boosting (${esc(m.learner)}), ${esc(how)}; early stopping on validation after ${m.rounds.map((x) => fmt(x)).join(', ')} round(s).${
    m.positiveClass !== undefined ? ` Positive class: <code>${esc(m.positiveClass)}</code> (the minority class).` : ''
  }</p>`;
  html += `<div class="grid2"><div><table><tr><th>metric</th><th class="num">quick model</th><th class="num">trivial baseline</th></tr>${metricRows}</table></div><div>${barChart({
    items: m.featureImportance.slice(0, TOP_IMPORTANCES).map((f) => ({ label: f.name, value: f.importance })),
    title: 'Feature importance (share of total gain)',
    kind: 'importance',
  })}</div></div>`;
  if (m.confusionMatrix) {
    const cm = m.confusionMatrix;
    const k = Math.min(cm.labels.length, 30);
    html += `<h3>Confusion matrix (rows: true class, columns: predicted)</h3>${heatmapChart({
      rows: cm.labels.slice(0, k),
      cols: cm.labels.slice(0, k),
      values: cm.matrix.slice(0, k).map((row) => row.slice(0, k)),
      title: 'Confusion matrix',
      kind: 'confusion-matrix',
      significant: 1,
    })}`;
  }
  if (m.perClass) {
    const shown = m.perClass.slice(0, 40);
    html += `<h3>Per-class report</h3><div class="scroll"><table><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr>${shown
      .map((c) => `<tr><td>${esc(c.label)}</td><td class="num">${fmt(c.precision)}</td><td class="num">${fmt(c.recall)}</td><td class="num">${fmt(c.f1)}</td><td class="num">${c.support}</td></tr>`)
      .join('')}</table></div>`;
  }
  const qmWarnings = r.warnings.filter((w) => w.id.startsWith('quick_model'));
  html += qmWarnings.map(warningBlock).join('');
  return `<section id="quick-model"><h2>Quick model</h2>${html}</section>`;
}

function featureBlock(f: FeatureReport): string {
  const s = f.stats;
  const rows: [string, string][] = [
    ['type', f.featureType],
    ['prediction power', f.predictionPower === null ? '–' : fmt(f.predictionPower)],
    ...(f.predictionScore !== null ? ([[`${f.predictionMetric} alone`, fmt(f.predictionScore)]] as [string, string][]) : []),
    ['missing', `${s.missing} (${pct(s.missing / s.nrows)})`],
    ['invalid', String(s.invalid)],
    ['distinct', String(s.cardinality)],
  ];
  if (f.featureType === 'datetime') {
    const day = (v: number | null) => (v === null ? '–' : new Date(v).toISOString().slice(0, 19).replace('T00:00:00', ''));
    rows.push(['min / max', `${day(s.min)} / ${day(s.max)}`], ['median', day(s.median)]);
  } else if (f.featureType === 'numeric') {
    rows.push(['mean', fmt(s.mean)], ['median', fmt(s.median)], ['min / max', `${fmt(s.min)} / ${fmt(s.max)}`], ['std', fmt(s.std)], ['skew', fmt(s.skew)], ['outliers', String(s.outliers)]);
    if (f.targetCorrelation !== null) rows.push(['|Pearson| with target', fmt(f.targetCorrelation)]);
  } else {
    rows.push(['most common', f.topValues.slice(0, 3).map((v) => `${v.value} (${v.count})`).join(', ')]);
  }
  let table = `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  if (f.importantWords && f.importantWords.length > 0) {
    table += `<p><strong>Important words</strong> (prediction power of "contains the word"):</p><table><tr><th>word</th><th class="num">rows</th><th class="num">power</th></tr>${f.importantWords
      .map((w) => `<tr><td><code>${esc(w.word)}</code></td><td class="num">${w.rows}</td><td class="num">${fmt(w.power)}</td></tr>`)
      .join('')}</table>`;
  }
  return `<div class="feature" data-feature="${esc(f.name)}"><div><h3>${esc(f.name)}</h3>${table}${f.warnings.map(warningBlock).join('')}</div><div>${featureHistogram(f.histogram, f.name, 360, f.featureType === 'datetime')}</div></div>`;
}

function featureSection(r: InsightsReport): string {
  const withPower = r.features.filter((f) => f.predictionPower !== null);
  const overview =
    withPower.length > 0
      ? barChart({ items: barItems(withPower.map((f) => f.name), withPower.map((f) => f.predictionPower!)), max: 1, title: 'Prediction power', kind: 'prediction-power', width: 520 })
      : '';
  const table = `<div class="scroll"><table><tr><th>feature</th><th>type</th><th class="num">prediction power</th><th class="num">missing</th><th class="num">distinct</th><th>warnings</th></tr>${r.features
    .map(
      (f) =>
        `<tr><td><code>${esc(f.name)}</code></td><td>${f.featureType}</td><td class="num">${fmt(f.predictionPower)}</td><td class="num">${pct(f.stats.missing / f.stats.nrows)}</td><td class="num">${
          f.stats.cardinality
        }</td><td>${f.warnings.map((w) => `<span class="sev ${w.severity}">${esc(w.title)}</span>`).join(' ')}</td></tr>`,
    )
    .join('')}</table></div>`;
  return `<section id="features"><h2>Feature summary</h2><p class="muted">Features ranked by prediction power: how well each feature alone predicts the target (see Definitions).</p>${overview}${table}${r.features
    .map(featureBlock)
    .join('')}</section>`;
}

function samplesSection(r: InsightsReport): string {
  const cols = r.features.map((f) => f.name);
  if (r.target) cols.push(r.target.name);
  const a = r.samples.anomalous;
  const d = r.samples.duplicates;
  return `<section id="samples"><h2>Samples</h2>
<h3>Most anomalous rows</h3><p class="muted">${esc(a.method)}.</p>${rowsTable(a.rows, cols, { key: 'score', label: 'score' })}
<h3>Duplicate rows</h3><p>${d.duplicatedRows.toLocaleString('en-US')} rows (${pct(d.ratio)}) have an identical twin; <em>Manage rows &gt; Drop duplicates</em> would remove ${d.redundantRows.toLocaleString(
    'en-US',
  )}. Duplicates make the quick model, prediction power and tuning look better than they are.</p>${rowsTable(d.rows, cols, { key: 'count', label: 'copies' })}
</section>`;
}

function catalogTable(catalog: readonly CatalogEntry[]): string {
  return `<div class="scroll"><table><tr><th>warning</th><th>severity</th><th>rule</th><th>fix (transform)</th></tr>${catalog
    .map(
      (c) =>
        `<tr><td>${esc(c.title)}</td><td>${c.severity === 'medium_if_important' ? 'medium for a top-5 feature, else low' : c.severity}</td><td>${esc(c.rule)}</td><td>${esc(c.fix.transform)}</td></tr>`,
    )
    .join('')}</table></div>`;
}

function definitionsSection(r: InsightsReport): string {
  return `<section id="definitions"><h2>Definitions</h2><dl>${r.definitions.map((d) => `<dt>${esc(d.term)}</dt><dd>${esc(d.text)}</dd>`).join('')}</dl>
<h3>Warning catalog</h3>${catalogTable(r.catalog)}</section>`;
}

function allWarningsSection(r: InsightsReport): string {
  const other = r.warnings.filter((w) => w.severity !== 'high');
  return `<section id="warnings"><h2>All warnings</h2>${other.length > 0 ? other.map(warningBlock).join('') : '<p>No medium or low severity warnings.</p>'}</section>`;
}

export function renderInsightsHtml(r: InsightsReport): string {
  const title = `Data Quality and Insights${r.source ? `: ${r.source}` : ''}`;
  const timing = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${fmt(v / 1000)} s`)
    .join(', ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="lead">${esc(`${r.sampling.analysedRows.toLocaleString('en-US')} rows × ${r.summary.columns} columns${r.target ? `, target ${r.target.name} (${TASK_NAMES[r.target.task]})` : ''}. Generated ${r.generatedAt} by tabpilot, seed ${r.seed}.`)}</p>
<nav class="toc"><a href="#summary">Summary</a><a href="#target">Target column</a><a href="#quick-model">Quick model</a><a href="#features">Feature summary</a><a href="#samples">Samples</a><a href="#warnings">All warnings</a><a href="#definitions">Definitions</a></nav>
${summarySection(r)}
${targetSection(r)}
${quickModelSection(r)}
${featureSection(r)}
${samplesSection(r)}
${allWarningsSection(r)}
${definitionsSection(r)}
<p class="muted">Time by section: ${esc(timing)}.</p>
</main></body></html>
`;
}
