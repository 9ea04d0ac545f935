import { type Column, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { Featurizer, type FeaturizerJSON, needsFeaturizer } from './featurize.js';
import { quantileStrata, stratifiedFolds } from './folds.js';
import { TabpilotError } from '../util/errors.js';
import { argmaxRows, softmaxRows } from '../util/numeric.js';
import { type ParamConstraints, resolveParams } from './hyperparams.js';
import { arrayAt, booleanAt, checkModelJSON, classesAt, field, formatError, numberAt, objectAt, stringArrayAt, stringAt, taskAt } from './model-json.js';
import { BASE_LEARNERS, baseLearnerSpec as getLearnerSpec, baseModelFromJSON as modelFromJSON } from './learners.js';
import type { FeatureImportance, FitContext, FittedModel, HyperValue, Learner, LearnerSpec, LearnerTags, ModelJSON, Task } from './types.js';

/**
 * A weighted average of fitted models: what Autopilot's greedy ensemble selection produces, and also how the
 * fold models of one cross-validated candidate are combined (equal weights). Each member may carry its own
 * featurizer (text TF-IDF, date parts) that turns the raw input columns into the columns its model reads.
 * Classification averages probabilities (all members share the ensemble's class order); regression averages
 * predictions.
 */
export interface EnsembleMemberJSON {
  readonly weight: number;
  /** Free-form label, e.g. the Autopilot candidate id and fold. */
  readonly source?: string;
  readonly featurizer?: FeaturizerJSON;
  readonly model: ModelJSON;
}

export interface EnsembleJSON extends ModelJSON {
  readonly kind: 'ensemble';
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly featureNames: readonly string[];
  readonly members: readonly EnsembleMemberJSON[];
  /** Classification: temperature scaling applied to the averaged probabilities (Autopilot's calibration). */
  readonly temperature?: number;
}

export const ENSEMBLE_FORMAT_VERSION = 1;

/** Probabilities are clipped to [PROBABILITY_FLOOR, 1] before taking logs (temperature scaling, stack features). */
export const PROBABILITY_FLOOR = 1e-7;

/**
 * Temperature scaling (Guo et al. 2017): each row's probabilities become softmax(log p / t). t > 1 softens
 * over-confident probabilities, t < 1 sharpens them; the most probable class never changes. Binary rows are the
 * same as dividing the logit by t.
 */
export function temperatureScale(p: Float64Array, k: number, t: number): Float64Array {
  // A plain loop: Float64Array.from with a mapping function was 5x slower here (Autopilot calls this ~100 times
  // on the out-of-fold matrix when it calibrates).
  const logits = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) logits[i] = Math.log(Math.max(PROBABILITY_FLOOR, p[i])) / t;
  return softmaxRows(logits, k);
}

/**
 * The columns a stacker (second layer) reads: for each first-layer model j, regression: its prediction
 * (`stack{j}`); binary: the log-odds of the second class (`stack{j}`); multiclass: the log-probability of each class
 * (`stack{j}_{c}`). Logits rather than probabilities, so a linear stacker combines them the way a weighted
 * geometric mean would. Training (Autopilot's OOF predictions) and prediction share this one transform.
 */
export function stackFeatureColumns(task: Task, k: number, outputs: readonly Float64Array[]): Column[] {
  const columns: Column[] = [];
  const log = (v: number) => Math.log(Math.max(PROBABILITY_FLOOR, v));
  outputs.forEach((p, j) => {
    if (task === 'regression') columns.push(numericColumn(`stack${j}`, Float64Array.from(p)));
    else if (task === 'binary') columns.push(numericColumn(`stack${j}`, Float64Array.from({ length: p.length / 2 }, (_, i) => log(p[2 * i + 1]) - log(p[2 * i]))));
    else for (let c = 0; c < k; c++) columns.push(numericColumn(`stack${j}_${c}`, Float64Array.from({ length: p.length / k }, (_, i) => log(p[i * k + c]))));
  });
  return columns;
}

