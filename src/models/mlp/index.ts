import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { argmaxRows, softmaxRows } from '../../util/numeric.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { arrayAt, checkModelJSON, classesAt, field, formatError, numberAt, objectAt, oneOfAt, taskAt } from '../model-json.js';
import { DesignEncoder } from '../preprocess/design.js';
import { encodeTarget, trainingRows } from '../preprocess/index.js';
import { type DesignModelJSON, fitInput } from '../preprocess/fit-input.js';
import type { FeatureImportance, FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, LearnerTags, ModelJSON, Task } from '../types.js';
import { type MlpBackendName, expectedMlpBackend, loadTensorflow } from './backend.js';
import { type Activation, type DenseLayer, type DenseLayerJSON, forward, layerFromJSON, layerToJSON } from './network.js';
import { type NetData, trainNetwork } from './train.js';

export { mlpBackend, expectedMlpBackend, loadTensorflow, type MlpBackendName } from './backend.js';

/**
 * `mlp`: a dense feed-forward network trained with TensorFlow.js (tfjs-node, else wasm, else cpu) by Adam with
 * dropout, L2 weight decay and early stopping on the validation set (ctx.validation, else an internal holdout).
 * Inputs are the shared design matrix (standardised numerics with median imputation + missing indicators,
 * one-hot categoricals, datetime components); the regression target is standardised.
 */
export interface MlpParams {
  hiddenWidth: number;
  depth: number;
  activation: string;
  dropout: number;
  learningRate: number;
  weightDecay: number;
  batchSize: number;
  /** Maximum epochs; the fidelity knob. */
  epochs: number;
  /** Epochs without validation improvement before stopping. */
  patience: number;
  /** Share of training rows held out for early stopping when ctx.validation is absent (0 = none). */
  validationFraction: number;
  minCategoryCount: number;
  maxCategories: number;
}

const FORMAT_VERSION = 1;

const TAGS: LearnerTags = {
  family: 'nn',
  tasks: ['regression', 'binary', 'multiclass'],
  allowsMissing: true,
  handlesCategorical: true,
  requiresScaling: false,
  supportsSampleWeight: true,
  supportsEarlyStopping: true,
};

const DEFAULTS: MlpParams = {
  hiddenWidth: 128,
  depth: 2,
  activation: 'relu',
  dropout: 0.1,
  learningRate: 1e-3,
  weightDecay: 1e-5,
  batchSize: 128,
  epochs: 100,
  patience: 10,
  validationFraction: 0.1,
  minCategoryCount: 5,
  maxCategories: 100,
};

const SEARCH_SPACE: Record<keyof MlpParams, HyperparameterSpec> = {
  hiddenWidth: { domain: { type: 'int', low: 16, high: 512, log: true }, default: 128, cheap: 32 },
  depth: { domain: { type: 'int', low: 1, high: 4 }, default: 2, cheap: 1 },
  activation: { domain: { type: 'choice', values: ['relu', 'tanh', 'elu'] }, default: 'relu', cheap: 'relu' },
  dropout: { domain: { type: 'float', low: 0, high: 0.5 }, default: 0.1, cheap: 0 },
  learningRate: { domain: { type: 'float', low: 1e-4, high: 3e-2, log: true }, default: 1e-3, cheap: 3e-3 },
  weightDecay: { domain: { type: 'float', low: 1e-7, high: 1e-2, log: true }, default: 1e-5, cheap: 1e-5 },
  batchSize: { domain: { type: 'int', low: 32, high: 1024, log: true }, default: 128, cheap: 512 },
  epochs: { domain: { type: 'int', low: 5, high: 500, log: true }, default: 100, cheap: 10 },
  patience: { domain: { type: 'int', low: 2, high: 30 }, default: 10, cheap: 3 },
  validationFraction: { domain: { type: 'float', low: 0, high: 0.3 }, default: 0.1, cheap: 0.1 },
  minCategoryCount: { domain: { type: 'int', low: 1, high: 50, log: true }, default: 5, cheap: 5 },
  maxCategories: { domain: { type: 'int', low: 10, high: 500, log: true }, default: 100, cheap: 50 },
};

/** What each hyperparameter accepts at all (the search space above is only the tuning range). */
const CONSTRAINTS: ParamConstraints<MlpParams> = {
  hiddenWidth: { type: 'int', min: 1, max: 8192 },
  depth: { type: 'int', min: 1, max: 16 },
  activation: { type: 'choice', values: ['relu', 'tanh', 'elu'] },
  dropout: { type: 'float', min: 0, max: 0.95 },
  learningRate: { type: 'float', min: 0, minExclusive: true },
  weightDecay: { type: 'float', min: 0, minExclusive: true },
  batchSize: { type: 'int', min: 1 },
  epochs: { type: 'int', min: 1 },
  patience: { type: 'int', min: 1 },
  validationFraction: { type: 'float', min: 0, max: 0.5 },
  minCategoryCount: { type: 'int', min: 1 },
  maxCategories: { type: 'int', min: 1 },
};

