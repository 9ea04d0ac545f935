import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Frame, categoricalFromStrings, datetimeColumn, numericColumn, textColumn } from '../src/frame/index.js';
import { readTable } from '../src/io/index.js';
import { CATALOG, THRESHOLDS, insights, renderInsightsHtml, type InsightsReport } from '../src/insights/index.js';
import { isolationForestScores } from '../src/insights/isolation-forest.js';
import { findDuplicates } from '../src/insights/duplicates.js';
import { Random } from '../src/util/random.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/insights');
const OUTPUT = path.resolve(__dirname, '../test-output');
const CHROMIUM = '/usr/bin/chromium';

async function load(name: string): Promise<Frame> {
  return (await readTable(path.join(FIXTURES, name))).frame;
}

function warningsOf(r: InsightsReport, id: string) {
  return r.warnings.filter((w) => w.id === id);
}

describe('insights on real data with planted problems', () => {
  let concrete: Frame;
  let churn: Frame;
  let penguins: Frame;
  beforeAll(async () => {
    concrete = await load('concrete.csv');
    churn = await load('mlc_churn_1500.csv');
    penguins = await load('penguins.csv');
  });

  it('flags a leaking regression feature (target plus noise) with prediction power above 0.95', async () => {
    const y = (concrete.column('compressive_strength') as { values: Float64Array }).values;
    const rng = new Random(7);
    const leak = Float64Array.from(y, (v) => v + 0.5 * rng.normal());
    const r = await insights(concrete.withColumn(numericColumn('lab_reading', leak)), { target: 'compressive_strength', quickModel: false });
    const leakFeature = r.features.find((f) => f.name === 'lab_reading')!;
    expect(leakFeature.predictionPower!).toBeGreaterThan(0.95);
    expect(r.features[0].name).toBe('lab_reading');
    const w = warningsOf(r, 'target_leakage');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ column: 'lab_reading', severity: 'high' });
    expect(w[0].fix.transform).toMatch(/Drop column/);
    expect(r.summary.highWarnings.map((x) => x.id)).toContain('target_leakage');
    // Honest features stay below the leakage threshold.
    for (const f of r.features.filter((x) => x.name !== 'lab_reading')) expect(f.predictionPower ?? 0).toBeLessThan(THRESHOLDS.leakagePower);
  });

  it('flags a leaking classification feature on a churn slice', async () => {
    const labels = churn.column('churn');
    const rng = new Random(3);
    const codes = (labels as { codes: Int32Array; dictionary: readonly string[] }).codes;
    const yes = (labels as { dictionary: readonly string[] }).dictionary.indexOf('yes');
    const leak = Float64Array.from(codes, (c) => (c === yes ? 1 : 0) + 0.1 * rng.normal());
    const r = await insights(churn.withColumn(numericColumn('retention_call_flag', leak)), { target: 'churn', quickModel: false });
    expect(r.target!.task).toBe('binary');
    const f = r.features.find((x) => x.name === 'retention_call_flag')!;
    expect(f.predictionMetric).toBe('ROC-AUC');
    expect(f.predictionPower!).toBeGreaterThan(0.95);
    expect(warningsOf(r, 'target_leakage').map((w) => w.column)).toEqual(['retention_call_flag']);
    expect(warningsOf(r, 'target_correlation').map((w) => w.column)).toEqual(['retention_call_flag']);
  });

  it('reports planted duplicate rows with the exact keep=False ratio', async () => {
    const base = findDuplicates(penguins);
    expect(base.duplicatedRows).toBe(0);
    const idx = Array.from({ length: penguins.numRows }, (_, i) => i);
    for (let i = 0; i < 30; i++) idx.push(i * 7); // 30 distinct rows, each copied once
    const withDupes = penguins.take(idx);
    const r = await insights(withDupes, { target: 'species', quickModel: false });
    const expected = 60 / (penguins.numRows + 30);
    expect(r.summary.duplicateRatio).toBeCloseTo(expected, 12);
    expect(r.samples.duplicates.redundantRows).toBe(30);
    expect(r.samples.duplicates.rows[0].count).toBe(2);
    const w = warningsOf(r, 'many_duplicate_rows');
    expect(w).toHaveLength(1);
    expect(w[0].severity).toBe('high');
    expect(w[0].value).toBeCloseTo(expected, 12);
    expect(w[0].fix.transform).toBe('Manage rows > Drop duplicates');

    // Two copies only: below the 5% threshold gives the medium warning instead.
    const few = await insights(penguins.take([...Array.from({ length: penguins.numRows }, (_, i) => i), 5]), { quickModel: false });
    expect(warningsOf(few, 'duplicate_rows')).toHaveLength(1);
    expect(warningsOf(few, 'many_duplicate_rows')).toHaveLength(0);
    expect(few.summary.duplicateRatio).toBeCloseTo(2 / (penguins.numRows + 1), 12);
  });

  it('flags a constant column and a numeric column whose missing values are disguised as 999', async () => {
    const n = concrete.numRows;
    // cement: 278 distinct values, the most common only 20 times; about 25% of readings become 999 (more than 10x the next most common value).
    const cement = (concrete.column('cement') as { values: Float64Array }).values;
    const rng = new Random(11);
    const disguised = Float64Array.from(cement, (v) => (rng.next() < 0.25 ? 999 : v));
    const frame = concrete.withColumn(numericColumn('plant_id', new Float64Array(n).fill(4))).withColumn(numericColumn('cement_logged', disguised));
    const r = await insights(frame, { target: 'compressive_strength', quickModel: false });
    const constant = warningsOf(r, 'constant_feature');
    expect(constant.map((w) => w.column)).toEqual(['plant_id']);
    expect(constant[0].severity).toBe('low');
    const disguisedW = warningsOf(r, 'disguised_missing_numeric').filter((w) => w.column === 'cement_logged');
    expect(disguisedW).toHaveLength(1);
    expect(disguisedW[0].value).toBe(999);
    expect(disguisedW[0].fix.transform).toMatch(/Convert regex to missing/);
    expect(r.features.find((f) => f.name === 'cement')!.warnings.some((w) => w.id === 'disguised_missing_numeric')).toBe(false);
  });

  it('raises no high-severity warning on clean real data', async () => {
    for (const [frame, target] of [
      [concrete, 'compressive_strength'],
      [penguins, 'species'],
      [churn, 'churn'],
    ] as const) {
      const r = await insights(frame, { target });
      expect(r.summary.highWarnings, `${target}: ${r.summary.highWarnings.map((w) => w.title).join(', ')}`).toEqual([]);
      const q = r.quickModel as { score: number; baselineScore: number; mode: string };
      expect(q.mode).toBe('cross-validation');
      expect(q.score).toBeGreaterThan(q.baselineScore + 0.3);
    }
  });

  it('reads target warnings from the catalog: a regression target with a frequent value, a tiny minority class', async () => {
    const n = concrete.numRows;
    const rng = new Random(5);
    const y = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 10 + rng.normal()));
    y[101] = NaN;
    y[733] = NaN;
    const r = await insights(concrete.withColumn(numericColumn('compressive_strength', y)), { target: 'compressive_strength', problemType: 'regression', quickModel: false });
    expect(warningsOf(r, 'regression_frequent_label')).toHaveLength(1);
    expect(r.target!.missing).toBe(2);
    expect(r.target!.invalidRows.map((x) => x.row)).toEqual([101, 733]);
    const labels = Array.from({ length: n }, (_, i) => (i < 12 ? 'rare' : 'common'));
    const r2 = await insights(concrete.withColumn(categoricalFromStrings('label', labels)), { target: 'label', quickModel: false });
    const w = warningsOf(r2, 'very_small_minority');
    expect(w).toHaveLength(1);
    expect(w[0].message).toContain('"rare" has only 12 rows');
  });

  it('every catalog entry has a severity, a rule with its threshold, an explanation and a fix naming a transform', () => {
    expect(CATALOG.length).toBeGreaterThanOrEqual(25);
    for (const c of CATALOG) {
      expect(c.rule.length).toBeGreaterThan(5);
      expect(c.explanation.length).toBeGreaterThan(20);
      expect(c.fix.transform.length).toBeGreaterThan(3);
    }
    const ids = new Set(CATALOG.map((c) => c.id));
    for (const id of ['skewed_target', 'heavy_tailed_target', 'target_leakage', 'constant_feature', 'many_duplicate_rows', 'quick_model_low_score', 'high_confidence_pattern', 'rare_categories']) {
      expect(ids.has(id as never)).toBe(true);
    }
  });

  it('gives the same report with the worker pool as in one thread', async () => {
    const inline = await insights(penguins, { target: 'species', workers: 1 });
    const pooled = await insights(penguins, { target: 'species', workers: 2 });
    expect(pooled.features.map((f) => [f.name, f.predictionPower])).toEqual(inline.features.map((f) => [f.name, f.predictionPower]));
    expect((pooled.quickModel as { error?: string }).error).toBeUndefined();
    expect(pooled.quickModel).toEqual(inline.quickModel);
    expect(pooled.samples.anomalous).toEqual(inline.samples.anomalous);
  });

  it('samples large data, says so, and is reproducible for a seed', async () => {
    const r1 = await insights(churn, { target: 'churn', sample: 500, seed: 9, quickModel: false });
    const r2 = await insights(churn, { target: 'churn', sample: 500, seed: 9, quickModel: false });
    expect(r1.sampling).toMatchObject({ totalRows: 1500, analysedRows: 500, sampled: true });
    expect(r1.sampling.method).toContain('500 of 1500');
    expect(r1.features.map((f) => f.predictionPower)).toEqual(r2.features.map((f) => f.predictionPower));
    expect(renderInsightsHtml(r1)).toContain('500 of 1500');
  });
});