interface Member {
  readonly weight: number;
  readonly source?: string;
  readonly featurizer?: Featurizer;
  readonly model: FittedModel;
}

export class EnsembleModel implements FittedModel {
  readonly kind = 'ensemble';
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly featureNames: readonly string[];
  private readonly members: readonly Member[];

  constructor(
    task: Task,
    featureNames: readonly string[],
    members: readonly Member[],
    classes?: readonly string[],
    /** Classification: probabilities are temperature-scaled by it (see temperatureScale). */
    readonly temperature?: number,
  ) {
    if (members.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'an ensemble needs at least one member');
    const total = members.reduce((s, m) => s + m.weight, 0);
    if (!(total > 0)) throw new TabpilotError('INVALID_ARGUMENT', 'ensemble weights must sum to a positive number');
    if (temperature !== undefined && (task === 'regression' || !(temperature > 0))) throw new TabpilotError('INVALID_ARGUMENT', 'an ensemble temperature must be positive, and only for classification');
    for (const m of members) {
      if (m.model.task !== task) throw new TabpilotError('INVALID_ARGUMENT', `ensemble member ${m.source ?? m.model.kind} is ${m.model.task}, ensemble is ${task}`);
      if (task !== 'regression' && String(m.model.classes) !== String(classes)) {
        throw new TabpilotError('INVALID_ARGUMENT', `ensemble member ${m.source ?? m.model.kind} has classes [${m.model.classes}], expected [${classes}]`);
      }
    }
    this.task = task;
    this.classes = classes;
    this.featureNames = featureNames;
    this.members = members.map((m) => ({ ...m, weight: m.weight / total }));
  }

  get size(): number {
    return this.members.length;
  }

  /** Member weights (normalised to sum 1) and sources, for reports. */
  get composition(): { weight: number; kind: string; source?: string }[] {
    return this.members.map((m) => ({ weight: m.weight, kind: m.model.kind, source: m.source }));
  }

  private input(m: Member, data: Frame): Frame {
    return m.featurizer ? m.featurizer.transform(data) : data;
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classification models');
    const k = this.classes!.length;
    const out = new Float64Array(data.numRows * k);
    for (const m of this.members) {
      const p = m.model.predictProba(this.input(m, data));
      for (let i = 0; i < out.length; i++) out[i] += m.weight * p[i];
    }
    return this.temperature === undefined ? out : temperatureScale(out, k, this.temperature);
  }

  predict(data: Frame): Float64Array {
    const n = data.numRows;
    if (this.task === 'regression') {
      const out = new Float64Array(n);
      for (const m of this.members) {
        const p = m.model.predict(this.input(m, data));
        for (let i = 0; i < n; i++) out[i] += m.weight * p[i];
      }
      return out;
    }
    return Float64Array.from(argmaxRows(this.predictProba(data), this.classes!.length));
  }

  /** Weighted sum of member importances, mapped back to raw input columns (featurizer outputs fold into their source). */
  featureImportance(): FeatureImportance {
    const index = new Map(this.featureNames.map((n, i) => [n, i]));
    const gain = new Float64Array(this.featureNames.length);
    const split = new Float64Array(this.featureNames.length);
    for (const m of this.members) {
      const imp = m.model.featureImportance();
      let totalGain = 0;
      for (let j = 0; j < imp.gain.length; j++) totalGain += imp.gain[j];
      for (let j = 0; j < imp.names.length; j++) {
        const raw = imp.names[j].replace(/__(tfidf\d+|year|month|day|weekday|hour)$/, '');
        const i = index.get(raw) ?? index.get(imp.names[j]);
        if (i === undefined) continue;
        gain[i] += m.weight * (totalGain > 0 ? imp.gain[j] / totalGain : 0);
        split[i] += m.weight * imp.split[j];
      }
    }
    return { names: this.featureNames, gain, split };
  }

