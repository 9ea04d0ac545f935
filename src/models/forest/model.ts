import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows } from '../../util/numeric.js';
import { ensembleImportance, featuresFromJSON, predictEnsemble, type TreeFeature, treesFromJSON, treesToJSON } from '../tree/ensemble.js';
import type { FlatTree } from '../tree/tree.js';
import { checkModelJSON, classesAt, field, formatError, numberAt, objectAt, oneOfAt, taskAt } from '../model-json.js';
import type { FeatureImportance, FittedModel, ModelJSON, Task, TreeEnsembleView } from '../types.js';

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
    return Float64Array.from(argmaxRows(avg, this.state.dim));
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this model is a regressor');
    return this.average(data);
  }

  /** Output = the mean of the trees' multi-output leaf values. */
  treeEnsemble(): TreeEnsembleView {
    const { features, trees, dim } = this.state;
    return { features, trees, dim, bias: new Float64Array(dim), scale: 1 / Math.max(1, trees.length), output: 'average' };
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

  static fromJSON(json: ModelJSON, kind: 'rf' | 'extratrees', path = 'model'): ForestModel {
    const j = checkModelJSON(json, kind, FOREST_FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const dim = task === 'regression' ? 1 : classes!.length;
    if (field(j, 'dim') !== dim) throw formatError(`${path}.dim`, `expected ${dim} for a ${task} model, got ${JSON.stringify(field(j, 'dim'))}`);
    const features = featuresFromJSON(field(j, 'features'), `${path}.features`);
    const trees = treesFromJSON(field(j, 'trees'), features.length, `${path}.trees`);
    if (trees.length === 0) throw formatError(`${path}.trees`, 'a forest needs at least one tree');
    trees.forEach((t, i) => {
      if (t.outputDim !== dim) throw formatError(`${path}.trees[${i}].outputDim`, `expected ${dim}, got ${t.outputDim}`);
    });
    const params = field(j, 'params');
    const oob = field(j, 'oob');
    return new ForestModel({
      kind,
      task,
      classes,
      features,
      dim,
      trees,
      params: params === undefined ? {} : objectAt(params, `${path}.params`),
      oob: oob === undefined || oob === null ? undefined : oobAt(oob, `${path}.oob`),
    });
  }
}

function oobAt(v: unknown, path: string): OutOfBagScore {
  const o = objectAt(v, path);
  return {
    metric: oneOfAt(field(o, 'metric'), `${path}.metric`, ['accuracy', 'r2'] as const),
    // An R^2 over a constant target is NaN, which JSON writes as null.
    value: field(o, 'value') === null ? NaN : numberAt(field(o, 'value'), `${path}.value`),
    rows: numberAt(field(o, 'rows'), `${path}.rows`, { integer: true, min: 0 }),
  };
}