describe('textual patterns', () => {
  it('flags the few values that break a high-confidence pattern', async () => {
    const rng = new Random(6);
    const codes = Array.from({ length: 400 }, (_, i) => `INV-${String(10000 + Math.floor(rng.next() * 89999))}`);
    codes[3] = 'INV 12345';
    codes[70] = 'inv-1234';
    codes[211] = 'unknown';
    const frame = Frame.fromColumns([categoricalFromStrings('invoice', codes), numericColumn('amount', Float64Array.from(codes, () => rng.next()))]);
    const r = await insights(frame, { quickModel: false });
    const w = r.warnings.filter((x) => x.id === 'high_confidence_pattern');
    expect(w).toHaveLength(1);
    expect(w[0].column).toBe('invoice');
    expect(w[0].message).toContain('{upper:3}-{digits:5}');
    expect(w[0].message).toContain('"INV 12345"');
    expect(w[0].value).toBeCloseTo(397 / 400, 12);
    expect(r.warnings.some((x) => x.id === 'disguised_missing_token' && x.column === 'invoice')).toBe(true);
  });
});

describe('important words of a text feature', () => {
  it('ranks the words that carry the signal first', async () => {
    const rng = new Random(12);
    const n = 800;
    const filler = ['the', 'order', 'arrived', 'late', 'today', 'package', 'box', 'item', 'store', 'staff'];
    const label: string[] = [];
    const text = Array.from({ length: n }, (_, i) => {
      const positive = rng.next() < 0.5;
      label.push(positive !== rng.next() < 0.05 ? 'happy' : 'unhappy');
      const words = Array.from({ length: 6 }, () => filler[rng.int(filler.length)]);
      words.splice(rng.int(6), 0, positive ? 'excellent' : 'terrible');
      return `${words.join(' ')} #${i}`;
    });
    const frame = Frame.fromColumns([textColumn('review', text), categoricalFromStrings('mood', label)]);
    const r = await insights(frame, { target: 'mood', quickModel: false });
    const f = r.features.find((x) => x.name === 'review')!;
    expect(f.featureType).toBe('text');
    expect(f.importantWords!.slice(0, 2).map((w) => w.word).sort()).toEqual(['excellent', 'terrible']);
    expect(f.importantWords![0].power).toBeGreaterThan(0.7);
    expect(f.importantWords![2].power).toBeLessThan(0.2);
    expect(renderInsightsHtml(r)).toContain('Important words');
  });
});

