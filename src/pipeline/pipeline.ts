import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type FeatureSchema, alignToSchema } from '../frame/align.js';
import { applyModelFlow } from './model-flow.js';
import { type Column, categoricalColumn, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import type { RecordRow } from '../frame/records.js';
import { TabpilotError } from '../util/errors.js';
import { argmaxRows } from '../util/numeric.js';
import { tabpilotVersion } from '../util/version.js';
import { arrayAt, classesAt, field, formatError, numberAt, objectAt, oneOfAt, stringArrayAt, stringAt, taskAt } from '../models/model-json.js';
import { CAST_OPERATORS, type FlowNode, resolveStep } from '../wrangle/flow/format.js';
import { modelFromJSON } from '../models/registry.js';
import type { FittedModel, ModelJSON, Task } from '../models/types.js';

/**
 * A model directory holds one file, `model.json`: plain data describing the raw input schema, the optional
 * row-wise wrangle flow, the fitted model and how it was trained. Loading parses JSON and validates it;
 * nothing in it is ever executed.
 */
export const MODEL_DIR_FORMAT = 'tabpilot-model-dir';
export const MODEL_DIR_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';

export interface TrainingMetadata {
  readonly algorithm?: string;
  readonly hyperparameters?: Record<string, unknown>;
  readonly seed?: number;
  readonly trainedAt?: string;
  readonly trainRows?: number;
  readonly validationRows?: number;
  readonly fitSeconds?: number;
  readonly tabpilotVersion?: string;
  readonly [key: string]: unknown;
}

export interface ModelArtifact {
  readonly format: typeof MODEL_DIR_FORMAT;
  readonly formatVersion: number;
  readonly task: Task;
  readonly target: string;
  readonly classes?: readonly string[];
  /** Raw input columns in training order (before `flow`). */
  readonly features: readonly FeatureSchema[];
  /** Row-wise wrangle steps applied after alignment and before the model. */
  readonly flow?: unknown;
  readonly model: ModelJSON;
  readonly training: TrainingMetadata;
  /**
   * Binary only: the predicted label is classes[1] when its probability is at least this, classes[0] otherwise
   * (Autopilot tunes it on out-of-fold predictions for label objectives). Absent: the most probable class.
   */
  readonly decisionThreshold?: number;
}

export interface PredictionResult {
  readonly task: Task;
  readonly classes?: readonly string[];
  /** Classification: index into `classes` of the predicted label. */
  readonly labelIndex?: Int32Array;
  readonly labels?: string[];
  /** Classification: probability of the predicted label. */
  readonly probability?: Float64Array;
  /** Classification: row-major n x k, columns in `classes` order. */
  readonly probabilities?: Float64Array;
  /** Regression: predicted values. */
  readonly prediction?: Float64Array;
  /** Per column: unseen categories / unparseable values that were treated as missing. */
  readonly unseen?: Record<string, number>;
  readonly invalid?: Record<string, number>;
}


const KINDS = ['numeric', 'categorical', 'boolean', 'datetime', 'text'] as const;

/** The raw input schema at `path`: name, kind, and for categoricals an optional string dictionary. */
function featureSchemaAt(v: unknown, path: string): FeatureSchema[] {
  return arrayAt(v, path).map((f, i) => {
    const at = `${path}[${i}]`;
    const o = objectAt(f, at);
    const name = stringAt(field(o, 'name'), `${at}.name`);
    const kind = oneOfAt(field(o, 'kind'), `${at}.kind`, KINDS);
    const dictionary = field(o, 'dictionary');
    return dictionary === undefined ? { name, kind } : { name, kind, dictionary: stringArrayAt(dictionary, `${at}.dictionary`) };
  });
}

/**
 * The model's flow at `path`: an extracted inference flow whose steps are all row-wise transforms (a step whose
 * output rows depend on other rows, such as Sort or a sample, cannot run on one request's rows).
 */
function checkModelFlow(v: unknown, path: string): void {
  const o = objectAt(v, path);
  oneOfAt(field(o, 'format'), `${path}.format`, ['tabpilot-inference-flow']);
  oneOfAt(field(o, 'version'), `${path}.version`, [1]);
  stringAt(field(o, 'input_node'), `${path}.input_node`);
  arrayAt(field(o, 'steps'), `${path}.steps`).forEach((node, i) => {
    const at = `${path}.steps[${i}]`;
    const n = objectAt(node, at);
    stringAt(field(n, 'node_id'), `${at}.node_id`);
    const operator = stringAt(field(n, 'operator'), `${at}.operator`);
    objectAt(field(n, 'parameters'), `${at}.parameters`);
    if (CAST_OPERATORS.includes(operator)) throw formatError(`${at}.operator`, 'a type-cast node cannot be part of a model flow');
    let step: ReturnType<typeof resolveStep>;
    try {
      step = resolveStep(n as unknown as FlowNode);
    } catch (e) {
      if (e instanceof TabpilotError) throw formatError(at, e.message);
      throw e;
    }
    if (step.def.arity === 2 || step.def.group === 'custom_function' || !step.def.rowWise(step.params)) {
      throw formatError(`${at}.operator`, `"${step.def.operator}" is not a row-wise transform, so it cannot be part of a model flow`);
    }
  });
  const outputFeatures = field(o, 'output_features');
  if (outputFeatures !== undefined) featureSchemaAt(outputFeatures, `${path}.output_features`);
}

/**
 * Validates a parsed model.json field by field; throws MODEL_FORMAT naming the field (`model.trees[3].threshold[12]:
 * expected a number`). The model itself is checked by its learner's fromJSON (Pipeline.fromArtifact).
 */
export function validateArtifact(json: unknown, file = MODEL_FILE): ModelArtifact {
  try {
    const a = objectAt(json, 'model.json');
    const format = field(a, 'format');
    if (format !== MODEL_DIR_FORMAT) throw formatError('format', `not a tabpilot model directory file (format is ${JSON.stringify(format)}, expected "${MODEL_DIR_FORMAT}")`);
    const version = numberAt(field(a, 'formatVersion'), 'formatVersion', { integer: true, min: 1 });
    if (version > MODEL_DIR_FORMAT_VERSION) throw formatError('formatVersion', `format version ${version} is newer than this build supports (${MODEL_DIR_FORMAT_VERSION}); upgrade tabpilot`);
    const task = taskAt(field(a, 'task'), 'task');
    stringAt(field(a, 'target'), 'target');
    classesAt(field(a, 'classes'), 'classes', task);
    featureSchemaAt(field(a, 'features'), 'features');
    const flow = field(a, 'flow');
    if (flow !== undefined && flow !== null) checkModelFlow(flow, 'flow');
    const model = objectAt(field(a, 'model'), 'model');
    stringAt(field(model, 'kind'), 'model.kind');
    const training = field(a, 'training');
    if (training !== undefined) objectAt(training, 'training');
    const threshold = field(a, 'decisionThreshold');
    if (threshold !== undefined) {
      numberAt(threshold, 'decisionThreshold', { min: 0, max: 1 });
      if (task !== 'binary') throw formatError('decisionThreshold', `only binary models have a decision threshold; this is a ${task} model`);
    }
    return { ...(a as unknown as ModelArtifact), training: (training as TrainingMetadata) ?? {} };
  } catch (e) {
    if (e instanceof TabpilotError && e.code === 'MODEL_FORMAT' && e.file === undefined) throw new TabpilotError(e.code, e.message, { file });
    throw e;
  }
}

/** Raw input -> aligned features -> optional flow -> model. The one prediction path of tabpilot. */
export class Pipeline {
  readonly artifact: ModelArtifact;
  readonly model: FittedModel;

  private constructor(artifact: ModelArtifact, model: FittedModel) {
    this.artifact = artifact;
    this.model = model;
  }

  static fromArtifact(artifact: ModelArtifact): Pipeline {
    const a = validateArtifact(artifact);
    const model = modelFromJSON(a.model);
    if (model.task !== a.task) throw formatError('model.task', `model task "${model.task}" does not match the artifact task "${a.task}"`);
    if (a.classes && model.classes && a.classes.join('\u0000') !== model.classes.join('\u0000')) {
      throw formatError('model.classes', 'model class order does not match the artifact classes');
    }
    return new Pipeline(a, model);
  }

  /** Builds the artifact of a freshly fitted model and wraps it. */
  static fromModel(
    model: FittedModel,
    info: { target: string; features: readonly FeatureSchema[]; flow?: unknown; training?: TrainingMetadata; decisionThreshold?: number },
  ): Pipeline {
    const artifact: ModelArtifact = {
      format: MODEL_DIR_FORMAT,
      formatVersion: MODEL_DIR_FORMAT_VERSION,
      task: model.task,
      target: info.target,
      ...(model.classes ? { classes: [...model.classes] } : {}),
      features: info.features,
      ...(info.flow !== undefined ? { flow: info.flow } : {}),
      model: model.toJSON(),
      // The tabpilot that wrote the model (package.json at runtime), for support and compatibility checks.
      training: { ...info.training, tabpilotVersion: tabpilotVersion() },
      ...(info.decisionThreshold !== undefined ? { decisionThreshold: info.decisionThreshold } : {}),
    };
    return new Pipeline(validateArtifact(JSON.parse(JSON.stringify(artifact))), model);
  }

  static async load(dir: string): Promise<Pipeline> {
    const file = path.join(dir, MODEL_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new TabpilotError('FILE_NOT_FOUND', `no ${MODEL_FILE} in model directory "${dir}"`, { file });
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new TabpilotError('MODEL_FORMAT', `not valid JSON: ${(e as Error).message}`, { file });
    }
    try {
      return Pipeline.fromArtifact(validateArtifact(json, file));
    } catch (e) {
      if (e instanceof TabpilotError && e.file === undefined) throw new TabpilotError(e.code, e.message, { file });
      throw e;
    }
  }

  /** Writes `dir/model.json` atomically (temp file + rename). */
  async save(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, MODEL_FILE);
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    await writeFile(tmp, JSON.stringify(this.artifact) + '\n');
    await rename(tmp, file);
    return file;
  }

  get task(): Task {
    return this.artifact.task;
  }

  get classes(): readonly string[] | undefined {
    return this.artifact.classes;
  }

  /** Aligns raw input to the training schema (and applies the flow) without predicting. */
  prepare(frame: Frame, where: { file?: string } = {}): { frame: Frame; unseen: Record<string, number>; invalid: Record<string, number> } {
    const aligned = alignToSchema(frame, this.artifact.features, where);
    const hasFlow = this.artifact.flow !== undefined && this.artifact.flow !== null;
    const prepared = hasFlow ? applyModelFlow(this.artifact.flow, aligned.frame) : aligned.frame;
    return { frame: prepared, unseen: aligned.unseen, invalid: aligned.invalid };
  }

  /**
   * Predicts plain objects (e.g. parsed JSON): each record's keys are the raw feature names; values are read with
   * the training kinds (strings parse as numbers or dates where the feature was numeric or datetime). Returns one
   * record per input, with the batch-transform columns.
   */
  predictRecords(records: readonly RecordRow[]): PredictionRecord[] {
    const kinds = new Map(this.artifact.features.map((f) => [f.name, f.kind === 'categorical' ? 'categorical' : f.kind] as const));
    const frame = Frame.fromRecords(records, kinds);
    const out = predictionFrame(this.predict(frame)).toRows();
    return out.map((r) => {
      const rec: PredictionRecord = {};
      for (const [k, v] of Object.entries(r)) rec[k] = v instanceof Date ? v.toISOString() : typeof v === 'boolean' ? String(v) : v;
      return rec;
    });
  }

  predict(frame: Frame, where: { file?: string } = {}): PredictionResult {
    const { frame: input, unseen, invalid } = this.prepare(frame, where);
    const task = this.artifact.task;
    if (task === 'regression') return { task, prediction: this.model.predict(input), unseen, invalid };
    const classes = this.artifact.classes!;
    const k = classes.length;
    const probabilities = this.model.predictProba(input);
    const threshold = this.artifact.decisionThreshold;
    const labelIndex = threshold === undefined ? argmaxRows(probabilities, k) : Int32Array.from({ length: probabilities.length / 2 }, (_, i) => (probabilities[2 * i + 1] >= threshold ? 1 : 0));
    const probability = Float64Array.from(labelIndex, (best, i) => probabilities[i * k + best]);
    const labels = Array.from(labelIndex, (best) => classes[best]);
    return { task, classes, labelIndex, labels, probability, probabilities, unseen, invalid };
  }
}

