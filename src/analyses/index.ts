import type { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { biasAnalysis } from './bias.js';
import { histogramAnalysis, scatterAnalysis } from './charts.js';
import type { AnalysisParams, AnalysisResult } from './common.js';
import { correlationAnalysis } from './correlation.js';
import { quickModelAnalysis, targetLeakageAnalysis } from './models.js';
import { multicollinearityAnalysis } from './multicollinearity.js';
import { duplicatesAnalysis, tableSummaryAnalysis } from './tables.js';
import { seasonalTrendAnalysis, timeSeriesAnomalyAnalysis } from './time-series.js';
import { insights } from '../insights/report.js';
import { renderInsightsHtml } from '../insights/html.js';
import type { Task } from '../models/types.js';
import { numberParam } from './common.js';

export type { AnalysisParams, AnalysisResult } from './common.js';
export { stl, detectPeriod } from './time-series.js';
export { cramersV, pearsonPairwise, spearmanPairwise } from './correlation.js';
export { BIAS_METRICS } from './bias.js';
export { VIF_CLIP } from './multicollinearity.js';

export interface AnalysisInfo {
  readonly name: string;
  readonly description: string;
  /** Parameter names (camelCase in the library and flows; kebab-case flags on the CLI). */
  readonly params: readonly string[];
  readonly required: readonly string[];
  readonly run: (frame: Frame, params: AnalysisParams) => AnalysisResult | Promise<AnalysisResult>;
}

/** Every built-in analysis (spec A.2), by name. */
export const ANALYSES: readonly AnalysisInfo[] = [
  { name: 'histogram', description: 'Histogram of a column, colored by and faceted by other columns', params: ['column', 'colorBy', 'facetBy', 'bins'], required: ['column'], run: histogramAnalysis },
  { name: 'scatter', description: 'Scatter plot of two numeric columns', params: ['x', 'y', 'colorBy', 'facetBy', 'maxPoints', 'seed'], required: ['x', 'y'], run: scatterAnalysis },
  { name: 'table-summary', description: 'count/min/max/mean/stddev per column (least/most frequent for non-numeric)', params: [], required: [], run: tableSummaryAnalysis },
  { name: 'quick-model', description: 'Gradient boosting on 70%, scored on 30% (F1 or MSE), feature importance', params: ['target', 'problemType', 'seed'], required: ['target'], run: quickModelAnalysis },
  {
    name: 'target-leakage',
    description: 'Each feature alone, cross-validated on ~1000 rows (ROC-AUC or R²)',
    params: ['target', 'problemType', 'maxFeatures', 'sampleSize', 'seed'],
    required: ['target'],
    run: targetLeakageAnalysis,
  },
  {
    name: 'multicollinearity',
    description: 'Variance inflation factors (clipped at 50), PCA singular values, Lasso coefficients',
    params: ['columns', 'target', 'problemType', 'lassoAlpha', 'seed'],
    required: [],
    run: multicollinearityAnalysis,
  },
  { name: 'correlation', description: "Pearson and Spearman (numeric), Cramér's V (categorical)", params: ['columns'], required: [], run: correlationAnalysis },
  { name: 'duplicates', description: 'Duplicate-row ratio and the most repeated rows', params: ['maxRows'], required: [], run: duplicatesAnalysis },
  {
    name: 'bias',
    description: 'Clarify pre-training bias metrics: CI, DPL, KL, JS, LP, TVD, KS, CDDL',
    params: ['label', 'labelValues', 'labelThreshold', 'facet', 'facetValues', 'facetThreshold', 'group', 'metrics', 'p'],
    required: ['label', 'facet'],
    run: biasAnalysis,
  },
  { name: 'seasonal-trend', description: 'STL seasonal-trend decomposition of a time series', params: ['value', 'time', 'period', 'seasonal', 'robust'], required: ['value'], run: seasonalTrendAnalysis },
  {
    name: 'insights',
    description: 'The full Data Quality and Insights report (JSON in data, the HTML page in html)',
    params: ['target', 'problemType', 'sample', 'seed', 'workers'],
    required: [],
    run: async (frame, params) => {
      const sample = params.sample === 'all' ? 'all' : numberParam(params, 'sample', 50_000, (v) => Number.isInteger(v) && v > 0);
      const report = await insights(frame, {
        target: typeof params.target === 'string' && params.target !== '' ? params.target : undefined,
        problemType: (params.problemType as Task | undefined) || undefined,
        sample,
        seed: numberParam(params, 'seed', 0),
        ...(params.workers !== undefined ? { workers: numberParam(params, 'workers', 1) } : {}),
      });
      const s = report.summary;
      return {
        analysis: 'insights',
        params,
        data: report,
        html: renderInsightsHtml(report),
        summary: `${report.sampling.method}: ${s.warningCounts.high} high, ${s.warningCounts.medium} medium, ${s.warningCounts.low} low severity warnings; duplicate ratio ${(100 * s.duplicateRatio).toFixed(2)}%.`,
      };
    },
  },
  {
    name: 'time-series-anomalies',
    description: 'Points whose residual from trend + seasonality exceeds threshold standard deviations',
    params: ['value', 'time', 'period', 'threshold'],
    required: ['value'],
    run: timeSeriesAnomalyAnalysis,
  },
];

const ALIASES: Record<string, string> = {
  'scatter-plot': 'scatter',
  'table_summary': 'table-summary',
  describe: 'table-summary',
  'quick_model': 'quick-model',
  'target_leakage': 'target-leakage',
  leakage: 'target-leakage',
  'feature-correlation': 'correlation',
  'duplicate-rows': 'duplicates',
  'bias-report': 'bias',
  stl: 'seasonal-trend',
  'seasonal-trend-decomposition': 'seasonal-trend',
  'anomaly-detection': 'time-series-anomalies',
  'time-series-anomaly-detection': 'time-series-anomalies',
};

/** Flow operator names (Data Wrangler's, as in exported .flow files, and tabpilot's own) mapped to analyses. */
export const FLOW_OPERATORS: Readonly<Record<string, string>> = {
  'sagemaker.visualizations.describe_0.1': 'table-summary',
  'sagemaker.visualizations.data_insights_report_0.1': 'insights',
  ...Object.fromEntries(ANALYSES.map((a) => [`tabpilot.analysis.${a.name}`, a.name])),
};

/** The analysis a flow VISUALIZATION node's operator names, or null when it is not one we know. */
export function analysisForOperator(operator: string): string | null {
  return Object.hasOwn(FLOW_OPERATORS, operator) ? FLOW_OPERATORS[operator] : null;
}

export function analysisInfo(name: string): AnalysisInfo {
  const key = Object.hasOwn(ALIASES, name) ? ALIASES[name] : name;
  const info = ANALYSES.find((a) => a.name === key);
  if (!info) throw new TabpilotError('INVALID_ARGUMENT', `unknown analysis "${name}"; available: ${ANALYSES.map((a) => a.name).join(', ')}`);
  return info;
}

/**
 * Runs one analysis on a frame. This is the entry point for the CLI (`tabpilot analyze`) and for analysis nodes
 * in flows. Unknown parameter names are an error naming the valid ones.
 */
export async function runAnalysis(name: string, frame: Frame, params: AnalysisParams = {}): Promise<AnalysisResult> {
  const info = analysisInfo(name);
  for (const key of Object.keys(params)) {
    if (!info.params.includes(key)) {
      throw new TabpilotError('INVALID_ARGUMENT', `${info.name}: unknown parameter "${key}"; accepted: ${info.params.join(', ') || '(none)'}`);
    }
  }
  for (const key of info.required) {
    if (params[key] === undefined || params[key] === '') throw new TabpilotError('INVALID_ARGUMENT', `${info.name}: parameter "${key}" is required`);
  }
  return info.run(frame, params);
}
