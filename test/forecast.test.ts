import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, categoricalFromStrings, datetimeColumn, numericColumn } from '../src/frame/index.js';
import { readTable } from '../src/io/index.js';
import { FORECAST_CANDIDATES, type ForecastJob, backtestCandidate, buildPanel, forecast, loadForecaster, planBacktests, renderForecastHtml, saveForecastJob } from '../src/forecast/index.js';
import type { Candidate, SeriesInput } from '../src/forecast/index.js';
import { TabpilotError } from '../src/util/errors.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/forecast');
const CHROMIUM = '/usr/bin/chromium';
const CLI = path.resolve(__dirname, '../dist/src/cli/main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-forecast-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Monthly panel from one array per item. */
function panelFrame(series: Record<string, number[]>): Frame {
  const items: string[] = [];
  const times: number[] = [];
  const values: number[] = [];
  for (const [id, ys] of Object.entries(series)) ys.forEach((v, t) => (items.push(id), times.push(Date.UTC(2000, t, 1)), values.push(v)));
  return Frame.fromColumns([categoricalFromStrings('item', items), datetimeColumn('month', Float64Array.from(times)), numericColumn('y', Float64Array.from(values))]);
}

const monotone = (qs: readonly ArrayLike<number>[]) => qs.every((q, j) => j === 0 || Array.from(q).every((v, k) => v >= qs[j - 1][k] - 1e-9));

describe('backtests never see the window they score', () => {
  const H = 6;
  // Seasonal history, then a jump to 10^6 in the last window only: a candidate that peeks forecasts it.
  const base = (shift: number) => Array.from({ length: 96 }, (_, t) => (t >= 96 - H ? 1e6 : 100 + shift + 10 * Math.sin((2 * Math.PI * t) / 12)));
  const frame = panelFrame({ a: base(0), b: base(5), c: base(9) });
  const panel = buildPanel(frame, { timestamp: 'month', target: 'y', itemId: 'item' });
  const plan = planBacktests(panel.items, H, 2, 24);
  const settings = { period: 12, frequency: panel.frequency, horizon: H, covariates: [], seed: 0 };

  it('each fit gets copies that end before its window', async () => {
    const seen: { window: number; length: number; max: number }[] = [];
    let window = 0;
    const spy: Candidate = {
      name: 'spy',
      description: 'records what it is given',
      cost: 0,
      async fit(series: readonly SeriesInput[]) {
        window++;
        for (const s of series) seen.push({ window, length: s.y.length, max: Math.max(...s.y) });
        return { name: 'spy', forecast: (ss: readonly SeriesInput[], h: number) => ss.map(() => ({ mean: new Float64Array(h), sigma: new Float64Array(h).fill(1) })), toJSON: () => ({ candidate: 'spy' }) };
      },
      fromJSON: () => {
        throw new Error('unused');
      },
    };
    await backtestCandidate(spy, panel.items, plan, settings, [0.1, 0.5, 0.9]);
    expect(seen.map((s) => s.length)).toEqual([90, 90, 90, 84, 84, 84]);
    expect(Math.max(...seen.map((s) => s.max))).toBeLessThan(1000);
  });

  it.each(FORECAST_CANDIDATES.map((c) => c.name))('%s forecasts the last window from the history before it', async (name) => {
    const c = FORECAST_CANDIDATES.find((k) => k.name === name)!;
    const r = await backtestCandidate(c, panel.items, plan, settings, [0.1, 0.5, 0.9]);
    expect(r.status).toBe('Completed');
    const last = r.forecasts.filter((f) => f.window === 1);
    expect(last).toHaveLength(3);
    for (const f of last) {
      expect(Math.max(...f.mean)).toBeLessThan(1000);
      expect(monotone(f.quantiles)).toBe(true);
    }
  });
});

describe('forecast on real data (statsmodels datasets)', () => {
  let co2: ForecastJob;
  let macro: ForecastJob;
  beforeAll(async () => {
    co2 = await forecast({ data: path.join(FIXTURES, 'co2_monthly.csv'), timestamp: 'month', target: 'co2', horizon: 12 });
    macro = await forecast({ data: path.join(FIXTURES, 'macro_panel.csv'), timestamp: 'quarter_start', target: 'value', itemId: 'series', horizon: 4, candidates: ['naive', 'seasonal_naive', 'theta', 'gbdt'] });
  }, 120_000);

  it('infers the frequency, keeps the gaps unscored and beats seasonal naive on MASE', () => {
    expect(co2.forecaster.spec.frequency).toBe('M');
    expect(co2.panel.period).toBe(12);
    expect(co2.panel.filled).toBe(5);
    const mase = (name: string) => co2.leaderboard.find((r) => r.candidate === name)!.metrics!.mase;
    expect(co2.leaderboard[0].candidate).toBe(co2.best);
    expect(mase(co2.best)).toBeLessThan(0.5 * mase('seasonal_naive'));
    for (const r of co2.leaderboard) expect(Object.keys(r.metrics!).sort()).toEqual(['mape', 'mase', 'rmse', 'wape', 'wql', 'wqlByQuantile'].sort());
  });

  it('forecasts every item after its last timestamp with ordered quantiles', () => {
    expect(macro.output.items.map((f) => f.item).sort()).toEqual(['cpi', 'm1', 'realcons', 'realdpi', 'realgdp', 'realgovt', 'realinv', 'unemp']);
    for (const f of macro.output.items) {
      expect(new Date(f.timestamps[0]).toISOString().slice(0, 10)).toBe('2009-10-01');
      expect(new Date(f.timestamps[3]).toISOString().slice(0, 10)).toBe('2010-07-01');
      expect(monotone(f.quantiles)).toBe(true);
      // The band widens with the horizon.
      expect(f.quantiles[2][3] - f.quantiles[0][3]).toBeGreaterThan(f.quantiles[2][0] - f.quantiles[0][0]);
    }
    const gdp = macro.output.items.find((f) => f.item === 'realgdp')!;
    expect(gdp.mean[0]).toBeGreaterThan(12_000);
    expect(gdp.mean[0]).toBeLessThan(14_000);
  });

  it('saves a directory whose forecaster forecasts again from new history', async () => {
    const dir = path.join(tmp, 'macro');
    await saveForecastJob(macro, dir);
    for (const f of ['forecast.csv', 'leaderboard.csv', 'leaderboard.json', 'model/model.json', 'report.html']) expect(existsSync(path.join(dir, f))).toBe(true);
    const csv = readFileSync(path.join(dir, 'forecast.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('item,timestamp,mean,p10,p50,p90');
    expect(csv.filter((l) => l !== '')).toHaveLength(1 + 8 * 4);
    const f = loadForecaster(path.join(dir, 'model'));
    const { frame } = await readTable(path.join(FIXTURES, 'macro_panel.csv'));
    const again = f.predict(frame);
    for (const [i, it] of again.items.entries()) for (let k = 0; k < 4; k++) expect(it.mean[k]).toBeCloseTo(macro.output.items[i].mean[k], 6);
    // History four quarters shorter: the forecast starts four quarters earlier.
    const cutoff = Date.UTC(2008, 9, 1);
    const dates = frame.column('quarter_start');
    const keep = Array.from({ length: frame.numRows }, (_, i) => ((dates as { values: Float64Array }).values[i] < cutoff ? 1 : 0));
    const earlier = f.predict(frame.filter(keep));
    expect(new Date(earlier.items[0].timestamps[0]).toISOString().slice(0, 10)).toBe('2008-10-01');
  });

  it('gives short items the fallback forecaster with a warning naming them', async () => {
    const long = Array.from({ length: 60 }, (_, t) => 50 + 5 * Math.sin((2 * Math.PI * t) / 12) + t * 0.1);
    const job = await forecast({ data: panelFrame({ long, long2: long.map((v) => v * 2), tiny: [5, 6, 7, 6, 5] }), timestamp: 'month', target: 'y', itemId: 'item', horizon: 3, candidates: ['naive', 'seasonal_naive', 'ets'] });
    const tiny = job.output.items.find((f) => f.item === 'tiny')!;
    expect(tiny.fallback).toBe(true);
    expect(Array.from(tiny.mean)).toEqual([5, 5, 5]);
    expect(job.warnings.join('\n')).toMatch(/"tiny" \(5\)/);
  });

  it('respects --max-runtime: later candidates are stopped, the job still ends with a forecast', async () => {
    const t0 = Date.now();
    const job = await forecast({ data: path.join(FIXTURES, 'elnino_monthly.csv'), timestamp: 'month', target: 'temperature', horizon: 12, maxRuntime: 0.05 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(job.leaderboard.some((r) => r.status === 'Stopped')).toBe(true);
    expect(job.output.items[0].mean).toHaveLength(12);
  });

  it('refuses bad settings with one TabpilotError', async () => {
    const data = path.join(FIXTURES, 'nile.csv');
    await expect(forecast({ data, timestamp: 'year', target: 'volume', horizon: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(forecast({ data, timestamp: 'year', target: 'flow', horizon: 3 })).rejects.toMatchObject({ code: 'UNKNOWN_COLUMN', column: 'flow' });
    await expect(forecast({ data, timestamp: 'year', target: 'volume', horizon: 3, quantiles: [0.5, 1.2] })).rejects.toBeInstanceOf(TabpilotError);
  });

  it('renders a self-contained report that Chromium loads without errors', (ctx) => {
    const html = renderForecastHtml(macro);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect((html.match(/data-chart="forecast"/g) ?? []).length).toBe(8);
    expect((html.match(/class="band"/g) ?? []).length).toBe(8);
    if (!existsSync(CHROMIUM)) {
      ctx.skip(`chromium not installed at ${CHROMIUM}`);
      return;
    }
    const dir = path.join(tmp, 'report');
    const page = path.join(tmp, 'report.html');
    writeFileSync(page, html);
    const profile = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-chromium-'));
    try {
      const base = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
      const dom = spawnSync(CHROMIUM, [...base, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
      expect(dom.status).toBe(0);
      expect(dom.stderr.split('\n').filter((l) => /:CONSOLE|Refused to|Failed to load|Uncaught/.test(l))).toEqual([]);
      expect((dom.stdout.match(/<svg class="chart"/g) ?? []).length).toBe(8);
      expect(dom.stdout).toContain('class="leaderboard"');
    } finally {
      rmSync(profile, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tabpilot forecast (CLI)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'forecast', ...args], { encoding: 'utf8', timeout: 120_000 });
  it('writes the output directory and exits 0; bad input exits 2 with one line', (ctx) => {
    if (!existsSync(CLI)) {
      ctx.skip('dist/ not built (npm run build)');
      return;
    }
    const out = path.join(tmp, 'cli-out');
    const ok = run(path.join(FIXTURES, 'nile.csv'), '--timestamp', 'year', '--target', 'volume', '--horizon', '5', '--candidates', 'naive,theta,arima', '--out', out);
    expect(ok.stderr).not.toMatch(/internal error/);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/frequency Y/);
    expect(readFileSync(path.join(out, 'forecast.csv'), 'utf8').split('\n')[1]).toMatch(/^series,1971-01-01T00:00:00.000Z,/);
    const bad = run(path.join(FIXTURES, 'nile.csv'), '--timestamp', 'year', '--target', 'volume', '--horizon', '0', '--out', path.join(tmp, 'x'));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/horizon/);
  });
});
