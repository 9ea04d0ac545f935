import { schemaOf } from '../frame/align.js';
import { type Column, isMissing } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { alignToSchema } from '../frame/align.js';
import { inferProblemType } from '../models/problem-type.js';
import { computeMetrics } from '../metrics/index.js';
import { TabpilotError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { Pipeline, type TrainingMetadata } from './pipeline.js';
import { encodeTarget } from '../models/preprocess/target.js';
import { getLearnerSpec, trainableKinds } from '../models/registry.js';
import type { FitContext, HyperValue, ProgressEvent, Task } from '../models/types.js';

/** The built-in algorithms a training job can run (SageMaker built-in algorithm style). */
export const TRAINABLE_ALGORITHMS: readonly string[] = trainableKinds();

export interface TrainingJobOptions {
  readonly data: Frame;
  readonly target: string;
  readonly algorithm: string;
  readonly hyperparameters?: Record<string, HyperValue>;
  readonly validation?: Frame;
  readonly seed?: number;
  /** Overrides problem-type inference. */
  readonly task?: Task;
  /** Columns to leave out of the features (IDs and the like). */
  readonly ignore?: readonly string[];
  /** Seconds; the learner stops adding rounds/epochs after this. */
  readonly timeLimit?: number;
  readonly sourceFile?: string;
  readonly onProgress?: (e: ProgressEvent) => void;
}

export interface TrainingJobResult {
  readonly pipeline: Pipeline;
  readonly task: Task;
  readonly taskReason: string;
  readonly droppedMissingTarget: number;
  readonly fitSeconds: number;
  /** Metrics on the validation file, when one was given. */
  readonly validationMetrics?: Record<string, number>;
}

function rowsWithTarget(target: Column): Int32Array {
  const keep: number[] = [];
  for (let i = 0; i < target.length; i++) {
    if (isMissing(target, i) || (target.kind === 'numeric' && !Number.isFinite(target.values[i]))) continue;
    keep.push(i);
  }
  return Int32Array.from(keep);
}

/**
 * One training job: infer (or take) the problem type, drop rows whose target is missing (counted and
 * reported, as Autopilot does), fit the algorithm with its defaults overridden by `hyperparameters`, and wrap
 * the model in a Pipeline whose artifact records the raw input schema and the training metadata.
 */
export async function runTrainingJob(options: TrainingJobOptions): Promise<TrainingJobResult> {
  const { data, target } = options;
  if (!TRAINABLE_ALGORITHMS.includes(options.algorithm)) {
    throw new TabpilotError('INVALID_ARGUMENT', `unknown algorithm "${options.algorithm}"; choose one of ${TRAINABLE_ALGORITHMS.join(', ')}`);
  }
  if (!data.has(target)) {
    throw new TabpilotError('UNKNOWN_COLUMN', `target column "${target}" is not in the data; columns are: ${data.columnNames.join(', ')}`, { file: options.sourceFile, column: target });
  }
  for (const c of options.ignore ?? []) {
    if (!data.has(c)) throw new TabpilotError('UNKNOWN_COLUMN', `ignored column "${c}" is not in the data`, { file: options.sourceFile, column: c });
    if (c === target) throw new TabpilotError('INVALID_ARGUMENT', 'the target column cannot be ignored', { column: c });
  }
  const spec = getLearnerSpec(options.algorithm);
  const learner = spec.create(options.hyperparameters ?? {});
  const inference = options.task ? { task: options.task, reason: 'given with --problem-type' } : inferProblemType(data.column(target));
  const task = inference.task;
  if (!spec.tags.tasks.includes(task)) throw new TabpilotError('INVALID_ARGUMENT', `${options.algorithm} does not support ${task}`);

  const ignored = new Set([target, ...(options.ignore ?? [])]);
  const featureNames = data.columnNames.filter((c) => !ignored.has(c));
  if (featureNames.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'no feature columns left besides the target');
  const keep = rowsWithTarget(data.column(target));
  const dropped = data.numRows - keep.length;
  const train = (dropped > 0 ? data.take(keep) : data).select([...featureNames, target]);
  if (train.numRows === 0) throw new TabpilotError('INVALID_TARGET', 'every row has a missing target', { column: target });
  const targetColumn = train.column(target);
  const classes = task === 'regression' ? undefined : encodeTarget(targetColumn, task).classes;
  const features = schemaOf(train, featureNames);

  let validation: FitContext['validation'];
  let validationTarget: Column | undefined;
  let validationFeatures: Frame | undefined;
  if (options.validation) {
    if (!options.validation.has(target)) throw new TabpilotError('UNKNOWN_COLUMN', `the validation data has no target column "${target}"`, { column: target });
    const vKeep = rowsWithTarget(options.validation.column(target));
    const v = options.validation.take(vKeep);
    validationFeatures = alignToSchema(v, features).frame;
    validationTarget = v.column(target);
    validation = { data: validationFeatures.withColumn(validationTarget), target: validationTarget };
  }

  const seed = options.seed ?? 0;
  const ctx: FitContext = {
    task,
    rng: new Random(seed),
    ...(classes ? { classes } : {}),
    ...(validation ? { validation } : {}),
    ...(options.timeLimit !== undefined ? { deadline: Date.now() + options.timeLimit * 1000 } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const t0 = performance.now();
  const model = await learner.fit(train, targetColumn, ctx);
  const fitSeconds = (performance.now() - t0) / 1000;

  const modelJson = model.toJSON() as Record<string, unknown>;
  const training: TrainingMetadata = {
    algorithm: options.algorithm,
    hyperparameters: { ...learner.params },
    seed,
    trainedAt: new Date().toISOString(),
    trainRows: train.numRows,
    droppedMissingTarget: dropped,
    validationRows: validationFeatures?.numRows ?? 0,
    fitSeconds,
    problemTypeReason: inference.reason,
    ...(options.sourceFile ? { sourceFile: options.sourceFile } : {}),
    ...(modelJson.training && typeof modelJson.training === 'object' ? { learner: modelJson.training } : {}),
  };
  let pipeline = Pipeline.fromModel(model, { target, features, training });

  let validationMetrics: Record<string, number> | undefined;
  if (validationFeatures && validationTarget) {
    const result = pipeline.predict(validationFeatures);
    if (task === 'regression') {
      const y = encodeTarget(validationTarget, task).y;
      validationMetrics = computeMetrics(task, y, { prediction: result.prediction }) as Record<string, number>;
    } else {
      const y = encodeTarget(validationTarget, task, classes).classIndex!;
      validationMetrics = computeMetrics(task, y, { probabilities: result.probabilities, labelIndex: result.labelIndex }, { numClasses: classes!.length }) as Record<string, number>;
    }
  }
  if (validationMetrics) pipeline = Pipeline.fromModel(model, { target, features, training: { ...training, validationMetrics } });
  return { pipeline, task, taskReason: inference.reason, droppedMissingTarget: dropped, fitSeconds, ...(validationMetrics ? { validationMetrics } : {}) };
}
