import type { Frame } from '../frame/frame.js';
import type { RecordRow } from '../frame/records.js';
import type { LearnerParams } from '../models/registry.js';
import type { HyperValue, Task } from '../models/types.js';
import type { Pipeline } from './pipeline.js';
import { runTrainingJob } from './training-job.js';
import { Frame as FrameClass } from '../frame/frame.js';

/** `train()`'s options: one algorithm with typed hyperparameters (`train({ algorithm: 'gbdt', hyperparameters: { numRounds: 300 } })`). */
export type TrainOptions = {
  [K in keyof LearnerParams]: {
    /** A Frame, or plain records (`Frame.fromRecords`). */
    readonly data: Frame | readonly RecordRow[];
    readonly target: string;
    readonly algorithm: K;
    readonly hyperparameters?: Partial<LearnerParams[K]>;
    readonly task?: Task;
    readonly ignore?: readonly string[];
    readonly seed?: number;
    readonly validation?: Frame;
    /** Seconds; the fit stops early (as trained so far) when it runs out. */
    readonly timeLimit?: number;
  };
}[keyof LearnerParams];

/**
 * Trains one model and returns its Pipeline (what `tabpilot train` does, without writing files):
 * `const pipeline = await train({ data, target: 'price', algorithm: 'gbdt' }); pipeline.predictRecords([...])`.
 */
export async function train(options: TrainOptions): Promise<Pipeline> {
  const data = options.data instanceof FrameClass ? options.data : FrameClass.fromRecords(options.data as readonly RecordRow[]);
  const job = await runTrainingJob({
    data,
    target: options.target,
    algorithm: options.algorithm,
    hyperparameters: options.hyperparameters as Record<string, HyperValue> | undefined,
    task: options.task,
    ignore: options.ignore,
    seed: options.seed,
    validation: options.validation,
    timeLimit: options.timeLimit,
  });
  return job.pipeline;
}
