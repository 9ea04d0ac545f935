import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_QUANTILES, DEFAULT_WINDOWS, type ForecastJob, forecast, minTrainPoints, nonNegative, planBacktests, scoreForecasts } from '../../src/forecast/index.js';
import { readTable } from '../../src/io/index.js';
import { type BenchRow, type BenchSuite, PROJECT_ROOT } from '../harness.js';

/**
 * `npm run bench -- forecast [--no-peers]`
 *
 * Forecasting on four statsmodels datasets (fixtures/forecast/): tabpilot's forecast() with its defaults
 * (all candidates, 3 backtest windows, wQL objective, ensemble), scored on its backtests, against seasonal
 * naive (same backtests, from the leaderboard) and statsmodels' ETSModel auto-selected by AICc over the same
 * configurations, fitted in a python3 child on exactly the same backtest histories and scored by the same code.
 * Targets: the chosen model beats seasonal naive's MASE on every set, and matches (within 2%) or beats the
 * statsmodels ETS MASE.
 */
interface DataSet {
  readonly name: string;
  readonly file: string;
  readonly timestamp: string;
  readonly target: string;
  readonly itemId?: string;
  readonly horizon: number;
}

const SETS: readonly DataSet[] = [
  { name: 'co2 (monthly)', file: 'co2_monthly.csv', timestamp: 'month', target: 'co2', horizon: 12 },
  { name: 'elnino (monthly)', file: 'elnino_monthly.csv', timestamp: 'month', target: 'temperature', horizon: 12 },
  { name: 'nile (annual)', file: 'nile.csv', timestamp: 'year', target: 'volume', horizon: 5 },
  { name: 'macro panel (quarterly, 8 items)', file: 'macro_panel.csv', timestamp: 'quarter_start', target: 'value', itemId: 'series', horizon: 8 },
];
const FIXTURES = path.join(PROJECT_ROOT, 'fixtures', 'forecast');
const PEER_SCRIPT = path.join(PROJECT_ROOT, 'bench', 'suites', 'forecast-peers.py');
/** Debian's python3-statsmodels is installed for the system interpreter. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
/** "Match" = at most this much worse than the peer (relative MASE). */
const MATCH_TOLERANCE = 0.02;

function statsmodelsAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import statsmodels.tsa.exponential_smoothing.ets'], { encoding: 'utf8' }).status === 0;
}

/** statsmodels ETS on the job's backtest windows, scored with tabpilot's metric code. */
function peerScores(job: ForecastJob, d: DataSet, tmp: string, notes: string[]): { mase: number; wql: number; seconds: number } | null {
  const panel = job.panel;
  const plan = planBacktests(panel.items, d.horizon, DEFAULT_WINDOWS, minTrainPoints(panel.period));
  const items = panel.items.map((s, i) => ({ y: Array.from(s.y), windows: plan.windows.flatMap((w) => w.items.filter((m) => m.item === i).map((m) => ({ window: w.window, cut: m.cut }))) }));
  const spec = path.join(tmp, `${d.file}.json`);
  writeFileSync(spec, JSON.stringify({ period: panel.period, horizon: d.horizon, quantiles: job.quantiles, items }));
  const r = spawnSync(PYTHON, [PEER_SCRIPT, spec], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    notes.push(`${d.name}: statsmodels peer failed: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
    return null;
  }
  const out = JSON.parse(r.stdout) as { forecasts: { item: number; window: number; mean: number[]; quantiles: number[][] }[]; seconds: number };
  const forecasts = out.forecasts.map((f) => {
    const cut = panel.items[f.item].y.length - f.window * d.horizon;
    const clip = nonNegative(panel.items[f.item].y.subarray(0, cut));
    return { item: f.item, window: f.window, mean: Float64Array.from(f.mean), quantiles: f.quantiles.map((q) => Float64Array.from(q, (v) => (clip ? Math.max(0, v) : v))) };
  });
  const m = scoreForecasts(panel.items, forecasts, d.horizon, panel.period, job.quantiles);
  return { mase: m.mase, wql: m.wql, seconds: out.seconds };
}

export const suite: BenchSuite = {
  description: 'forecast() on 4 statsmodels datasets vs seasonal naive and statsmodels ETS (same backtests)',
  async run(args) {
    const peers = !args.includes('--no-peers') && statsmodelsAvailable();
    const notes: string[] = [];
    if (!peers) notes.push(`statsmodels not importable by ${PYTHON} (or --no-peers): the ETS peer is skipped`);
    notes.push(`backtests: ${DEFAULT_WINDOWS} windows of horizon length at the end of each series; MASE = MAE over the in-sample seasonal-naive MAE, mean over item windows; wQL = mean weighted quantile loss at ${DEFAULT_QUANTILES.join(', ')}`);
    notes.push('statsmodels peer: ETSModel(error=add), trend N/A/Ad x season N/A/M chosen by AICc per window, quantiles from its prediction intervals (clipped at 0 for non-negative series, as ours)');
    const rows: BenchRow[] = [];
    const tmp = mkdtempSync(path.join(tmpdir(), 'tabpilot-bench-forecast-'));
    try {
      for (const d of SETS) {
        const { frame } = await readTable(path.join(FIXTURES, d.file));
        const job = await forecast({ data: frame, timestamp: d.timestamp, target: d.target, itemId: d.itemId, horizon: d.horizon });
        const best = job.leaderboard[0];
        const snaive = job.leaderboard.find((r) => r.candidate === 'seasonal_naive')!;
        const ets = job.leaderboard.find((r) => r.candidate === 'ets');
        const peer = peers ? peerScores(job, d, tmp, notes) : null;
        const beatsSnaive = best.metrics!.mase < snaive.metrics!.mase;
        const matchesPeer = peer === null ? null : best.metrics!.mase <= peer.mase * (1 + MATCH_TOLERANCE);
        process.stderr.write(`  ${d.name}: ${best.candidate} MASE ${best.metrics!.mase.toPrecision(4)}, seasonal naive ${snaive.metrics!.mase.toPrecision(4)}, statsmodels ETS ${peer?.mase.toPrecision(4) ?? '-'}\n`);
        rows.push({
          dataset: d.name,
          items: job.panel.items.length,
          points: job.panel.items.reduce((s, it) => s + it.y.length, 0),
          horizon: d.horizon,
          best: best.candidate,
          mase_best: best.metrics!.mase,
          mase_snaive: snaive.metrics!.mase,
          mase_our_ets: ets?.metrics?.mase ?? null,
          mase_sm_ets: peer?.mase ?? null,
          wql_best: best.metrics!.wql,
          wql_sm_ets: peer?.wql ?? null,
          seconds: Math.round(job.seconds * 10) / 10,
          sm_seconds: peer ? Math.round(peer.seconds * 10) / 10 : null,
          'target: MASE < seasonal naive': beatsSnaive ? 'met' : 'not met',
          'target: MASE <= statsmodels ETS (2%)': matchesPeer === null ? 'skipped' : matchesPeer ? 'met' : 'not met',
        });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return { suite: 'forecast', rows, notes };
  },
};
