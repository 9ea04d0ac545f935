import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../src/metrics/index.js';
import { calibrationCurve, gainLift, prCurve, rocCurve } from '../src/report/curves.js';
import { buildModelReport, renderModelReportHtml, writeModelReport } from '../src/report/index.js';
import { loadFixture, trainPipeline } from './serve-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
/** Two Chromium runs (DOM dump, screenshot) of up to 60 s for each of three pages. */
const CHROMIUM_TIMEOUT_MS = 400_000;
const OUT = path.resolve(import.meta.dirname, '../test-output');

describe('report curves', () => {
  it('ROC AUC equals the rank AUC, with ties as one threshold', () => {
    const pos = Uint8Array.of(1, 0, 1, 1, 0, 0, 1, 0);
    const s = Float64Array.of(0.9, 0.8, 0.8, 0.7, 0.3, 0.3, 0.2, 0.1);
    const r = rocCurve(pos, s);
    expect(r.auc).toBeCloseTo(rocAuc(Int32Array.from(pos), s), 12);
    // 4 positives x 4 negatives: 11 pairs ranked right, 1 tie (0.8 vs 0.8) => (11 + 0.5) / 16
    expect(r.auc).toBeCloseTo(11.5 / 16, 12);
    expect(r.x.length).toBe(7);
  });

  it('average precision is the step-wise area', () => {
    const pos = Uint8Array.of(1, 0, 1, 0);
    const s = Float64Array.of(0.9, 0.8, 0.7, 0.1);
    // thresholds: (R .5, P 1), (R .5, P .5), (R 1, P 2/3), (R 1, P .5) => .5*1 + .5*2/3
    expect(prCurve(pos, s).averagePrecision).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  it('gain reaches 1 and calibration bins count every row', () => {
    const pos = Uint8Array.of(1, 1, 0, 0, 0, 1, 0, 0, 0, 0);
    const s = Float64Array.of(0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05);
    const g = gainLift(pos, s, 5);
    expect(g.map((r) => r.gain)).toEqual([2 / 3, 2 / 3, 1, 1, 1]);
    expect(g[0].lift).toBeCloseTo(10 / 3, 12);
    const bins = calibrationCurve(pos, s);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(10);
    expect(bins[9 - 0].fractionPositive).toBe(1);
  });
});

function split(n: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (i % 10 < 7 ? train : test).push(i);
  return { train, test };
}

function chromiumCheck(html: string, name: string, expectedCharts: string[], sections: string[]): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-chrome-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${dir}`];
  const dom = execFileSync(CHROMIUM, [...flags, '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
  for (const id of sections) expect(dom, `section ${id}`).toMatch(new RegExp(`<section id="${id}">`));
  for (const chart of expectedCharts) expect(dom, `chart ${chart}`).toMatch(new RegExp(`data-chart="${chart}"`));
  mkdirSync(OUT, { recursive: true });
  const png = path.join(OUT, `${name}.png`);
  execFileSync(CHROMIUM, [...flags, '--window-size=1300,3600', `--screenshot=${png}`, `file://${html}`], { timeout: 60_000, stdio: 'ignore' });
  expect(statSync(png).size).toBeGreaterThan(20_000);
}

/** Report pages written by the tests below, with the charts and sections Chromium must render. */
interface RenderCheck {
  readonly file: string;
  readonly charts: string[];
  readonly sections: string[];
}

describe.sequential('model quality report', () => {
  const rendered = new Map<string, RenderCheck>();

  it('binary: metrics match the pipeline and the page is self-contained (no scripts or fetches)', async () => {
    const { train, test } = split(768);
    const { pipeline } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary', 'linear', {}, (f) => f.take(train));
    const testFrame = loadFixture('pima_diabetes2.csv').take(test);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-report-'));
    const file = path.join(dir, 'binary.html');
    const report = await writeModelReport(pipeline, testFrame, file, { dataName: 'pima test split', bootstrap: 30 });
    const auc = report.metrics.find((m) => m.name === 'AUC')!;
    expect(report.classification!.roc[0].auc).toBeCloseTo(auc.value, 9);
    expect(auc.std).toBeGreaterThan(0);
    const cm = report.classification!.confusion.matrix;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(test.length);
    expect(report.classification!.gainLift!.rows[9].gain).toBeCloseTo(1, 12);
    expect(report.importance.features[0].name).toBe('glucose');
    expect(JSON.parse(readFileSync(file.replace(/\.html$/, '.json'), 'utf8')).format).toBe('tabpilot-model-report');
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(http/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    rendered.set('model-report-binary', {
      file,
      charts: ['roc', 'precision-recall', 'calibration', 'gain', 'lift', 'importance', 'shap-summary', 'shap-importance', 'confusion-matrix'],
      sections: ['summary', 'metrics', 'confusion-matrix', 'roc', 'precision-recall', 'calibration', 'gain-lift', 'importance', 'shap-summary'],
    });
  });

  it('multiclass (GBDT): one-vs-rest curves per class and a TreeSHAP summary', async () => {
    const { pipeline, frame } = await trainPipeline('penguins.csv', 'species', 'multiclass', 'gbdt', { numRounds: 30, earlyStoppingRounds: 0 });
    const report = buildModelReport(pipeline, frame, { bootstrap: 20, shapRows: 200 });
    expect(report.classification!.roc.map((r) => r.label)).toEqual(pipeline.classes);
    expect(report.classification!.precisionRecall).toHaveLength(3);
    expect(report.shap.method).toBe('treeshap');
    expect(report.shap.features[0].shap).toHaveLength(200);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-report-'));
    const file = path.join(dir, 'multiclass.html');
    await writeModelReport(pipeline, frame, file, { bootstrap: 10, shapRows: 100 });
    rendered.set('model-report-multiclass', {
      file,
      charts: ['roc', 'precision-recall', 'calibration', 'importance', 'shap-summary', 'confusion-matrix'],
      sections: ['summary', 'metrics', 'confusion-matrix', 'roc', 'precision-recall', 'calibration', 'importance', 'shap-summary'],
    });
    expect(renderModelReportHtml(report)).not.toMatch(/id="gain-lift"/);
  });

  it('regression: predicted-vs-actual, standardized residuals with outliers, residual histogram', async () => {
    const { pipeline, frame } = await trainPipeline('concrete.csv', 'compressive_strength', 'regression');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-report-'));
    const file = path.join(dir, 'regression.html');
    const report = await writeModelReport(pipeline, frame, file, { bootstrap: 20 });
    const r2 = report.metrics.find((m) => m.name === 'R2')!.value;
    expect(r2).toBeGreaterThan(0.5);
    const std = report.regression!.standardizedResiduals;
    expect(std.reduce((a, b) => a + b, 0) / std.length).toBeCloseTo(0, 9);
    expect(report.regression!.outliers).toBe(std.filter((v) => Math.abs(v) > 3).length);
    expect(report.shap.method).toBe('exact-additive');
    rendered.set('model-report-regression', {
      file,
      charts: ['predicted-vs-actual', 'residuals', 'residual-histogram', 'importance', 'shap-summary'],
      sections: ['summary', 'metrics', 'predicted-vs-actual', 'residuals', 'importance', 'shap-summary'],
    });
  });

  it('every report page renders in headless Chromium with its sections and charts', (ctx) => {
    if (!existsSync(CHROMIUM)) ctx.skip(`chromium not installed at ${CHROMIUM}: headless rendering checks skipped (apt-get install chromium)`);
    expect([...rendered.keys()]).toEqual(['model-report-binary', 'model-report-multiclass', 'model-report-regression']);
    for (const [name, check] of rendered) chromiumCheck(check.file, name, check.charts, check.sections);
  }, CHROMIUM_TIMEOUT_MS);
});
