import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type FeatureSchema, alignToSchema } from '../frame/align.js';
import { applyModelFlow } from './model-flow.js';
import { type Column, categoricalColumn, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
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


const TASKS: readonly Task[] = ['regression', 'binary', 'multiclass'];
const KINDS = new Set(['numeric', 'categorical', 'boolean', 'datetime', 'text']);

/** Validates a parsed model.json; throws MODEL_FORMAT with a message saying what is wrong. */
export function validateArtifact(json: unknown, file = MODEL_FILE): ModelArtifact {
  const fail = (msg: string): never => {
    throw new TabpilotError('MODEL_FORMAT', msg, { file });
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('expected a JSON object');
  const a = json as Record<string, unknown>;
  if (a.format !== MODEL_DIR_FORMAT) fail(`not a tabpilot model directory file (format is ${JSON.stringify(a.format)}, expected "${MODEL_DIR_FORMAT}")`);
  if (typeof a.formatVersion !== 'number' || !Number.isInteger(a.formatVersion) || a.formatVersion < 1) fail(`invalid formatVersion ${JSON.stringify(a.formatVersion)}`);
  if ((a.formatVersion as number) > MODEL_DIR_FORMAT_VERSION) {
    fail(`format version ${a.formatVersion} is newer than this build supports (${MODEL_DIR_FORMAT_VERSION}); upgrade tabpilot`);
  }
  if (!TASKS.includes(a.task as Task)) fail(`invalid task ${JSON.stringify(a.task)}`);
  if (typeof a.target !== 'string') fail('missing "target"');
  if (a.task !== 'regression') {
    if (!Array.isArray(a.classes) || a.classes.length < 2 || a.classes.some((c) => typeof c !== 'string')) fail('a classifier needs "classes": at least 2 strings');
  }
  if (!Array.isArray(a.features)) fail('missing "features"');
  for (const f of a.features as unknown[]) {
    const fe = f as Record<string, unknown>;
    if (typeof fe?.name !== 'string' || !KINDS.has(fe.kind as string)) fail(`invalid feature entry ${JSON.stringify(f).slice(0, 200)}`);
    if (fe.dictionary !== undefined && (!Array.isArray(fe.dictionary) || fe.dictionary.some((d) => typeof d !== 'string'))) fail(`feature "${fe.name}": dictionary must be strings`);
  }
  if (a.model === null || typeof a.model !== 'object') fail('missing "model"');
  if (a.training !== undefined && (a.training === null || typeof a.training !== 'object')) fail('"training" must be an object');
  return { ...(a as unknown as ModelArtifact), training: (a.training as TrainingMetadata) ?? {} };
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
    if (model.task !== a.task) throw new TabpilotError('MODEL_FORMAT', `model task "${model.task}" does not match the artifact task "${a.task}"`);
    if (a.classes && model.classes && a.classes.join('\u0000') !== model.classes.join('\u0000')) {
      throw new TabpilotError('MODEL_FORMAT', 'model class order does not match the artifact classes');
    }
    return new Pipeline(a, model);
  }

  /** Builds the artifact of a freshly fitted model and wraps it. */
  static fromModel(
    model: FittedModel,
    info: { target: string; features: readonly FeatureSchema[]; flow?: unknown; training?: TrainingMetadata },
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
      training: info.training ?? {},
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

  predict(frame: Frame, where: { file?: string } = {}): PredictionResult {
    const { frame: input, unseen, invalid } = this.prepare(frame, where);
    const task = this.artifact.task;
    if (task === 'regression') return { task, prediction: this.model.predict(input), unseen, invalid };
    const classes = this.artifact.classes!;
    const k = classes.length;
    const probabilities = this.model.predictProba(input);
    const n = input.numRows;
    const labelIndex = new Int32Array(n);
    const probability = new Float64Array(n);
    const labels = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (probabilities[i * k + c] > probabilities[i * k + best]) best = c;
      labelIndex[i] = best;
      probability[i] = probabilities[i * k + best];
      labels[i] = classes[best];
    }
    return { task, classes, labelIndex, labels, probability, probabilities, unseen, invalid };
  }
}

/**
 * The batch-transform columns of a prediction: `predicted_label`, `probability` (of the predicted label) and
 * `probability_<label>` per class for classifiers; `prediction` for regression.
 */
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
