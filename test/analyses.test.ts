import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Frame, categoricalFromStrings, numericColumn, datetimeColumn } from '../src/frame/index.js';
import { readTable } from '../src/io/index.js';
import { ANALYSES, VIF_CLIP, analysisForOperator, cramersV, detectPeriod, pearsonPairwise, runAnalysis, spearmanPairwise, stl } from '../src/analyses/index.js';
import { TabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';
import { run as analyzeCommand } from '../src/cli/commands/analyze.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/insights');

describe('analyses on real data', () => {
  let concrete: Frame;
  let penguins: Frame;
  beforeAll(async () => {
    concrete = (await readTable(path.join(FIXTURES, 'concrete.csv'))).frame;
    penguins = (await readTable(path.join(FIXTURES, 'penguins.csv'))).frame;
  });

  it('histogram: colored and faceted counts add up to the rows with a value, and an SVG per facet', async () => {
    const r = await runAnalysis('histogram', penguins, { column: 'body_mass_g', colorBy: 'sex', facetBy: 'species', bins: 10 });
    const data = r.data as { facets: { facet: string; series: { name: string; counts: number[] }[]; missing: number }[] };
    expect(data.facets.map((f) => f.facet).sort()).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const bodyMass = penguins.column('body_mass_g') as { values: Float64Array };
    const sex = penguins.column('sex') as { codes: Int32Array };
    let expected = 0;
    for (let i = 0; i < penguins.numRows; i++) if (!Number.isNaN(bodyMass.values[i]) && sex.codes[i] >= 0) expected++;
    const counted = data.facets.reduce((s, f) => s + f.series.reduce((t, x) => t + x.counts.reduce((a, b) => a + b, 0), 0), 0);
    expect(counted).toBe(expected);
    expect(r.svg!.match(/data-chart="histogram"/g)!.length).toBe(4); // outer + 3 facets
  });

  it('table summary: numeric count/min/max/mean/stddev, categorical least and most frequent', async () => {
    const r = await runAnalysis('table-summary', penguins, {});
    const rows = (r.data as { columns: Record<string, unknown>[] }).columns;
    const mass = rows.find((x) => x.column === 'body_mass_g')!;
    expect(mass).toMatchObject({ count: 342, min: 2700, max: 6300 });
    expect(mass.mean as number).toBeCloseTo(4201.754, 2);
    expect(mass.stddev as number).toBeCloseTo(801.9545, 3); // sample standard deviation, as Spark's stddev
    const island = rows.find((x) => x.column === 'island')!;
    expect(island).toMatchObject({ count: 344, min: 'Torgersen', max: 'Biscoe' });
  });

  it('target leakage ranks a planted leaking column first with a score above 0.95', async () => {
    const y = (concrete.column('compressive_strength') as { values: Float64Array }).values;
    const rng = new Random(4);
    const frame = concrete.withColumn(numericColumn('strength_estimate', Float64Array.from(y, (v) => v + 0.3 * rng.normal())));
    const r = await runAnalysis('target-leakage', frame, { target: 'compressive_strength' });
    const data = r.data as { metric: string; features: { feature: string; score: number }[] };
    expect(data.metric).toBe('r2');
    expect(data.features[0].feature).toBe('strength_estimate');
    expect(data.features[0].score).toBeGreaterThan(0.95);
    expect(data.features[1].score).toBeLessThan(0.6);
  });

  it('multicollinearity: an exact linear combination hits the VIF clip, PCA finds a zero component, Lasso keeps the real drivers', async () => {
    const rng = new Random(8);
    const n = 800;
    const a = Float64Array.from({ length: n }, () => rng.normal());
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const c = Float64Array.from({ length: n }, () => rng.normal());
    const sum = Float64Array.from(a, (v, i) => v + b[i]);
    const y = Float64Array.from(a, (v, i) => 3 * v - 2 * c[i] + 0.1 * rng.normal());
    const frame = Frame.fromColumns([numericColumn('a', a), numericColumn('b', b), numericColumn('c', c), numericColumn('a_plus_b', sum), numericColumn('y', y)]);
    const r = await runAnalysis('multicollinearity', frame, { target: 'y', problemType: 'regression' });
    const data = r.data as {
      vif: { feature: string; vif: number }[];
      pca: { varianceRatio: number[] };
      lasso: { coefficients: { feature: string; coefficient: number; selected: boolean }[] };
    };
    const vif = Object.fromEntries(data.vif.map((v) => [v.feature, v.vif]));
    expect(vif.a_plus_b).toBe(VIF_CLIP);
    expect(vif.c).toBeLessThan(1.1);
    expect(data.pca.varianceRatio[3]).toBeLessThan(1e-9);
    expect(data.pca.varianceRatio.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
    const coef = Object.fromEntries(data.lasso.coefficients.map((x) => [x.feature, x]));
    expect(coef.c.coefficient).toBeLessThan(-0.3);
    expect(coef.a.coefficient + coef.a_plus_b.coefficient).toBeGreaterThan(0.5);
    expect(coef.b.selected && Math.abs(coef.b.coefficient) > 0.05).toBe(false);
  });

  it('correlation: Pearson, Spearman and Cramér\'s V against hand-checked values', async () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i - 10);
    const cube = Float64Array.from(x, (v) => v * v * v);
    expect(spearmanPairwise(x, cube)).toBeCloseTo(1, 12);
    expect(pearsonPairwise(x, cube)).toBeLessThan(0.95);
    expect(pearsonPairwise(Float64Array.from([1, 2, 3, 4]), Float64Array.from([2, 4, 5, 9]))).toBeCloseTo(11 / Math.sqrt(130), 12);
    // 2x2 table [[10, 0], [0, 10]] -> V = 1; [[5, 5], [5, 5]] -> V = 0.
    const a = Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1));
    expect(cramersV(a, 2, a, 2)).toBeCloseTo(1, 12);
    const b = Int32Array.from({ length: 20 }, (_, i) => i % 2);
    expect(cramersV(a, 2, b, 2)).toBeCloseTo(0, 12);
    const r = await runAnalysis('correlation', penguins, {});
    const data = r.data as { numeric: string[]; pearson: number[][]; categorical: string[]; cramersV: number[][] };
    const i = data.numeric.indexOf('flipper_length_mm');
    const j = data.numeric.indexOf('body_mass_g');
    expect(data.pearson[i][j]).toBeCloseTo(0.8712, 3); // known value for the Palmer penguins
    const s = data.categorical.indexOf('species');
    const k = data.categorical.indexOf('island');
    expect(data.cramersV[s][k]).toBeGreaterThan(0.6);
    expect(r.svg).toContain('data-chart="cramers-v"');
  });

  it('duplicates analysis counts keep=False duplicates', async () => {
    const idx = [...Array.from({ length: concrete.numRows }, (_, i) => i)];
    const base = (await runAnalysis('duplicates', concrete, {})).data as { duplicatedRows: number; redundantRows: number };
    const more = (await runAnalysis('duplicates', concrete.take([...idx, 0, 0]), {})).data as { duplicatedRows: number; redundantRows: number };
    expect(more.redundantRows).toBe(base.redundantRows + 2);
  });

  it('quick model analysis: 70/30 split, F1 for classification', async () => {
    const r = await runAnalysis('quick-model', penguins, { target: 'species' });
    const data = r.data as { task: string; metric: string; score: number; result: { trainRows: number; validationRows: number } };
    expect(data.task).toBe('multiclass');
    expect(data.metric).toBe('f1_weighted');
    expect(data.score).toBeGreaterThan(0.9);
    expect(data.result.validationRows / (data.result.trainRows + data.result.validationRows)).toBeCloseTo(0.3, 1);
  });

  it('rejects unknown analyses and parameters by name', async () => {
    await expect(runAnalysis('histogramm', penguins, {})).rejects.toThrow(/unknown analysis "histogramm"/);
    await expect(runAnalysis('histogram', penguins, { column: 'sex', colour: 'x' })).rejects.toThrow(/unknown parameter "colour"/);
    await expect(runAnalysis('scatter', penguins, { x: 'species', y: 'body_mass_g' })).rejects.toBeInstanceOf(TabpilotError);
    expect(ANALYSES.map((a) => a.name)).toHaveLength(12);
  });
});