/**
 * The batch-transform columns of a prediction: `predicted_label`, `probability` (of the predicted label) and
 * `probability_<label>` per class for classifiers; `prediction` for regression.
 */
/** One prediction as a record: `predicted_label`, `probability`, `probability_<label>` or `prediction`. */
export type PredictionRecord = Record<string, number | string | null>;

export function predictionFrame(result: PredictionResult): Frame {
  if (result.task === 'regression') {
    if (!result.prediction) throw new TabpilotError('INVALID_ARGUMENT', 'regression result without predictions');
    return Frame.fromColumns([numericColumn('prediction', result.prediction)]);
  }
  const classes = result.classes;
  if (!classes || !result.labelIndex || !result.probabilities || !result.probability) {
    throw new TabpilotError('INVALID_ARGUMENT', 'classification result without labels and probabilities');
  }
  const k = classes.length;
  const n = result.labelIndex.length;
  const columns: Column[] = [categoricalColumn('predicted_label', result.labelIndex, classes), numericColumn('probability', result.probability)];
  const used = new Set(['predicted_label', 'probability']);
  for (let c = 0; c < k; c++) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = result.probabilities[i * k + c];
    let name = `probability_${classes[c]}`;
    while (used.has(name)) name += '_';
    used.add(name);
    columns.push(numericColumn(name, values));
  }
  return Frame.fromColumns(columns);
}