export interface MlpTrainingInfo {
  readonly backend: MlpBackendName;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly bestValidationLoss: number | null;
  readonly stoppedBy: string;
  readonly validation: 'given' | 'holdout' | 'none';
  readonly fitSeconds: number;
}

interface MlpModelJSON extends DesignModelJSON<MlpParams> {
  readonly activation: Activation;
  readonly layers: readonly DenseLayerJSON[];
  /** Regression: the network predicts (y - mean) / scale. */
  readonly targetScaling?: { readonly mean: number; readonly scale: number };
  readonly training: MlpTrainingInfo;
}

export class MlpModel implements FittedModel {
  readonly kind = 'mlp';
  readonly featureNames: readonly string[];

  constructor(
    readonly task: Task,
    readonly classes: readonly string[] | undefined,
    readonly params: MlpParams,
    readonly design: DesignEncoder,
    readonly layers: readonly DenseLayer[],
    readonly targetScaling: { mean: number; scale: number } | undefined,
    readonly training: MlpTrainingInfo,
  ) {
    this.featureNames = design.featureNames;
  }

  private outputs(data: Frame): Float64Array {
    const X = this.design.transform(data);
    return forward(X.values, X.rows, this.layers, this.params.activation as Activation, this.params.batchSize);
  }

  predict(data: Frame): Float64Array {
    if (this.task !== 'regression') return Float64Array.from(argmaxRows(this.predictProba(data), this.classes!.length));
    const out = this.outputs(data);
    const { mean, scale } = this.targetScaling!;
    for (let i = 0; i < out.length; i++) out[i] = out[i] * scale + mean;
    return out;
  }

  predictProba(data: Frame): Float64Array {
    if (this.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'predictProba is for classifiers; this is a regression model');
    const s = this.outputs(data);
    return softmaxRows(s, this.classes!.length);
  }

  /** Sum of |first-layer weights| from each input feature's design columns (a rough connection-weight measure). */
  featureImportance(): FeatureImportance {
    const gain = new Float64Array(this.featureNames.length);
    const first = this.layers[0];
    const owner = this.design.columnFeature;
    for (let j = 0; j < first.inputs; j++) {
      let s = 0;
      for (let o = 0; o < first.outputs; o++) s += Math.abs(first.kernel[j * first.outputs + o]);
      gain[owner[j]] += s;
    }
    return { names: this.featureNames, gain, split: new Float64Array(this.featureNames.length) };
  }

  toJSON(): MlpModelJSON {
    return {
      format: 'tabpilot-model',
      formatVersion: FORMAT_VERSION,
      kind: 'mlp',
      task: this.task,
      ...(this.classes ? { classes: this.classes } : {}),
      featureNames: this.featureNames,
      params: this.params,
      preprocessing: this.design.toJSON(),
      activation: this.params.activation as Activation,
      layers: this.layers.map(layerToJSON),
      ...(this.targetScaling ? { targetScaling: this.targetScaling } : {}),
      training: this.training,
    };
  }

  static fromJSON(json: ModelJSON, path = 'model'): MlpModel {
    const j = checkModelJSON(json, 'mlp', FORMAT_VERSION, path);
    const task = taskAt(field(j, 'task'), `${path}.task`);
    const classes = classesAt(field(j, 'classes'), `${path}.classes`, task);
    const design = DesignEncoder.fromJSON(field(j, 'preprocessing'), `${path}.preprocessing`);
    const layersJSON = arrayAt(field(j, 'layers'), `${path}.layers`);
    if (layersJSON.length === 0) throw formatError(`${path}.layers`, 'an mlp needs at least one layer');
    const layers = layersJSON.map((l, i) => layerFromJSON(l, `${path}.layers[${i}]`));
    let width = design.width;
    layers.forEach((layer, i) => {
      if (layer.inputs !== width) throw formatError(`${path}.layers[${i}].inputs`, `expected ${width} (the ${i === 0 ? 'preprocessing' : 'previous layer'} output width), got ${layer.inputs}`);
      width = layer.outputs;
    });
    const expectedOut = task === 'regression' ? 1 : classes!.length;
    if (width !== expectedOut) throw formatError(`${path}.layers[${layers.length - 1}].outputs`, `expected ${expectedOut}, got ${width}`);
    const scaling = field(j, 'targetScaling');
    let targetScaling: { mean: number; scale: number } | undefined;
    if (task === 'regression') {
      const o = objectAt(scaling, `${path}.targetScaling`);
      targetScaling = { mean: numberAt(field(o, 'mean'), `${path}.targetScaling.mean`), scale: numberAt(field(o, 'scale'), `${path}.targetScaling.scale`) };
    }
    const activation = oneOfAt(field(j, 'activation'), `${path}.activation`, ['relu', 'tanh', 'elu'] as const);
    const params = field(j, 'params');
    const training = objectAt(field(j, 'training') ?? {}, `${path}.training`) as unknown as MlpTrainingInfo;
    return new MlpModel(task, classes, { ...DEFAULTS, ...(params === undefined ? {} : objectAt(params, `${path}.params`)), activation }, design, layers, targetScaling, training);
  }
}

