import { readTable } from '../../io/index.js';
import { AGGREGATIONS, type Aggregation, FORECAST_METRICS, type ForecastMetric, FORECAST_OUTPUT_FILES, forecast, saveForecastJob } from '../../forecast/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';

export const help = `Usage: tabpilot forecast FILE --timestamp COL --target COL --horizon H --out DIR [options]

Time-series forecasting (Autopilot's forecasting problem type): builds a regular series per item,
backtests naive, seasonal naive, Theta, ETS, ARIMA and a global gradient-boosting model over rolling
windows at the end of every series, ensembles the best on the backtests, refits, and forecasts H periods.

Options:
  --timestamp COL          date/time column (required)
  --target COL             numeric column to forecast (required)
  --item-id COL            item identifier column (default: one series)
  --horizon H              periods to forecast, 1..500 (required)
  --frequency F            15min, H, D, W, M, Q, Y (default: inferred from the timestamps)
  --quantiles LIST         forecast quantiles (default 0.1,0.5,0.9)
  --covariates COLS        numeric columns known ahead (used by the global model); rows after an item's
                           last target value give their future values
  --season-length N        points per season (default from the frequency: 24 H, 7 D, 52 W, 12 M, 4 Q)
  --aggregate HOW          combine rows of one item in one period: ${AGGREGATIONS.join('|')} (default mean)
  --backtest-windows N     backtest windows of H periods at the end of each series (default 3)
  --metric M               objective: ${FORECAST_METRICS.join('|')} (default wql)
  --candidates LIST        candidates to try (default all)
  --no-ensemble            keep the single best candidate
  --max-runtime SEC        stop backtesting further candidates after SEC seconds
  --seed N                 random seed (default 0)
  --out DIR                output directory (required): ${Object.values(FORECAST_OUTPUT_FILES).join(', ')}
  --overwrite              replace a non-empty output directory
  -h, --help               show this help

Gaps inside a series are filled by linear interpolation (never scored); several rows of one item in one
period are combined with --aggregate. Items shorter than two seasons get the seasonal naive forecast.
A saved model forecasts again from new history with loadForecaster('DIR/model').predict(history).`;

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      timestamp: { type: 'string' },
      target: { type: 'string' },
      'item-id': { type: 'string' },
      horizon: { type: 'string' },
      frequency: { type: 'string' },
      quantiles: { type: 'string' },
      covariates: { type: 'string' },
      'season-length': { type: 'string' },
      aggregate: { type: 'string' },
      'backtest-windows': { type: 'string' },
      metric: { type: 'string' },
      candidates: { type: 'string' },
      'no-ensemble': { type: 'boolean' },
      'max-runtime': { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      overwrite: { type: 'boolean' },
    },
    'forecast',
  );
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'forecast: expected one data FILE (see tabpilot forecast --help)');
  const file = positionals[0];
  for (const flag of ['timestamp', 'target', 'horizon', 'out'] as const) {
    if (values[flag] === undefined) throw new TabpilotError('INVALID_ARGUMENT', `forecast: --${flag} is required`);
  }
  const aggregation = values.aggregate as string | undefined;
  if (aggregation !== undefined && !AGGREGATIONS.includes(aggregation as Aggregation)) throw new TabpilotError('INVALID_ARGUMENT', `--aggregate must be one of ${AGGREGATIONS.join(', ')}, got "${aggregation}"`);
  const metric = values.metric as string | undefined;
  if (metric !== undefined && !FORECAST_METRICS.includes(metric as ForecastMetric)) throw new TabpilotError('INVALID_ARGUMENT', `--metric must be one of ${FORECAST_METRICS.join(', ')}, got "${metric}"`);
  const quantiles = list(values.quantiles as string | undefined)?.map((q) => requireNumber(q, '--quantiles'));
  const out = checkOutputPath(values.out as string, { kind: 'directory', overwrite: values.overwrite === true, inputs: [file] });
  const { frame, report } = await readTable(file);
  for (const w of report.warnings) console.error(`warning: ${w}`);
  const job = await forecast({
    data: frame,
    timestamp: values.timestamp as string,
    target: values.target as string,
    itemId: values['item-id'] as string | undefined,
    horizon: requireNumber(values.horizon as string, '--horizon'),
    frequency: values.frequency as string | undefined,
    quantiles,
    covariates: list(values.covariates as string | undefined),
    seasonLength: values['season-length'] !== undefined ? requireNumber(values['season-length'] as string, '--season-length') : undefined,
    aggregation: aggregation as Aggregation | undefined,
    backtestWindows: values['backtest-windows'] !== undefined ? requireNumber(values['backtest-windows'] as string, '--backtest-windows') : undefined,
    metric: metric as ForecastMetric | undefined,
    candidates: list(values.candidates as string | undefined),
    ensemble: values['no-ensemble'] !== true,
    maxRuntime: values['max-runtime'] !== undefined ? requireNumber(values['max-runtime'] as string, '--max-runtime') : undefined,
    seed: requireNumber(values.seed as string | undefined, '--seed', 0),
    onProgress: (m) => console.error(`  ${m}`),
  });
  for (const w of job.warnings) console.error(`warning: ${w}`);
  await saveForecastJob(job, out);
  console.log(`${job.panel.items.length} item(s), frequency ${job.forecaster.spec.frequency}, season length ${job.panel.period}; best: ${job.best} (${job.metric} on backtests)`);
  console.table(
    job.leaderboard.map((r) => ({
      candidate: r.candidate,
      status: r.status,
      ...Object.fromEntries(FORECAST_METRICS.map((m) => [m, r.metrics ? Number(r.metrics[m].toPrecision(4)) : null])),
      seconds: Number(r.seconds.toFixed(2)),
    })),
  );
  console.log(`wrote ${out} (${job.seconds.toFixed(1)} s)`);
  return 0;
}
