/**
 * The model pipeline: a fitted learner with its feature schema and optional row-wise Data Wrangler steps,
 * persisted as a model directory; training one model; batch transform.
 */
export { Pipeline, predictionFrame, validateArtifact, MODEL_FILE, type ModelArtifact, type PredictionResult, type TrainingMetadata, type PredictionRecord } from './pipeline.js';
export { runTrainingJob, TRAINABLE_ALGORITHMS, type TrainingJobOptions, type TrainingJobResult } from './training-job.js';
export { batchTransform, type BatchTransformOptions, type BatchTransformSummary } from './batch-transform.js';
export { applyModelFlow, trainingDataFromFlow, parseFlowParams, type ModelFlow, type FlowTrainingData } from './model-flow.js';
export { pipelineWithFlow } from './train-flow.js';
export { train, type TrainOptions } from './train.js';