function toNetData(X: { values: Float64Array; rows: number; cols: number }, y: Float64Array, w: Float64Array, rows?: Int32Array): NetData {
  const n = rows ? rows.length : X.rows;
  const p = X.cols;
  const x = new Float32Array(n * p);
  const yy = new Float32Array(n);
  const ww = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    for (let j = 0; j < p; j++) x[i * p + j] = X.values[r * p + j];
    yy[i] = y[r];
    ww[i] = w[r];
  }
  return { x, rows: n, cols: p, y: yy, weight: ww };
}

class MlpLearner implements Learner<MlpParams> {
  readonly kind = 'mlp';
  readonly tags = TAGS;
  constructor(readonly params: Readonly<MlpParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const started = Date.now();
    const p = this.params;
    const { data: fitRows, encoded, n, weights, design } = fitInput('mlp', data, target, ctx, p);
    const train = { data: fitRows };
    const X = design.transform(train.data);

    let targetScaling: { mean: number; scale: number } | undefined;
    let y = encoded.y;
    if (ctx.task === 'regression') {
      let mean = 0;
      let wsum = 0;
      for (let i = 0; i < n; i++) {
        mean += weights[i] * y[i];
        wsum += weights[i];
      }
      mean /= wsum;
      let v = 0;
      for (let i = 0; i < n; i++) v += weights[i] * (y[i] - mean) ** 2;
      const scale = Math.sqrt(v / wsum) || 1;
      targetScaling = { mean, scale };
      y = y.map((t) => (t - mean) / scale);
    }

    const rng = ctx.rng.fork(0x6d6c70);
    let trainData: NetData;
    let validationData: NetData | null = null;
    let validationSource: MlpTrainingInfo['validation'] = 'none';
    if (ctx.validation) {
      const v = trainingRows(ctx.validation.data, ctx.validation.target, ctx.validation.rows);
      const vEncoded = encodeTarget(v.target, ctx.task, encoded.classes);
      const vy = targetScaling ? vEncoded.y.map((t) => (t - targetScaling!.mean) / targetScaling!.scale) : vEncoded.y;
      validationData = toNetData(design.transform(v.data), vy, new Float64Array(v.data.numRows).fill(1));
      trainData = toNetData(X, y, weights);
      validationSource = 'given';
    } else if (p.validationFraction > 0 && n >= 50) {
      const perm = rng.permutation(n);
      const nVal = Math.max(10, Math.round(n * p.validationFraction));
      validationData = toNetData(X, y, weights, perm.subarray(0, nVal).slice().sort());
      trainData = toNetData(X, y, weights, perm.subarray(nVal).slice().sort());
      validationSource = 'holdout';
    } else {
      trainData = toNetData(X, y, weights);
    }

    const { tf, backend } = await loadTensorflow();
    const hidden = new Array<number>(p.depth).fill(p.hiddenWidth);
    const result = trainNetwork(
      tf,
      backend,
      trainData,
      validationData,
      {
        hidden,
        outputs: ctx.task === 'regression' ? 1 : encoded.classes!.length,
        classification: ctx.task !== 'regression',
        activation: p.activation as Activation,
        dropout: p.dropout,
        learningRate: p.learningRate,
        weightDecay: p.weightDecay,
        batchSize: p.batchSize,
        epochs: p.epochs,
        patience: p.patience,
        deadline: ctx.deadline,
        onEpoch: ctx.onProgress ? (epoch, loss) => ctx.onProgress!({ iteration: epoch, total: p.epochs, ...(loss !== undefined ? { metric: loss } : {}) }) : undefined,
      },
      rng,
    );
    for (const layer of result.layers) {
      for (const v of layer.kernel) if (!Number.isFinite(v)) throw new TabpilotError('INTERNAL', 'mlp: training diverged (non-finite weights); try a smaller learningRate');
    }
    const training: MlpTrainingInfo = {
      backend: result.backend,
      epochsRun: result.epochsRun,
      bestEpoch: result.bestEpoch,
      bestValidationLoss: result.bestValidationLoss,
      stoppedBy: result.stoppedBy,
      validation: validationSource,
      fitSeconds: (Date.now() - started) / 1000,
    };
    return new MlpModel(ctx.task, encoded.classes, { ...p }, design, result.layers, targetScaling, training);
  }
}

/**
 * MLP training on the pure-JS cpu backend (the optional wasm package not installed) takes this many times as long as
 * on wasm: ames, default hyperparameters, seed 0: 88-91 CPU s vs 10.1-10.2 (docs/learners.md).
 */
const CPU_BACKEND_SLOWDOWN = 9;

export const mlpSpec: LearnerSpec<MlpParams> = {
  kind: 'mlp',
  description: 'Multi-layer perceptron (TensorFlow.js: Adam, dropout, early stopping) on standardised, one-hot encoded inputs',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  relativeCost: 3,
  costFactor: () => (expectedMlpBackend() === 'cpu' ? CPU_BACKEND_SLOWDOWN : 1),
  fidelityParam: 'epochs',
  create(params?: Partial<MlpParams>): Learner<MlpParams> {
    return new MlpLearner(resolveParams('mlp', DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return MlpModel.fromJSON(json, path);
  },
};
