import type { ModelReport } from './model-report.js';
import { PALETTE, barChart, escapeHtml, formatNumber, histogramChart, lineChart, scatterChart, shapSummaryChart } from './svg.js';

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
.grid2 { display: flex; flex-wrap: wrap; gap: 18px; }
.grid2 > figure { margin: 0; }
figcaption { font-size: 12.5px; color: #57606a; max-width: 440px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #dde2e7; padding: 4px 8px; text-align: right; }
th { background: #f0f3f6; }
td.label, th.label { text-align: left; }
.kv td:first-child { text-align: left; color: #57606a; }
.chart .plot-bg { fill: #fbfcfd; stroke: #c5ccd3; }
.chart .grid { stroke: #e6eaee; }
.chart .tick { font-size: 10.5px; fill: #57606a; }
.chart .axis-label { font-size: 11.5px; fill: #1d232a; }
.chart .legend { font-size: 10.5px; fill: #1d232a; }
.chart .legend-bg { fill: #ffffffdd; stroke: #c5ccd3; }
.chart .pt { fill: #1f77b4; fill-opacity: 0.45; }
.chart .pt.outlier { fill: #d62728; fill-opacity: 0.8; }
.chart .bar { fill: #4a90d9; }
.chart .whisker { stroke: #1d232a; stroke-width: 1.2; }
.chart .zero { stroke: #57606a; stroke-dasharray: 3 3; }
`;

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
}

function kvTable(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="label">${v}</td></tr>`).join('')}</table>`;
}

function counts(r: Record<string, number>): string {
  const entries = Object.entries(r);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${escapeHtml(k)}: ${v}`).join(', ');
}

export function renderModelReportHtml(r: ModelReport): string {
  const sections: string[] = [];
  const nav: [string, string][] = [];
  const add = (id: string, title: string, body: string) => {
    nav.push([id, title]);
    sections.push(section(id, title, body));
  };

  const t = r.model.training;
  add(
    'summary',
    'Summary',
    kvTable([
      ['Model', `${escapeHtml(r.model.kind)} (${escapeHtml(r.model.task)})`],
      ['Target', escapeHtml(r.model.target)],
      ...(r.model.classes ? ([['Classes', escapeHtml(r.model.classes.join(', '))]] as [string, string][]) : []),
      ['Input features', String(r.model.numFeatures)],
      ...(t.algorithm !== undefined ? ([['Algorithm', escapeHtml(String(t.algorithm))]] as [string, string][]) : []),
      ...(t.trainRows !== undefined ? ([['Training rows', escapeHtml(String(t.trainRows))]] as [string, string][]) : []),
      ['Evaluation data', `${escapeHtml(r.evaluation.dataName)}: ${r.evaluation.rows} rows`],
      ['Rows left out', `missing target: ${r.evaluation.missingTarget}; labels unknown to the model: ${counts(r.evaluation.unknownLabels)}`],
      ['Treated as missing', `unseen categories: ${counts(r.evaluation.unseenCategories)}; unparseable values: ${counts(r.evaluation.invalidValues)}`],
      ['Generated', `${escapeHtml(r.createdAt)} in ${r.evaluation.seconds.toFixed(2)} s`],
    ]),
  );

  add(
    'metrics',
    'Metrics',
    `<table><tr><th class="label">metric</th><th>value</th><th>standard deviation</th></tr>${r.metrics
      .map((m) => `<tr><td class="label">${m.name}</td><td>${formatNumber(m.value)}</td><td>${formatNumber(m.std, 3)}</td></tr>`)
      .join('')}</table><p class="note">Standard deviations from ${r.bootstrapResamples} bootstrap resamples of the evaluation rows.${
      r.model.task === 'multiclass' ? ' Multiclass AUC is the macro average of one-vs-rest AUCs.' : ''
    }</p>`,
  );

  const c = r.classification;
  if (c) {
    add('confusion-matrix', 'Confusion matrix', confusionTable(c.confusion.labels, c.confusion.matrix));
    const rocSeries = c.roc.map((s, i) => ({ name: `${s.label} (AUC ${formatNumber(s.auc, 3)})`, x: s.fpr, y: s.tpr, color: PALETTE[i % PALETTE.length] }));
    const binary = c.roc.length === 1;
    const macroAuc = c.roc.reduce((a, s) => a + s.auc, 0) / c.roc.length;
    add(
      'roc',
      'ROC curve',
      figure(
        lineChart({ id: 'roc', title: 'ROC curve', xLabel: 'false positive rate', yLabel: 'true positive rate', xDomain: [0, 1], yDomain: [0, 1], series: [...rocSeries, { name: 'random', x: [0, 1], y: [0, 1], color: '#9a9a9a', dashed: true }] }),
        binary ? `Positive class ${escapeHtml(c.roc[0].label)}: AUC ${formatNumber(c.roc[0].auc)}.` : `One-vs-rest per class; macro-average AUC ${formatNumber(macroAuc)}.`,
      ) + (binary ? '' : perClassTable(c.roc.map((s, i) => ({ label: s.label, auc: s.auc, ap: c.precisionRecall[i].averagePrecision, prevalence: c.precisionRecall[i].prevalence })))),
    );
    add(
      'precision-recall',
      'Precision-recall curve',
      figure(
        lineChart({
          id: 'precision-recall',
          title: 'Precision-recall curve',
          xLabel: 'recall',
          yLabel: 'precision',
          xDomain: [0, 1],
          yDomain: [0, 1.02],
          legendCorner: 'tl',
          series: c.precisionRecall.map((s, i) => ({ name: `${s.label} (AP ${formatNumber(s.averagePrecision, 3)})`, x: s.recall, y: s.precision, color: PALETTE[i % PALETTE.length] })),
        }),
        `Area under the precision-recall curve as average precision (AUPRC): ${c.precisionRecall.map((s) => `${escapeHtml(s.label)} ${formatNumber(s.averagePrecision)} (prevalence ${formatNumber(s.prevalence, 3)})`).join('; ')}.`,
      ),
    );
    add(
      'calibration',
      'Calibration',
      figure(
        lineChart({
          id: 'calibration',
          title: 'Calibration curve',
          xLabel: 'mean predicted probability',
          yLabel: 'observed frequency',
          xDomain: [0, 1],
          yDomain: [0, 1],
          legendCorner: 'tl',
          series: [
            { name: 'model', x: c.calibration.bins.map((b) => b.meanPredicted), y: c.calibration.bins.map((b) => b.fractionPositive), markers: true },
            { name: 'perfectly calibrated', x: [0, 1], y: [0, 1], color: '#9a9a9a', dashed: true },
          ],
        }),
        `${escapeHtml(c.calibration.what)}, in 10 equal-width bins (rows per bin: ${c.calibration.bins.map((b) => b.count).join(', ')}).`,
      ),
    );
    if (c.gainLift) {
      const g = c.gainLift;
      const xs = [0, ...g.rows.map((row) => row.fraction)];
      add(
        'gain-lift',
        'Gain and lift',
        `<div class="grid2">${figure(
          lineChart({ id: 'gain', title: 'Cumulative gain', xLabel: 'share of rows targeted (by score)', yLabel: `share of ${g.positive} captured`, xDomain: [0, 1], yDomain: [0, 1], series: [{ name: 'model', x: xs, y: [0, ...g.rows.map((row) => row.gain)], markers: true }, { name: 'random', x: [0, 1], y: [0, 1], color: '#9a9a9a', dashed: true }] }),
          'Share of all positives found in the top-scored deciles.',
        )}${figure(
          lineChart({ id: 'lift', title: 'Lift', xLabel: 'share of rows targeted (by score)', yLabel: 'lift over random', xDomain: [0, 1], legendCorner: 'tr', series: [{ name: 'model', x: g.rows.map((row) => row.fraction), y: g.rows.map((row) => row.lift), markers: true }, { name: 'random', x: [0, 1], y: [1, 1], color: '#9a9a9a', dashed: true }] }),
          'Gain divided by the share targeted: how many times better than random selection.',
        )}</div><table><tr><th>decile</th>${g.rows.map((_, i) => `<th>${i + 1}</th>`).join('')}</tr><tr><td class="label">gain</td>${g.rows.map((row) => `<td>${formatNumber(row.gain, 3)}</td>`).join('')}</tr><tr><td class="label">lift</td>${g.rows.map((row) => `<td>${formatNumber(row.lift, 3)}</td>`).join('')}</tr></table>`,
      );
    }
  }

  const reg = r.regression;
  if (reg) {
    const actual = Float64Array.from(reg.actual);
    const predicted = Float64Array.from(reg.predicted);
    const lo = Math.min(...reg.actual);
    const hi = Math.max(...reg.actual);
    add(
      'predicted-vs-actual',
      'Predicted vs actual',
      figure(
        scatterChart({
          id: 'predicted-vs-actual',
          title: 'Predicted vs actual',
          xLabel: 'actual',
          yLabel: 'predicted',
          x: actual,
          y: predicted,
          lines: [
            { name: 'y = x', x: [lo, hi], y: [lo, hi], color: '#9a9a9a', dashed: true },
            { name: `best fit: y = ${formatNumber(reg.bestFit.slope, 3)} x + ${formatNumber(reg.bestFit.intercept, 3)}`, x: [lo, hi], y: [reg.bestFit.slope * lo + reg.bestFit.intercept, reg.bestFit.slope * hi + reg.bestFit.intercept], color: '#d62728' },
          ],
        }),
        `${reg.actual.length} rows plotted.`,
      ),
    );
    add(
      'residuals',
      'Residuals',
      `<div class="grid2">${figure(
        scatterChart({
          id: 'residuals',
          title: 'Standardized residuals',
          xLabel: 'predicted',
          yLabel: 'standardized residual',
          x: predicted,
          y: Float64Array.from(reg.standardizedResiduals),
          hLines: [{ y: 0, color: '#57606a' }, { y: 3, color: '#d62728', dashed: true }, { y: -3, color: '#d62728', dashed: true }],
          outlierAbsY: 3,
        }),
        `(actual - predicted - mean) / std, std = ${formatNumber(reg.residualStd)}. ${reg.outliers} rows beyond +-3 (outliers, red).`,
      )}${figure(histogramChart({ id: 'residual-histogram', title: 'Residual histogram', xLabel: 'standardized residual', values: Float64Array.from(reg.standardizedResiduals) }), 'Distribution of standardized residuals.')}</div>`,
    );
  }

  const imp = r.importance;
  add(
    'importance',
    'Global importance (permutation)',
    figure(
      barChart({ id: 'importance', title: 'Permutation importance', xLabel: `loss in ${imp.metric} when shuffled`, items: imp.features.slice(0, 25).map((f) => ({ label: f.name, value: f.importance, low: f.ciLow, high: f.ciHigh })) }),
      `Each input column shuffled ${imp.repeats} times over ${imp.rows} rows; bars are the mean loss in ${imp.metric} (baseline ${formatNumber(imp.baseline)}), whiskers the 95% confidence interval. Works through the whole pipeline, ensembles included.`,
    ),
  );

  const s = r.shap;
  add(
    'shap-summary',
    'SHAP summary',
    `<div class="grid2">${figure(
      shapSummaryChart({ id: 'shap-summary', title: 'SHAP summary', xLabel: `SHAP value (${s.plotted})`, features: s.features.map((f) => ({ name: f.name, shap: Float64Array.from(f.shap), colour: Float64Array.from(f.colour, (v) => (v === null ? NaN : v)) })) }),
      `${escapeHtml(s.detail)}; ${s.rows} rows explained. Each dot is one row; colour is the feature's value (rank-scaled; categorical by code).`,
    )}${figure(
      barChart({ id: 'shap-importance', title: 'Mean absolute SHAP', xLabel: 'mean |SHAP value|', items: s.meanAbs.slice(0, 20).map((f) => ({ label: f.name, value: f.value })) }),
      'Global importance as Clarify aggregates it (mean_abs).',
    )}</div>`,
  );

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Model quality report: ${escapeHtml(r.model.target)} (${escapeHtml(r.model.kind)})</title>
<style>${CSS}</style></head>
<body><header><h1>Model quality report</h1><p>${escapeHtml(r.model.kind)} ${escapeHtml(r.model.task)} model for "${escapeHtml(r.model.target)}", evaluated on ${escapeHtml(r.evaluation.dataName)} (${r.evaluation.rows} rows)</p></header>
<nav>${nav.map(([id, title]) => `<a href="#${id}">${escapeHtml(title)}</a>`).join('')}</nav>
<main>${sections.join('\n')}</main></body></html>
`;
}

function perClassTable(rows: { label: string; auc: number; ap: number; prevalence: number }[]): string {
  return `<table class="per-class"><tr><th class="label">class (one-vs-rest)</th><th>ROC AUC</th><th>average precision</th><th>prevalence</th></tr>${rows
    .map((r) => `<tr><td class="label">${escapeHtml(r.label)}</td><td>${formatNumber(r.auc)}</td><td>${formatNumber(r.ap)}</td><td>${formatNumber(r.prevalence, 3)}</td></tr>`)
    .join('')}</table>`;
}

function confusionTable(labels: readonly string[], matrix: readonly (readonly number[])[]): string {
  const max = Math.max(1, ...matrix.flat());
  const rowTotals = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const head = `<tr><th class="label">actual \\ predicted</th>${labels.map((l) => `<th>${escapeHtml(l)}</th>`).join('')}<th>total</th><th>recall</th></tr>`;
  const body = matrix
    .map((row, i) => {
      const cells = row
        .map((v, j) => {
          const alpha = (v / max) * 0.85;
          const colour = i === j ? `rgba(31,119,180,${alpha.toFixed(3)})` : `rgba(214,39,40,${alpha.toFixed(3)})`;
          return `<td style="background:${colour};${alpha > 0.5 ? 'color:#fff;' : ''}">${v}</td>`;
        })
        .join('');
      const recall = rowTotals[i] > 0 ? matrix[i][i] / rowTotals[i] : NaN;
      return `<tr><th class="label">${escapeHtml(labels[i])}</th>${cells}<td>${rowTotals[i]}</td><td>${rowTotals[i] > 0 ? formatNumber(recall, 3) : 'NaN (absent)'}</td></tr>`;
    })
    .join('');
  return `<table class="confusion" data-chart="confusion-matrix">${head}${body}</table><p class="note">Rows: actual label; columns: predicted label. A label absent from the evaluation data has a NaN recall row.</p>`;
}