describe('bias report (Clarify pre-training metrics)', () => {
  // Facet d = "f" (4 rows, 1 positive); facet a = "m" (6 rows, 4 positive). Groups g1/g2 for CDDL.
  const frame = Frame.fromColumns([
    categoricalFromStrings('gender', ['f', 'f', 'f', 'f', 'm', 'm', 'm', 'm', 'm', 'm']),
    categoricalFromStrings('approved', ['yes', 'no', 'no', 'no', 'yes', 'yes', 'yes', 'yes', 'no', 'no']),
    categoricalFromStrings('region', ['g1', 'g1', 'g2', 'g2', 'g1', 'g1', 'g1', 'g2', 'g2', 'g2']),
  ]);

  it('matches the formulas computed by hand', async () => {
    const r = await runAnalysis('bias', frame, { label: 'approved', labelValues: 'yes', facet: 'gender', facetValues: 'f', group: 'region' });
    const m = (r.data as { metrics: Record<string, number> }).metrics;
    const qa = 4 / 6;
    const qd = 1 / 4;
    expect(m.CI).toBeCloseTo((6 - 4) / 10, 12);
    expect(m.DPL).toBeCloseTo(qa - qd, 12);
    const Pa = [1 - qa, qa];
    const Pd = [1 - qd, qd];
    const kl = (p: number[], q: number[]) => p.reduce((s, v, i) => s + v * Math.log(v / q[i]), 0);
    expect(m.KL).toBeCloseTo(kl(Pa, Pd), 12);
    const M = [(Pa[0] + Pd[0]) / 2, (Pa[1] + Pd[1]) / 2];
    expect(m.JS).toBeCloseTo(0.5 * (kl(Pa, M) + kl(Pd, M)), 12);
    expect(m.LP).toBeCloseTo(Math.sqrt(2) * (qa - qd), 12);
    expect(m.TVD).toBeCloseTo(qa - qd, 12);
    expect(m.KS).toBeCloseTo(qa - qd, 12);
    // g1: rows f:yes, f:no, m:yes x3 -> n0 = 1 (d: 1), n1 = 4 (d: 1): DD = 1/1 - 1/4 = 0.75, 5 rows.
    // g2: rows f:no, f:no, m:yes, m:no, m:no -> n0 = 4 (d: 2), n1 = 1 (d: 0): DD = 2/4 - 0 = 0.5, 5 rows.
    expect(m.CDDL).toBeCloseTo((5 * 0.75 + 5 * 0.5) / 10, 12);
  });

  it('needs both facets and a known facet value', async () => {
    await expect(runAnalysis('bias', frame, { label: 'approved', labelValues: 'yes', facet: 'gender', facetValues: 'x' })).rejects.toThrow(/none of "x" occurs/);
    await expect(runAnalysis('bias', frame, { label: 'approved', labelValues: 'yes', facet: 'gender', facetValues: 'f,m' })).rejects.toThrow(/facet a/);
  });
});

