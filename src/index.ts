/**
 * tabpilot's library entry: the headline API of each area. Each area is also importable on its own
 * (`tabpilot/io`, `tabpilot/wrangle`, `tabpilot/insights`, ...; see package.json "exports").
 */
export { TabpilotError, isTabpilotError, type ErrorCode } from './util/errors.js';
export { Random } from './util/random.js';

export {
  Frame,
  type Column,
  type ColumnKind,
  numericColumn,
  categoricalColumn,
  categoricalFromStrings,
  booleanColumn,
  datetimeColumn,
  textColumn,
  alignToSchema,
  schemaOf,
  type FeatureSchema,
  type RecordRow,
  type CellValue,
} from './frame/index.js';
export { frameToArrow, arrowToFrame } from './io/arrow.js';

export { readTable, readCsv, readParquet, readArrow, parseCsvText, streamCsv, writeTable, writeCsv, writeParquet, writeArrow } from './io/index.js';
export type { ReadOptions, ReadReport, ReadResult } from './io/index.js';

export type { Task, Learner, LearnerSpec, FittedModel, FitContext } from './models/types.js';
export { learnerSpecs, getLearnerSpec, modelFromJSON, type LearnerParams, type AnyParams } from './models/registry.js';
export { Pipeline, predictionFrame, type ModelArtifact, type PredictionResult } from './pipeline/pipeline.js';
export { train, type TrainOptions } from './pipeline/train.js';
export { type PredictionRecord } from './pipeline/pipeline.js';
export { runTrainingJob, batchTransform, type TrainingJobOptions, type TrainingJobResult, type BatchTransformOptions } from './pipeline/index.js';

export { autopilot, type AutopilotOptions } from './automl/autopilot.js';
export { AutopilotJob } from './automl/job.js';
export { inferProblemType, detectProblemType, type ProblemTypeDecision, type ProblemTypeInference, type ProblemTypeRefusal } from './models/problem-type.js';
export { computeMetrics, type MetricName } from './metrics/index.js';

export { FlowBuilder, runFlow, loadFlow, saveFlow, validateFlow, applyInferenceSteps, exportFlowModule } from './wrangle/index.js';
export { insights, renderInsightsHtml, type InsightsReport } from './insights/index.js';
export { runAnalysis } from './analyses/index.js';

export { explainPipeline } from './explain/index.js';
export { createInferenceServer, predictorFromPipeline } from './serve/index.js';
export { writeModelReport } from './report/index.js';
export { forecast, loadForecaster, saveForecastJob, forecastFrame, type ForecastOptions, type ForecastJob } from './forecast/index.js';
export { openFeatureStore, FeatureStore, buildDataset, onlineLookup, type FeatureGroupInput, type BuildDatasetOptions } from './features/index.js';
