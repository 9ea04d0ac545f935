import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Predictor, Predictions } from './predictor.js';

export * from './limits.js';
export * from './negotiate.js';
export * from './payload.js';
export * from './predictor.js';
export * from './respond.js';
export * from './server.js';

/** The endpoint's view of a loaded Pipeline: raw features in, predictions out (alignment and flow included). */
export function predictorFromPipeline(pipeline: Pipeline): Predictor {
  return {
    task: pipeline.task,
    classes: pipeline.classes,
    features: pipeline.artifact.features,
    predict: (frame: Frame): Predictions => pipeline.predict(frame),
  };
}