describe('datetime features', () => {
  it('score their calendar parts: an hour-of-day effect gets its prediction power', async () => {
    const rng = new Random(13);
    const n = 2000;
    const when = Float64Array.from({ length: n }, (_, i) => Date.UTC(2022, 0, 1) + i * 3_600_000);
    const load = Float64Array.from(when, (t) => 10 * Math.sin((2 * Math.PI * new Date(t).getUTCHours()) / 24) + rng.normal());
    const r = await insights(Frame.fromColumns([datetimeColumn('when', when), numericColumn('load', load)]), { target: 'load', problemType: 'regression', quickModel: false });
    const f = r.features.find((x) => x.name === 'when')!;
    expect(f.featureType).toBe('datetime');
    expect(f.predictionPower!).toBeGreaterThan(0.9);
  });
});

describe('isolation forest', () => {
  it('gives planted far-away rows the most negative scores', () => {
    const rng = new Random(1);
    const n = 1000;
    const d = 3;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) x[i] = rng.normal();
    for (const r of [17, 500, 901]) for (let j = 0; j < d; j++) x[r * d + j] = 8 + j;
    const s = isolationForestScores(x, n, d, new Random(2));
    const order = Array.from(s.keys()).sort((a, b) => s[a] - s[b]);
    expect(order.slice(0, 3).sort((a, b) => a - b)).toEqual([17, 500, 901]);
    expect(s[17]).toBeLessThan(0);
    const normalShare = Array.from(s).filter((v) => v > 0).length / n;
    expect(normalShare).toBeGreaterThan(0.8);
  });
});

