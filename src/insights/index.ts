export { insights, DEFAULT_SAMPLE_ROWS, type InsightsOptions, type InsightsReport, type FeatureReport, type TargetReport, type SampleRow } from './report.js';
export { renderInsightsHtml } from './html.js';
export { CATALOG, CATALOG_BY_ID, THRESHOLDS, type CatalogEntry, type Severity, type WarningId } from './catalog.js';
export type { Warning } from './warnings.js';
export { columnStats, type ColumnStats, type FeatureType, type Histogram } from './stats.js';
export { findDuplicates, type DuplicateSummary } from './duplicates.js';
export { isolationForestScores } from './isolation-forest.js';
export { quickModel, type QuickModelResult, type QuickModelOptions } from './quick-model.js';
export { predictionPower, crossValidatedPower, encodeFeature } from './power.js';
