import path from 'node:path';
import { Pipeline } from './pipeline.js';
import { type FlowTrainingData, modelFlow, rawFeatureSchema } from './model-flow.js';

/**
 * Re-wraps a pipeline trained on a flow's output so it takes raw rows: the raw schema becomes the model's
 * input features and the flow's row-wise steps (plus the learner's schema) its `flow`.
 */
export function pipelineWithFlow(pipeline: Pipeline, data: FlowTrainingData, target: string, ignore: readonly string[], file: string): Pipeline {
  const a = pipeline.artifact;
  return Pipeline.fromModel(pipeline.model, {
    target,
    features: rawFeatureSchema(data, target, ignore),
    flow: modelFlow(data, a.features, file),
    decisionThreshold: a.decisionThreshold,
    training: { ...a.training, flow: { file: path.resolve(file), target: data.targetNode, steps: data.inference.steps.map((s) => s.node_id) } },
  });
}
