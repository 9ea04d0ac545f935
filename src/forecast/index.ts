/** Time-series forecasting (Autopilot's forecasting problem type, spec B.6): library entry of src/forecast. */
export { forecast, minTrainPoints, MAX_HORIZON, DEFAULT_QUANTILES, DEFAULT_WINDOWS, type ForecastOptions, type ForecastJob, type LeaderboardRow } from './forecast.js';
export { Forecaster, loadForecaster, forecastFrame, quantileColumn, CANDIDATES as FORECAST_CANDIDATES, FORECASTER_FORMAT, type ForecasterJSON, type ForecastOutput, type ItemForecast } from './forecaster.js';
export { saveForecastJob, leaderboardCsv, OUTPUT_FILES as FORECAST_OUTPUT_FILES } from './output.js';
export { renderForecastHtml } from './report.js';
export { buildPanel, fillGaps, AGGREGATIONS, type Aggregation, type Panel, type PanelOptions, type SeriesItem } from './panel.js';
export { inferFrequency, parseFrequency, formatFrequency, seasonalPeriod, gridTime, type Frequency, type FrequencyUnit } from './frequency.js';
export { FORECAST_METRICS, MetricAccumulator, maseScale, type ForecastMetric, type MetricValues } from './metrics.js';
export { planBacktests, backtestCandidate, scoreForecasts, nonNegative, type BacktestPlan, type BacktestResult } from './backtest.js';
export type { Candidate, FittedCandidate, SeriesInput, PathForecast, FitSettings } from './candidate.js';
export { fitEts, etsForecast, type EtsParams } from './local/ets.js';
export { fitTheta, thetaForecast, type ThetaParams } from './local/theta.js';
export { fitArima, arimaForecast, type ArimaParams } from './local/arima.js';
export { nelderMead, normalQuantile } from './optimize.js';