describe('HTML report', () => {
  let html: string;
  let report: InsightsReport;
  beforeAll(async () => {
    const churn = await load('mlc_churn_1500.csv');
    const rng = new Random(3);
    const leak = Float64Array.from({ length: churn.numRows }, () => rng.normal());
    report = await insights(churn.withColumn(numericColumn('noise', leak)), { target: 'churn', source: 'mlc_churn_1500.csv' });
    html = renderInsightsHtml(report);
  });

  it('is self-contained: no scripts, no external resources, every section present, rendered from the JSON', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*"(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    for (const id of ['summary', 'target', 'quick-model', 'features', 'samples', 'definitions']) expect(html).toContain(`<section id="${id}">`);
    for (const f of report.features) expect(html).toContain(`data-feature="${f.name}"`);
    for (const w of report.warnings) expect(html).toContain(`data-warning="${w.id}"`);
    expect(html).toContain('data-chart="confusion-matrix"');
    const q = report.quickModel as { perClass: { label: string; support: number }[] };
    expect(q.perClass.map((c) => c.label)).toEqual(['no', 'yes']);
    expect(q.perClass.reduce((a, c) => a + c.support, 0)).toBe(1500);
    expect(html).toContain('Per-class report');
    // The JSON survives a round trip and renders identically.
    const again = renderInsightsHtml(JSON.parse(JSON.stringify(report)) as InsightsReport);
    expect(again).toBe(html);
  });

  it('opens in headless Chromium without console errors, with every section and chart, and saves a screenshot', (ctx) => {
    if (!existsSync(CHROMIUM)) {
      ctx.skip(`chromium not installed at ${CHROMIUM}: headless rendering test skipped (apt-get install chromium)`);
      return;
    }
    mkdirSync(OUTPUT, { recursive: true });
    const page = path.join(OUTPUT, 'insights-report.html');
    writeFileSync(page, html);
    const profile = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-chromium-'));
    const shot = path.join(OUTPUT, 'insights-report.png');
    rmSync(shot, { force: true });
    const base = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
    try {
      const dom = spawnSync(CHROMIUM, [...base, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
      expect(dom.status).toBe(0);
      const consoleLines = dom.stderr.split('\n').filter((l) => /:CONSOLE|Refused to|Failed to load|Uncaught/.test(l));
      expect(consoleLines).toEqual([]);
      for (const id of ['summary', 'target', 'quick-model', 'features', 'samples', 'definitions']) expect(dom.stdout).toContain(`id="${id}"`);
      const charts = dom.stdout.match(/<svg class="chart"/g) ?? [];
      // target histogram + importance + confusion matrix + prediction power + one histogram per feature
      expect(charts.length).toBeGreaterThanOrEqual(4 + report.features.length);
      for (const kind of ['histogram', 'importance', 'confusion-matrix', 'prediction-power']) expect(dom.stdout).toContain(`data-chart="${kind}"`);
      const ss = spawnSync(CHROMIUM, [...base, '--window-size=1280,2000', '--hide-scrollbars', `--screenshot=${shot}`, `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
      expect(ss.status).toBe(0);
      expect(statSync(shot).size).toBeGreaterThan(50_000);
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      // Prints: the print stylesheet applies and Chromium produces a multi-page PDF.
      const pdf = path.join(OUTPUT, 'insights-report.pdf');
      rmSync(pdf, { force: true });
      const printed = spawnSync(CHROMIUM, [...base, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
      expect(printed.status).toBe(0);
      const pdfText = readFileSync(pdf).toString('latin1');
      expect(pdfText.startsWith('%PDF')).toBe(true);
      expect((pdfText.match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThan(2);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
