import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows } from '../../util/numeric.js';
import { ensembleImportance, featuresFromJSON, predictEnsemble, type TreeFeature, treesFromJSON, treesToJSON } from '../tree/ensemble.js';
import type { FlatTree } from '../tree/tree.js';
import { arrayAt, checkModelJSON, classesAt, field, formatError, numberArrayAt, numberAt, objectAt, taskAt } from '../model-json.js';
import type { FeatureImportance, FittedModel, ModelJSON, Task, TreeEnsembleView } from '../types.js';
import { scoresToProba } from './objectives.js';

export const GBDT_FORMAT_VERSION = 1;

export interface GbdtState {
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly features: readonly TreeFeature[];
  /** Raw scores per row: 1 (regression, binary) or the number of classes. */
  readonly dim: number;
  readonly initScore: Float64Array;
  /** Round-major: tree r * dim + k adds into raw score k. Leaf values already include the learning rate. */
  readonly trees: readonly FlatTree[];
  readonly bestIteration: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly history?: readonly { iteration: number; metric: number }[];
}

/** A fitted gradient-boosted tree ensemble. */
export class GbdtModel implements FittedModel {
  readonly kind = 'gbdt';
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly featureNames: readonly string[];

  constructor(readonly state: GbdtState) {
    this.task = state.task;
    this.classes = state.classes;
    this.featureNames = state.features.map((f) => f.name);
  }

  get numTrees(): number {
    return this.state.trees.length;
  }

  /** Raw scores (n x dim): regression values, binary log-odds, multiclass logits. */
  predictRaw(data: Frame): Float64Array {
    const { dim, trees, initScore, features } = this.state;
    return predictEnsemble(data, features, trees, dim, initScore, (t) => t % dim);
  }

  predict(data: Frame): Float64Array {
    const raw = this.predictRaw(data);
    if (this.task === 'regression') return raw;
    const n = data.numRows;
    const out = new Float64Array(n);
    const dim = this.state.dim;
    if (dim === 1) for (let i = 0; i < n; i++) out[i] = raw[i] > 0 ? 1 : 0;
    else out.set(argmaxRows(raw, dim));
    return out;
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this model is a regressor');
    return scoresToProba(this.predictRaw(data), data.numRows, this.state.dim, this.classes!.length);
  }

  /** Raw score = initScore + the sum of the trees, tree t adding into score t % dim. */
  treeEnsemble(): TreeEnsembleView {
    const { features, trees, dim, initScore } = this.state;
    const channel = dim > 1 ? Int32Array.from(trees, (_, t) => t % dim) : undefined;
    return { features, trees, dim, bias: Float64Array.from(initScore), scale: 1, channel, output: 'raw-score' };
  }

  featureImportance(): FeatureImportance {
    return ensembleImportance(this.state.features, this.state.trees);
  }

  toJSON(): ModelJSON {
    const s = this.state;
    return {
      format: 'tabpilot-model',
      formatVersion: GBDT_FORMAT_VERSION,
      kind: 'gbdt',
      task: s.task,
      classes: s.classes ? [...s.classes] : undefined,
      features: s.features.map((f) => ({ ...f })),
      dim: s.dim,
      initScore: Array.from(s.initScore),
      bestIteration: s.bestIteration,
      params: s.params,
      history: s.history,
      trees: treesToJSON(s.trees),
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): GbdtModel {
    const j = checkModelJSON(json, 'gbdt', GBDT_FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const features = featuresFromJSON(field(j, 'features'), `${path}.features`);
    const dim = task === 'multiclass' ? classes!.length : 1;
    if (field(j, 'dim') !== dim) throw formatError(`${path}.dim`, `expected ${dim} for a ${task} model, got ${JSON.stringify(field(j, 'dim'))}`);
    const initScore = numberArrayAt(field(j, 'initScore'), `${path}.initScore`, dim);
    const trees = treesFromJSON(field(j, 'trees'), features.length, `${path}.trees`);
    if (trees.length % dim !== 0) throw formatError(`${path}.trees`, `${trees.length} trees is not a multiple of dim ${dim}`);
    trees.forEach((t, i) => {
      if (t.outputDim !== 1) throw formatError(`${path}.trees[${i}].outputDim`, `expected 1, got ${t.outputDim}`);
    });
    const bestIteration = field(j, 'bestIteration');
    const params = field(j, 'params');
    const history = field(j, 'history');
    return new GbdtModel({
      task,
      classes,
      features,
      dim,
      initScore,
      trees,
      bestIteration: bestIteration === undefined ? trees.length / dim : numberAt(bestIteration, `${path}.bestIteration`, { integer: true, min: 0 }),
      params: params === undefined ? {} : objectAt(params, `${path}.params`),
      history: history === undefined ? undefined : historyAt(history, `${path}.history`),
    });
  }
}

function historyAt(v: unknown, path: string): { iteration: number; metric: number }[] {
  return arrayAt(v, path).map((h, i) => {
    const o = objectAt(h, `${path}[${i}]`);
    return { iteration: numberAt(field(o, 'iteration'), `${path}[${i}].iteration`), metric: numberAt(field(o, 'metric'), `${path}[${i}].metric`) };
  });
}
