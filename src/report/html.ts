import { numericHistogram } from '../insights/stats.js';
import { ALERT, PRIMARY, REFERENCE, TICK_TEXT, barChart, color, escapeXml as esc, formatNumber, histogramChart, lineChart, rgbOf, scatterChart, swarmChart } from '../render/index.js';
import type { ModelReport } from './model-report.js';

/** One self-contained HTML page (inline CSS and SVG; no scripts, fonts or fetches) from the report data. */

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232a; margin: 0; background: #f4f6f8; }
header { background: #232f3e; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #c9d1d9; }
nav { padding: 8px 28px; background: #fff; border-bottom: 1px solid #dde2e7; font-size: 13px; }
nav a { margin-right: 14px; color: #0b63b6; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1280px; }
section { background: #fff; border: 1px solid #dde2e7; border-radius: 6px; margin: 16px 0; padding: 14px 18px; }
section h2 { margin: 0 0 10px; font-size: 17px; }
.note { color: #57606a; font-size: 12.5px; margin: 6px 0; }
.in-sample { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; margin: 8px 0; }
.grid2 { display: flex; flex-wrap: wrap; gap: 18px; }
.grid2 > figure { margin: 0; }
figcaption { font-size: 12.5px; color: #57606a; max-width: 440px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #dde2e7; padding: 4px 8px; text-align: right; }
th { background: #f0f3f6; }
td.label, th.label { text-align: left; }
.kv td:first-child { text-align: left; color: #57606a; }
svg.chart { max-width: 100%; height: auto; }
`;

/** Bins of the residual histogram. */
const RESIDUAL_BINS = 30;
/** Points drawn per scatter plot (an even subsample beyond it) to keep the page light. */
const MAX_SCATTER_POINTS = 3000;
/** |standardised residual| at which a row counts as an outlier (matches the report data). */
const OUTLIER_Z = 3;
/** Features in the importance and mean-|SHAP| bar charts. */
const TOP_IMPORTANCE = 25;
const TOP_SHAP = 20;
/** Darkest confusion-cell opacity, and the opacity above which the cell text turns white. */
const CONFUSION_ALPHA = 0.85;
const CONFUSION_DARK = 0.5;
/** Width of the horizontal bar charts. */
const BAR_WIDTH = 560;

type Section = readonly [id: string, title: string, body: string];

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
}

function kvTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="label">${v}</td></tr>`).join('')}</table>`;
}

function counts(r: Record<string, number>): string {
  const entries = Object.entries(r);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${esc(k)}: ${v}`).join(', ');
}

function summarySection(r: ModelReport): Section {
  const t = r.model.training;
  const optional = (key: string, value: unknown): [string, string][] => (value !== undefined ? [[key, esc(String(value))]] : []);
  return [
    'summary',
    'Summary',
    kvTable([
      ['Model', `${esc(r.model.kind)} (${esc(r.model.task)})`],
      ['Target', esc(r.model.target)],
      ...optional('Classes', r.model.classes?.join(', ')),
      ['Input features', String(r.model.numFeatures)],
      ...optional('Algorithm', t.algorithm),
      ...optional('Training rows', t.trainRows),
      ['Evaluation data', `${esc(r.evaluation.dataName)}: ${r.evaluation.rows} rows${r.evaluation.inSample ? ' (in-sample)' : ''}`],
      ['Rows left out', `missing target: ${r.evaluation.missingTarget}; labels unknown to the model: ${counts(r.evaluation.unknownLabels)}`],
      ['Treated as missing', `unseen categories: ${counts(r.evaluation.unseenCategories)}; unparseable values: ${counts(r.evaluation.invalidValues)}`],
      ['Generated', `${esc(r.createdAt)} in ${r.evaluation.seconds.toFixed(2)} s`],
    ]),
  ];
}

/** The in-sample warning shown under the title: metrics on training rows overstate accuracy on new data. */
function inSampleBanner(r: ModelReport): string {
  const s = r.evaluation.inSample;
  if (!s) return '';
  return `<p class="in-sample" data-in-sample="true"><strong>In-sample evaluation:</strong> ${esc(s.reason)}. These metrics measure fit to the training rows and overstate accuracy on new data; evaluate on held-out rows.</p>`;
}

function metricsSection(r: ModelReport): Section {
  const rows = r.metrics.map((m) => `<tr><td class="label">${m.name}</td><td>${formatNumber(m.value)}</td><td>${formatNumber(m.std, 3)}</td></tr>`).join('');
  const multiclass = r.model.task === 'multiclass' ? ' Multiclass AUC is the macro average of one-vs-rest AUCs.' : '';
  return [
    'metrics',
    'Metrics',
    `<table><tr><th class="label">metric</th><th>value</th><th>standard deviation</th></tr>${rows}</table><p class="note">Standard deviations from ${r.bootstrapResamples} bootstrap resamples of the evaluation rows.${multiclass}</p>`,
  ];
}

/** The dashed diagonal (or flat line) a model is compared with. */
function reference(name: string, y: [number, number]) {
  return { name, x: [0, 1], y, color: REFERENCE, dashed: true };
}

function rocSection(c: NonNullable<ModelReport['classification']>): Section {
  const series = c.roc.map((s, i) => ({ name: `${s.label} (AUC ${formatNumber(s.auc, 3)})`, x: s.fpr, y: s.tpr, color: color(i) }));
  const binary = c.roc.length === 1;
  const macroAuc = c.roc.reduce((a, s) => a + s.auc, 0) / c.roc.length;
  const chart = lineChart({ kind: 'roc', title: 'ROC curve', xLabel: 'false positive rate', yLabel: 'true positive rate', xDomain: [0, 1], yDomain: [0, 1], legendCorner: 'br', series: [...series, reference('random', [0, 1])] });
  const caption = binary ? `Positive class ${esc(c.roc[0].label)}: AUC ${formatNumber(c.roc[0].auc)}.` : `One-vs-rest per class; macro-average AUC ${formatNumber(macroAuc)}.`;
  const perClass = binary ? '' : perClassTable(c.roc.map((s, i) => ({ label: s.label, auc: s.auc, ap: c.precisionRecall[i].averagePrecision, prevalence: c.precisionRecall[i].prevalence })));
  return ['roc', 'ROC curve', figure(chart, caption) + perClass];
}

function precisionRecallSection(c: NonNullable<ModelReport['classification']>): Section {
  const chart = lineChart({
    kind: 'precision-recall',
    title: 'Precision-recall curve',
    xLabel: 'recall',
    yLabel: 'precision',
    xDomain: [0, 1],
    yDomain: [0, 1.02],
    legendCorner: 'tl',
    legend: true,
    series: c.precisionRecall.map((s, i) => ({ name: `${s.label} (AP ${formatNumber(s.averagePrecision, 3)})`, x: s.recall, y: s.precision, color: color(i) })),
  });
  const caption = `Area under the precision-recall curve as average precision (AUPRC): ${c.precisionRecall
    .map((s) => `${esc(s.label)} ${formatNumber(s.averagePrecision)} (prevalence ${formatNumber(s.prevalence, 3)})`)
    .join('; ')}.`;
  return ['precision-recall', 'Precision-recall curve', figure(chart, caption)];
}

function calibrationSection(c: NonNullable<ModelReport['classification']>): Section {
  const bins = c.calibration.bins;
  const chart = lineChart({
    kind: 'calibration',
    title: 'Calibration curve',
    xLabel: 'mean predicted probability',
    yLabel: 'observed frequency',
    xDomain: [0, 1],
    yDomain: [0, 1],
    legendCorner: 'tl',
    series: [{ name: 'model', x: bins.map((b) => b.meanPredicted), y: bins.map((b) => b.fractionPositive), markers: true }, reference('perfectly calibrated', [0, 1])],
  });
  return ['calibration', 'Calibration', figure(chart, `${esc(c.calibration.what)}, in 10 equal-width bins (rows per bin: ${bins.map((b) => b.count).join(', ')}).`)];
}

function gainLiftSection(g: NonNullable<NonNullable<ModelReport['classification']>['gainLift']>): Section {
  const xLabel = 'share of rows targeted (by score)';
  const fractions = g.rows.map((row) => row.fraction);
  const gain = lineChart({ kind: 'gain', title: 'Cumulative gain', xLabel, yLabel: `share of ${g.positive} captured`, xDomain: [0, 1], yDomain: [0, 1], legendCorner: 'br', series: [{ name: 'model', x: [0, ...fractions], y: [0, ...g.rows.map((row) => row.gain)], markers: true }, reference('random', [0, 1])] });
  const lift = lineChart({ kind: 'lift', title: 'Lift', xLabel, yLabel: 'lift over random', xDomain: [0, 1], legendCorner: 'tr', series: [{ name: 'model', x: fractions, y: g.rows.map((row) => row.lift), markers: true }, reference('random', [1, 1])] });
  const table = `<table><tr><th>decile</th>${g.rows.map((_, i) => `<th>${i + 1}</th>`).join('')}</tr><tr><td class="label">gain</td>${g.rows.map((row) => `<td>${formatNumber(row.gain, 3)}</td>`).join('')}</tr><tr><td class="label">lift</td>${g.rows
    .map((row) => `<td>${formatNumber(row.lift, 3)}</td>`)
    .join('')}</table>`;
  return [
    'gain-lift',
    'Gain and lift',
    `<div class="grid2">${figure(gain, 'Share of all positives found in the top-scored deciles.')}${figure(lift, 'Gain divided by the share targeted: how many times better than random selection.')}</div>${table}`,
  ];
}

function classificationSections(c: NonNullable<ModelReport['classification']>): Section[] {
  const out: Section[] = [['confusion-matrix', 'Confusion matrix', confusionTable(c.confusion.labels, c.confusion.matrix)], rocSection(c), precisionRecallSection(c), calibrationSection(c)];
  if (c.gainLift) out.push(gainLiftSection(c.gainLift));
  return out;
}

function regressionSections(reg: NonNullable<ModelReport['regression']>): Section[] {
  const actual = Float64Array.from(reg.actual);
  const predicted = Float64Array.from(reg.predicted);
  const residuals = Float64Array.from(reg.standardizedResiduals);
  const lo = Math.min(...reg.actual);
  const hi = Math.max(...reg.actual);
  const fit = reg.bestFit;
  const versus = scatterChart({
    kind: 'predicted-vs-actual',
    title: 'Predicted vs actual',
    xLabel: 'actual',
    yLabel: 'predicted',
    x: actual,
    y: predicted,
    maxPoints: MAX_SCATTER_POINTS,
    lines: [
      { name: 'y = x', x: [lo, hi], y: [lo, hi], color: REFERENCE, dashed: true },
      { name: `best fit: y = ${formatNumber(fit.slope, 3)} x + ${formatNumber(fit.intercept, 3)}`, x: [lo, hi], y: [fit.slope * lo + fit.intercept, fit.slope * hi + fit.intercept], color: ALERT },
    ],
  });
  const residualPlot = scatterChart({
    kind: 'residuals',
    title: 'Standardized residuals',
    xLabel: 'predicted',
    yLabel: 'standardized residual',
    x: predicted,
    y: residuals,
    maxPoints: MAX_SCATTER_POINTS,
    hLines: [{ y: 0, color: TICK_TEXT }, { y: OUTLIER_Z, color: ALERT, dashed: true }, { y: -OUTLIER_Z, color: ALERT, dashed: true }],
    outlierAbsY: OUTLIER_Z,
  });
  const h = numericHistogram(residuals, RESIDUAL_BINS);
  const histogram = histogramChart({ kind: 'residual-histogram', title: 'Residual histogram', edges: h.edges, series: [{ name: 'rows', counts: h.counts }], xLabel: 'standardized residual', yLabel: 'rows', width: 440, height: 320 });
  return [
    ['predicted-vs-actual', 'Predicted vs actual', figure(versus, `${reg.actual.length} rows plotted.`)],
    [
      'residuals',
      'Residuals',
      `<div class="grid2">${figure(residualPlot, `(actual - predicted - mean) / std, std = ${formatNumber(reg.residualStd)}. ${reg.outliers} rows beyond +-${OUTLIER_Z} (outliers, red).`)}${figure(
        histogram,
        'Distribution of standardized residuals.',
      )}</div>`,
    ],
  ];
}

function importanceSection(imp: ModelReport['importance']): Section {
  const chart = barChart({
    kind: 'importance',
    title: 'Permutation importance',
    xLabel: `loss in ${imp.metric} when shuffled`,
    width: BAR_WIDTH,
    items: imp.features.slice(0, TOP_IMPORTANCE).map((f) => ({ label: f.name, value: f.importance, low: f.ciLow, high: f.ciHigh })),
  });
  return [
    'importance',
    'Global importance (permutation)',
    figure(
      chart,
      `Each input column shuffled ${imp.repeats} times over ${imp.rows} rows; bars are the mean loss in ${imp.metric} (baseline ${formatNumber(imp.baseline)}), whiskers the 95% confidence interval. Works through the whole pipeline, ensembles included.`,
    ),
  ];
}

function shapSection(s: ModelReport['shap']): Section {
  const rows = s.features.map((f) => ({ name: f.name, values: Float64Array.from(f.shap), colour: Float64Array.from(f.colour, (v) => (v === null ? NaN : v)) }));
  const swarm = swarmChart({ kind: 'shap-summary', title: 'SHAP summary', xLabel: `SHAP value (${s.plotted})`, rows, colourLabel: 'feature value' });
  const bars = barChart({ kind: 'shap-importance', title: 'Mean absolute SHAP', xLabel: 'mean |SHAP value|', width: BAR_WIDTH, items: s.meanAbs.slice(0, TOP_SHAP).map((f) => ({ label: f.name, value: f.value })) });
  return [
    'shap-summary',
    'SHAP summary',
    `<div class="grid2">${figure(swarm, `${esc(s.detail)}; ${s.rows} rows explained. Each dot is one row; colour is the feature's value (rank-scaled; categorical by code).`)}${figure(
      bars,
      'Global importance as Clarify aggregates it (mean_abs).',
    )}</div>`,
  ];
}

function topTermsHtml(t: NonNullable<ModelReport['topTerms']>): Section {
  const rows = Object.entries(t.perClass).map(([label, words]) => `<tr><th>${esc(label)}</th><td>${words.map((w) => esc(w)).join(', ')}</td></tr>`);
  return ['top-terms', 'Top words per class', `<p>From ${esc(t.source)}; character n-grams start with #.</p><table>${rows.join('')}</table>`];
}

export function renderModelReportHtml(r: ModelReport): string {
  const sections: Section[] = [
    summarySection(r),
    metricsSection(r),
    ...(r.classification ? classificationSections(r.classification) : []),
    ...(r.regression ? regressionSections(r.regression) : []),
    importanceSection(r.importance),
    shapSection(r.shap),
    ...(r.topTerms ? [topTermsHtml(r.topTerms)] : []),
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Model quality report: ${esc(r.model.target)} (${esc(r.model.kind)})</title>
<style>${CSS}</style></head>
<body><header><h1>Model quality report</h1><p>${esc(r.model.kind)} ${esc(r.model.task)} model for "${esc(r.model.target)}", evaluated on ${esc(r.evaluation.dataName)} (${r.evaluation.rows} rows)</p>${inSampleBanner(r)}</header>
<nav>${sections.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`).join('')}</nav>
<main>${sections.map(([id, title, body]) => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`).join('\n')}</main></body></html>
`;
}

function perClassTable(rows: { label: string; auc: number; ap: number; prevalence: number }[]): string {
  return `<table class="per-class"><tr><th class="label">class (one-vs-rest)</th><th>ROC AUC</th><th>average precision</th><th>prevalence</th></tr>${rows
    .map((r) => `<tr><td class="label">${esc(r.label)}</td><td>${formatNumber(r.auc)}</td><td>${formatNumber(r.ap)}</td><td>${formatNumber(r.prevalence, 3)}</td></tr>`)
    .join('')}</table>`;
}

function confusionTable(labels: readonly string[], matrix: readonly (readonly number[])[]): string {
  const max = Math.max(1, ...matrix.flat());
  const [right, wrong] = [rgbOf(PRIMARY), rgbOf(ALERT)];
  const rowTotals = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const head = `<tr><th class="label">actual \\ predicted</th>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}<th>total</th><th>recall</th></tr>`;
  const body = matrix
    .map((row, i) => {
      const cells = row
        .map((v, j) => {
          const alpha = (v / max) * CONFUSION_ALPHA;
          const [r, g, b] = i === j ? right : wrong;
          return `<td style="background:rgba(${r},${g},${b},${alpha.toFixed(3)});${alpha > CONFUSION_DARK ? 'color:#fff;' : ''}">${v}</td>`;
        })
        .join('');
      const recall = rowTotals[i] > 0 ? formatNumber(matrix[i][i] / rowTotals[i], 3) : 'NaN (absent)';
      return `<tr><th class="label">${esc(labels[i])}</th>${cells}<td>${rowTotals[i]}</td><td>${recall}</td></tr>`;
    })
    .join('');
  return `<table class="confusion" data-chart="confusion-matrix">${head}${body}</table><p class="note">Rows: actual label; columns: predicted label. A label absent from the evaluation data has a NaN recall row.</p>`;
}