  toJSON(): EnsembleJSON {
    return {
      format: 'tabpilot-model',
      formatVersion: ENSEMBLE_FORMAT_VERSION,
      kind: 'ensemble',
      task: this.task,
      ...(this.classes ? { classes: [...this.classes] } : {}),
      featureNames: [...this.featureNames],
      members: this.members.map((m) => ({
        weight: m.weight,
        ...(m.source !== undefined ? { source: m.source } : {}),
        ...(m.featurizer ? { featurizer: m.featurizer.toJSON() } : {}),
        model: m.model.toJSON(),
      })),
      ...(this.temperature !== undefined ? { temperature: this.temperature } : {}),
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): EnsembleModel {
    const j = checkModelJSON(json, 'ensemble', ENSEMBLE_FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const featureNames = stringArrayAt(field(j, 'featureNames'), `${path}.featureNames`);
    const list = arrayAt(field(j, 'members'), `${path}.members`);
    if (list.length === 0) throw formatError(`${path}.members`, 'an ensemble needs at least one member');
    const members = list.map((m, i) => {
      const at = `${path}.members[${i}]`;
      const o = objectAt(m, at);
      const source = field(o, 'source');
      const featurizer = field(o, 'featurizer');
      return {
        weight: numberAt(field(o, 'weight'), `${at}.weight`, { min: 0 }),
        source: source === undefined ? undefined : stringAt(source, `${at}.source`),
        featurizer: featurizer === undefined ? undefined : Featurizer.fromJSON(featurizer, `${at}.featurizer`),
        model: memberModelFromJSON(field(o, 'model'), `${at}.model`),
      };
    });
    members.forEach((m, i) => {
      const at = `${path}.members[${i}].model`;
      if (m.model.task !== task) throw formatError(`${at}.task`, `expected "${task}" (the ensemble's task), got "${m.model.task}"`);
      if (String(m.model.classes) !== String(classes)) throw formatError(`${at}.classes`, `expected [${classes}] (the ensemble's classes), got [${m.model.classes}]`);
    });
    if (!(members.reduce((s, m) => s + m.weight, 0) > 0)) throw formatError(`${path}.members`, 'member weights must sum to a positive number');
    const t = field(j, 'temperature');
    if (t !== undefined && task === 'regression') throw formatError(`${path}.temperature`, 'only classification ensembles have a temperature');
    const temperature = t === undefined ? undefined : numberAt(t, `${path}.temperature`, { min: TEMPERATURE_MIN, max: TEMPERATURE_MAX });
    return new EnsembleModel(task, featureNames, members, classes, temperature);
  }
}

/** Temperatures model.json accepts: beyond these, probabilities are all but uniform or all but one-hot. */
const TEMPERATURE_MIN = 1e-3;
const TEMPERATURE_MAX = 1e3;

/** An ensemble member's model: a stacker (kind 'stack') or any base learner's model. */
function memberModelFromJSON(json: unknown, path: string): FittedModel {
  const kind = objectAt(json, path).kind;
  return kind === STACK_KIND ? StackModel.fromJSON(json as ModelJSON, path) : modelFromJSON(json, path);
}

// ---------------------------------------------------------------- stacker (second layer)

export const STACK_KIND = 'stack';
export const STACK_FORMAT_VERSION = 1;

export interface StackJSON extends ModelJSON {
  readonly kind: 'stack';
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly featureNames: readonly string[];
  /** First-layer models (each a candidate's fold models), in the order of the stack columns. */
  readonly inputs: readonly EnsembleJSON[];
  /** The second-layer model (its fold models), reading stackFeatureColumns of the inputs' outputs. */
  readonly meta: EnsembleJSON;
  /** The second layer also reads the raw input columns. */
  readonly passthrough: boolean;
}

/**
 * A stacked model (AutoGluon's multi-layer stacking, one extra layer): the first-layer models' outputs, turned
 * into columns by stackFeatureColumns (plus the raw input columns with `passthrough`), are the input of a
 * second-layer model. Autopilot fits the second layer on the first layer's out-of-fold predictions; at predict
 * time the first layer is each candidate's fold models averaged, which is what produced those predictions.
 */
export class StackModel implements FittedModel {
  readonly kind = STACK_KIND;

  constructor(
    readonly task: Task,
    readonly featureNames: readonly string[],
    private readonly inputs: readonly EnsembleModel[],
    private readonly meta: EnsembleModel,
    private readonly passthrough: boolean,
    readonly classes?: readonly string[],
  ) {
    if (inputs.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'a stack needs at least one input model');
  }

  private metaInput(data: Frame): Frame {
    const outputs = this.inputs.map((m) => (this.task === 'regression' ? m.predict(data) : m.predictProba(data)));
    const columns = stackFeatureColumns(this.task, this.classes?.length ?? 1, outputs);
    return this.passthrough ? columns.reduce((f, c) => f.withColumn(c), data) : Frame.fromColumns(columns);
  }

  predictProba(data: Frame): Float64Array {
    return this.meta.predictProba(this.metaInput(data));
  }

  predict(data: Frame): Float64Array {
    return this.meta.predict(this.metaInput(data));
  }

  /** The first layer's importances, averaged (the second layer only re-weights them). */
  featureImportance(): FeatureImportance {
    const gain = new Float64Array(this.featureNames.length);
    const split = new Float64Array(this.featureNames.length);
    for (const m of this.inputs) {
      const imp = m.featureImportance();
      for (let i = 0; i < gain.length; i++) {
        gain[i] += imp.gain[i] / this.inputs.length;
        split[i] += imp.split[i] / this.inputs.length;
      }
    }
    return { names: this.featureNames, gain, split };
  }

  toJSON(): StackJSON {
    return {
      format: 'tabpilot-model',
      formatVersion: STACK_FORMAT_VERSION,
      kind: STACK_KIND,
      task: this.task,
      ...(this.classes ? { classes: [...this.classes] } : {}),
      featureNames: [...this.featureNames],
      inputs: this.inputs.map((m) => m.toJSON()),
      meta: this.meta.toJSON(),
      passthrough: this.passthrough,
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): StackModel {
    const j = checkModelJSON(json, STACK_KIND, STACK_FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const featureNames = stringArrayAt(field(j, 'featureNames'), `${path}.featureNames`);
    const list = arrayAt(field(j, 'inputs'), `${path}.inputs`);
    if (list.length === 0) throw formatError(`${path}.inputs`, 'a stack needs at least one input model');
    const parts = [...list.map((m, i) => [m, `${path}.inputs[${i}]`] as const), [field(j, 'meta'), `${path}.meta`] as const];
    const models = parts.map(([m, at]) => {
      const model = EnsembleModel.fromJSON(m as ModelJSON, at);
      if (model.task !== task) throw formatError(`${at}.task`, `expected "${task}" (the stack's task), got "${model.task}"`);
      if (String(model.classes) !== String(classes)) throw formatError(`${at}.classes`, `expected [${classes}] (the stack's classes), got [${model.classes}]`);
      return model;
    });
    const passthrough = booleanAt(field(j, 'passthrough'), `${path}.passthrough`);
    return new StackModel(task, featureNames, models.slice(0, -1), models[models.length - 1], passthrough, classes);
  }
}

// ---------------------------------------------------------------- bagging learner

export interface BaggingParams {
  /** Kind of the base learner (gbdt, rf, extratrees, linear, mlp). */
  readonly base: string;
  /** Number of bags: the base learner is fit on each of `bags` stratified (bags - 1)/bags subsets. */
  readonly bags: number;
}

const ENSEMBLE_TAGS: LearnerTags = {
  family: 'ensemble',
  tasks: ['regression', 'binary', 'multiclass'],
  allowsMissing: true,
  handlesCategorical: true,
  requiresScaling: false,
  supportsSampleWeight: true,
  supportsEarlyStopping: false,
};

function classLabelsOf(target: Column, rows: Int32Array): string[] {
  const seen = new Set<string>();
  for (const r of rows) {
    const v = target.kind === 'categorical' ? (target.codes[r] < 0 ? null : target.dictionary[target.codes[r]]) : null;
    if (v !== null) seen.add(v);
  }
  return [...seen].sort();
}

/**
 * `ensemble` as a trainable learner: bagging of one base learner with its defaults over stratified folds (each
 * bag leaves one fold out), the way Autopilot combines a candidate's fold models. Autopilot itself builds
 * weighted ensembles of different learners by greedy selection; this is the standalone form.
 */
class BaggingLearner implements Learner<BaggingParams> {
  readonly kind = 'ensemble';
  readonly tags = ENSEMBLE_TAGS;
  constructor(readonly params: Readonly<BaggingParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const base = getLearnerSpec(this.params.base);
    const all = ctx.rows ?? Int32Array.from({ length: data.numRows }, (_, i) => i);
    const featureNames = data.columnNames.filter((n) => n !== target.name);
    const strata = new Int32Array(all.length);
    if (ctx.task === 'regression') {
      const y = new Float64Array(all.length);
      for (let i = 0; i < all.length; i++) y[i] = target.kind === 'numeric' ? target.values[all[i]] : 0;
      strata.set(quantileStrata(y));
    } else if (target.kind === 'categorical') {
      for (let i = 0; i < all.length; i++) strata[i] = Math.max(0, target.codes[all[i]]);
    }
    const foldOf = stratifiedFolds(strata, this.params.bags, ctx.rng.fork(1));
    const classes = ctx.task === 'regression' ? undefined : (ctx.classes ?? (target.kind === 'categorical' ? classLabelsOf(target, all) : undefined));
    const featurizer = needsFeaturizer(data, featureNames) ? Featurizer.fit(data, featureNames, all) : undefined;
    const input = featurizer ? featurizer.transform(data.select(featureNames)).withColumn(target) : data;
    const members: Member[] = [];
    for (let b = 0; b < this.params.bags; b++) {
      let count = 0;
      for (let i = 0; i < all.length; i++) if (foldOf[i] !== b) count++;
      const rows = new Int32Array(count);
      const weights = ctx.sampleWeight ? new Float64Array(count) : undefined;
      for (let i = 0, j = 0; i < all.length; i++) {
        if (foldOf[i] === b) continue;
        if (weights) weights[j] = ctx.sampleWeight![i];
        rows[j++] = all[i];
      }
      const model = await base.create({}).fit(input, target, { ...ctx, rng: ctx.rng.fork(100 + b), rows, sampleWeight: weights, classes, validation: undefined, binned: undefined });
      members.push({ weight: 1, source: `bag${b}`, featurizer, model });
    }
    return new EnsembleModel(ctx.task, featureNames, members, members[0].model.classes);
  }
}

const BAGGING_DEFAULTS: Readonly<BaggingParams> = { base: 'gbdt', bags: 5 };

/** Every base learner kind (the registry's, never a copy), so a new learner can be bagged without edits here. */
const BASE_KINDS: readonly string[] = BASE_LEARNERS.map((s) => s.kind);

/** What each hyperparameter accepts at all. */
const BAGGING_CONSTRAINTS: ParamConstraints<BaggingParams> = {
  base: { type: 'choice', values: BASE_KINDS },
  // Each bag leaves one of `bags` folds out, so fewer than two bags would train on nothing.
  bags: { type: 'int', min: 2 },
};

export const ensembleSpec: LearnerSpec<BaggingParams> = {
  kind: 'ensemble',
  description: 'Weighted average of fitted models (Autopilot greedy ensemble selection); trained alone, bagging of one base learner',
  tags: ENSEMBLE_TAGS,
  defaults: BAGGING_DEFAULTS,
  searchSpace: {
    base: { domain: { type: 'choice', values: BASE_KINDS }, default: 'gbdt', cheap: 'linear' },
    bags: { domain: { type: 'int', low: 2, high: 10 }, default: 5, cheap: 2 },
  },
  relativeCost: 5,
  create(params?: Partial<BaggingParams>): Learner<BaggingParams> {
    return new BaggingLearner(resolveParams('ensemble', BAGGING_DEFAULTS, BAGGING_CONSTRAINTS, params));
  },
  fromJSON: (json: ModelJSON, path?: string) => EnsembleModel.fromJSON(json, path),
};

export type { HyperValue };
