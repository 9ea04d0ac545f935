import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { ensembleImportance, featuresFromJSON, predictEnsemble, type TreeFeature, treesFromJSON, treesToJSON } from '../tree/ensemble.js';
import type { FlatTree } from '../tree/tree.js';
import type { FeatureImportance, FittedModel, ModelJSON, Task } from '../types.js';
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
    else {
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < dim; k++) if (raw[i * dim + k] > raw[i * dim + best]) best = k;
        out[i] = best;
      }
    }
    return out;
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this model is a regressor');
    return scoresToProba(this.predictRaw(data), data.numRows, this.state.dim, this.classes!.length);
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

  static fromJSON(json: ModelJSON): GbdtModel {
    if (json.format !== 'tabpilot-model' || json.kind !== 'gbdt') throw new TabpilotError('MODEL_FORMAT', `not a gbdt model (kind "${json.kind}")`);
    if (json.formatVersion !== GBDT_FORMAT_VERSION) {
      throw new TabpilotError('MODEL_FORMAT', `gbdt model format version ${json.formatVersion} is not supported (expected ${GBDT_FORMAT_VERSION})`);
    }
    const task = json.task as Task;
    if (task !== 'regression' && task !== 'binary' && task !== 'multiclass') throw new TabpilotError('MODEL_FORMAT', `unknown task "${String(json.task)}"`);
    const features = featuresFromJSON(json.features);
    const dim = json.dim as number;
    const classes = json.classes as string[] | undefined;
    if (task !== 'regression' && (!Array.isArray(classes) || classes.length < 2)) throw new TabpilotError('MODEL_FORMAT', 'classifier model needs classes');
    const expectedDim = task === 'multiclass' ? classes!.length : 1;
    if (dim !== expectedDim) throw new TabpilotError('MODEL_FORMAT', `model dim ${dim} does not match task ${task}`);
    const initScore = Float64Array.from(json.initScore as number[]);
    if (initScore.length !== dim) throw new TabpilotError('MODEL_FORMAT', 'initScore length does not match dim');
    const trees = treesFromJSON(json.trees, features.length);
    if (trees.length % dim !== 0) throw new TabpilotError('MODEL_FORMAT', `number of trees ${trees.length} is not a multiple of ${dim}`);
    return new GbdtModel({
      task,
      classes,
      features,
      dim,
      initScore,
      trees,
      bestIteration: (json.bestIteration as number) ?? trees.length / dim,
      params: (json.params as Record<string, unknown>) ?? {},
      history: json.history as { iteration: number; metric: number }[] | undefined,
    });
  }
}
