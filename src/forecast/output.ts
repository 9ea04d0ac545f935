import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeCsv } from '../io/index.js';
import { replaceDirectory } from '../util/output.js';
import type { ForecastJob } from './forecast.js';
import { forecastFrame } from './forecaster.js';
import { FORECAST_METRICS } from './metrics.js';
import { renderForecastHtml } from './report.js';

/**
 * The output directory of a forecasting job, written whole (temp directory, then rename):
 *   forecast.csv       item, timestamp, mean, p10, p50, p90 (one row per item and future period)
 *   leaderboard.csv    candidate, status, every backtest metric, wQL per quantile, seconds
 *   leaderboard.json   the same with ensemble weights and failures
 *   model/model.json   the forecaster (loadForecaster('DIR/model'))
 *   report.html        leaderboard and per-item history with forecast bands
 */
export const OUTPUT_FILES = { forecast: 'forecast.csv', leaderboard: 'leaderboard.csv', leaderboardJson: 'leaderboard.json', model: 'model', report: 'report.html' } as const;

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function leaderboardCsv(job: ForecastJob): string {
  const header = ['candidate', 'status', ...FORECAST_METRICS, ...job.quantiles.map((q) => `wql_${q}`), 'seconds', 'windows', 'weights'];
  const lines = job.leaderboard.map((r) =>
    [
      r.candidate,
      r.status,
      ...FORECAST_METRICS.map((m) => r.metrics?.[m] ?? null),
      ...job.quantiles.map((_, j) => r.metrics?.wqlByQuantile[j] ?? null),
      r.seconds,
      r.windows,
      r.members ? r.members.map((m) => `${m.candidate}:${m.weight}`).join(' ') : '',
    ]
      .map(csvCell)
      .join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

export async function saveForecastJob(job: ForecastJob, dir: string): Promise<string> {
  await replaceDirectory(dir, async (tmp) => {
    writeCsv(forecastFrame(job.output), path.join(tmp, OUTPUT_FILES.forecast));
    writeFileSync(path.join(tmp, OUTPUT_FILES.leaderboard), leaderboardCsv(job));
    writeFileSync(path.join(tmp, OUTPUT_FILES.leaderboardJson), JSON.stringify({ metric: job.metric, best: job.best, leaderboard: job.leaderboard }, null, 2) + '\n');
    job.forecaster.save(path.join(tmp, OUTPUT_FILES.model));
    writeFileSync(path.join(tmp, OUTPUT_FILES.report), renderForecastHtml(job));
  });
  return path.resolve(dir);
}
