import type { FeatureSchema } from '../frame/align.js';
import type { Frame } from '../frame/frame.js';
import type { Task } from '../models/types.js';
import type { ContributionSource, Contributions } from '../explain/types.js';

export type { ContributionSource, Contributions };

/**
 * What the endpoint needs from a loaded model. `Pipeline` (src/models/artifact.ts) satisfies it through
 * `predictorFromPipeline`; the shapes match its `PredictionResult`.
 */
export interface Predictions {
  readonly task: Task;
  readonly classes?: readonly string[];
  /** Classification: index into classes of the predicted class. */
  readonly labelIndex?: Int32Array;
  /** Classification: row-major n x k probabilities. */
  readonly probabilities?: Float64Array;
  /** Regression: predicted values. */
  readonly prediction?: Float64Array;
}

export interface Predictor {
  readonly task: Task;
  readonly classes?: readonly string[];
  /** Raw input columns in training order (what a CSV row holds). */
  readonly features: readonly FeatureSchema[];
  predict(frame: Frame): Predictions;
}

