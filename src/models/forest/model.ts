import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { ensembleImportance, featuresFromJSON, predictEnsemble, type TreeFeature, treesFromJSON, treesToJSON } from '../tree/ensemble.js';
import type { FlatTree } from '../tree/tree.js';
import type { FeatureImportance, FittedModel, ModelJSON, Task } from '../types.js';

export const FOREST_FORMAT_VERSION = 1;

export interface OutOfBagScore {
  readonly metric: 'accuracy' | 'r2';
  readonly value: number;
  /** Training rows left out by at least one tree (the rows the score is computed on). */
  readonly rows: number;
}

export interface ForestState {
  readonly kind: 'rf' | 'extratrees';
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly features: readonly TreeFeature[];
  /** Outputs per tree leaf: class frequencies (classification) or the mean target (1, regression). */
  readonly dim: number;
  readonly trees: readonly FlatTree[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly oob?: OutOfBagScore;
}

/** A fitted random forest / extra-trees ensemble: predictions are the mean of the trees' leaf outputs. */
export class ForestModel implements FittedModel {
  readonly kind: 'rf' | 'extratrees';
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly featureNames: readonly string[];

  constructor(readonly state: ForestState) {
    this.kind = state.kind;
    this.task = state.task;
    this.classes = state.classes;
    this.featureNames = state.features.map((f) => f.name);
  }

  /** Out-of-bag score (bootstrap only): accuracy for classifiers, R^2 for regressors. */
  get oobScore(): OutOfBagScore | undefined {
    return this.state.oob;
  }

  private average(data: Frame): Float64Array {
    const { dim, trees, features } = this.state;
    return predictEnsemble(data, features, trees, dim, new Float64Array(dim), () => 0, 1 / trees.length);
  }

  predict(data: Frame): Float64Array {
    const avg = this.average(data);
    if (this.task === 'regression') return avg;
    const n = data.numRows;
    const K = this.state.dim;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (avg[i * K + k] > avg[i * K + best]) best = k;
      out[i] = best;
    }
    return out;
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this model is a regressor');
    return this.average(data);
  }

  featureImportance(): FeatureImportance {
    return ensembleImportance(this.state.features, this.state.trees);
  }

  toJSON(): ModelJSON {
    const s = this.state;
    return {
      format: 'tabpilot-model',
      formatVersion: FOREST_FORMAT_VERSION,
      kind: s.kind,
      task: s.task,
      classes: s.classes ? [...s.classes] : undefined,
      features: s.features.map((f) => ({ ...f })),
      dim: s.dim,
      params: s.params,
      oob: s.oob,
      trees: treesToJSON(s.trees),
    };
  }

  static fromJSON(json: ModelJSON, kind: 'rf' | 'extratrees'): ForestModel {
    if (json.format !== 'tabpilot-model' || json.kind !== kind) throw new TabpilotError('MODEL_FORMAT', `not a ${kind} model (kind "${json.kind}")`);
    if (json.formatVersion !== FOREST_FORMAT_VERSION) {
      throw new TabpilotError('MODEL_FORMAT', `${kind} model format version ${json.formatVersion} is not supported (expected ${FOREST_FORMAT_VERSION})`);
    }
    const task = json.task as Task;
    if (task !== 'regression' && task !== 'binary' && task !== 'multiclass') throw new TabpilotError('MODEL_FORMAT', `unknown task "${String(json.task)}"`);
    const classes = json.classes as string[] | undefined;
    if (task !== 'regression' && (!Array.isArray(classes) || classes.length < 2)) throw new TabpilotError('MODEL_FORMAT', 'classifier model needs classes');
    const dim = task === 'regression' ? 1 : classes!.length;
    if (json.dim !== dim) throw new TabpilotError('MODEL_FORMAT', `model dim ${String(json.dim)} does not match task ${task}`);
    const features = featuresFromJSON(json.features);
    const trees = treesFromJSON(json.trees, features.length);
    if (trees.length === 0) throw new TabpilotError('MODEL_FORMAT', 'forest has no trees');
    for (const t of trees) if (t.outputDim !== dim) throw new TabpilotError('MODEL_FORMAT', `tree outputDim ${t.outputDim} does not match ${dim}`);
    return new ForestModel({ kind, task, classes, features, dim, trees, params: (json.params as Record<string, unknown>) ?? {}, oob: json.oob as OutOfBagScore | undefined });
  }
}