describe('time series', () => {
  const n = 240;
  const period = 12;
  const rng = new Random(2);
  const trendTrue = Float64Array.from({ length: n }, (_, i) => 10 + 0.05 * i);
  const seasonTrue = Float64Array.from({ length: n }, (_, i) => 3 * Math.sin((2 * Math.PI * i) / period));
  const y = Float64Array.from({ length: n }, (_, i) => trendTrue[i] + seasonTrue[i] + 0.2 * rng.normal());

  it('STL recovers the seasonal and trend components of a synthetic series', () => {
    const r = stl(y, { period });
    let se = 0;
    let te = 0;
    for (let i = 0; i < n; i++) {
      se += (r.seasonal[i] - seasonTrue[i]) ** 2;
      te += (r.trend[i] - trendTrue[i]) ** 2;
    }
    expect(Math.sqrt(se / n)).toBeLessThan(0.25);
    expect(Math.sqrt(te / n)).toBeLessThan(0.25);
    for (let i = 0; i < n; i++) expect(r.trend[i] + r.seasonal[i] + r.residual[i]).toBeCloseTo(y[i], 9);
    expect(detectPeriod(y)).toBe(period);
  });

  it('finds planted spikes as anomalies, ordered by a datetime column', async () => {
    const spiked = y.slice();
    spiked[50] += 6;
    spiked[181] -= 6;
    const start = Date.UTC(2020, 0, 1);
    const order = new Random(3).permutation(n); // rows shuffled: the analysis must sort by time
    const frame = Frame.fromColumns([
      datetimeColumn('month', Float64Array.from(order, (i) => start + i * 86_400_000)),
      numericColumn('sales', Float64Array.from(order, (i) => spiked[i])),
    ]);
    const r = await runAnalysis('time-series-anomalies', frame, { value: 'sales', time: 'month', threshold: 4 });
    const data = r.data as { period: number; anomalies: { index: number; zScore: number }[] };
    expect(data.period).toBe(period);
    expect(data.anomalies.map((a) => a.index)).toEqual([50, 181]);
    expect(data.anomalies[0].zScore).toBeGreaterThan(4);
    const st = await runAnalysis('seasonal-trend', frame, { value: 'sales', time: 'month' });
    expect((st.data as { seasonalStrength: number }).seasonalStrength).toBeGreaterThan(0.8);
    expect(st.svg).toContain('data-chart="seasonal"');
  });
});

describe('flow analysis nodes', () => {
  it('maps Data Wrangler visualization operators to analyses and runs the insights report as a node', async () => {
    expect(analysisForOperator('sagemaker.visualizations.describe_0.1')).toBe('table-summary');
    expect(analysisForOperator('sagemaker.visualizations.data_insights_report_0.1')).toBe('insights');
    expect(analysisForOperator('tabpilot.analysis.bias')).toBe('bias');
    expect(analysisForOperator('sagemaker.spark.join_tables_0.1')).toBeNull();
    const penguins = (await readTable(path.join(FIXTURES, 'penguins.csv'))).frame;
    const r = await runAnalysis('insights', penguins, { target: 'species', workers: 1 });
    expect((r.data as { target: { task: string } }).target.task).toBe('multiclass');
    expect(r.html).toContain('<section id="quick-model">');
  });
});

describe('tabpilot analyze', () => {
  it('writes the chart as SVG and the result as JSON', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-analyze-'));
    const svg = path.join(dir, 'corr.svg');
    const json = path.join(dir, 'corr.json');
    const code = await analyzeCommand([path.join(FIXTURES, 'penguins.csv'), '--analysis', 'correlation', '--out', svg, '--json', json]);
    expect(code).toBe(0);
    expect(existsSync(svg)).toBe(true);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { analysis: string; data: { numeric: string[] } };
    expect(result.analysis).toBe('correlation');
    expect(result.data.numeric).toContain('bill_length_mm');
  });
});
