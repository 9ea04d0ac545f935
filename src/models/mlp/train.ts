import type { Random } from '../../util/random.js';
import type { Tf, MlpBackendName } from './backend.js';
import type { Activation, DenseLayer } from './network.js';

/** Training data for the network: design rows (float32, row-major), targets and weights. */
export interface NetData {
  readonly x: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Classification: class index. Regression: standardised target. */
  readonly y: Float32Array;
  readonly weight: Float32Array;
}

export interface NetOptions {
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly classification: boolean;
  readonly activation: Activation;
  readonly dropout: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
  readonly deadline?: number;
  readonly onEpoch?: (epoch: number, validationLoss: number | undefined) => void;
}

export interface NetResult {
  readonly layers: DenseLayer[];
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly bestValidationLoss: number | null;
  readonly stoppedBy: 'epochs' | 'early-stopping' | 'deadline';
  readonly backend: MlpBackendName;
}

/** He-uniform (hidden, ReLU family) or Glorot-uniform (output) initial kernels drawn from our seeded Random. */
function initialLayers(inputs: number, options: NetOptions, rng: Random): DenseLayer[] {
  const sizes = [inputs, ...options.hidden, options.outputs];
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const isOutput = l + 2 === sizes.length;
    const limit = isOutput || options.activation === 'tanh' ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-limit, limit);
    layers.push({ inputs: fanIn, outputs: fanOut, kernel, bias: new Float32Array(fanOut) });
  }
  return layers;
}

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Variable = import('@tensorflow/tfjs-core').Variable;

/** The trainable network: its TensorFlow variables and the options that shape its forward pass and loss. */
interface Net {
  readonly tf: Tf;
  readonly options: NetOptions;
  readonly kernels: Variable[];
  readonly biases: Variable[];
}

/** Output logits (classification) or the standardised prediction; dropout between hidden layers when seeded. */
function forwardPass(net: Net, x: Tensor, dropoutSeeds: number[] | null): Tensor {
  const { tf, options, kernels, biases } = net;
  let h = x;
  for (let l = 0; l < kernels.length; l++) {
    h = tf.add(tf.matMul(h, kernels[l]), biases[l]);
    if (l < kernels.length - 1) {
      h = options.activation === 'relu' ? tf.relu(h) : options.activation === 'tanh' ? tf.tanh(h) : tf.elu(h);
      if (dropoutSeeds && options.dropout > 0) h = tf.dropout(h, options.dropout, undefined, dropoutSeeds[l]);
    }
  }
  return h;
}

/** Per-row loss: softmax cross-entropy or squared error on the standardised target. */
function rowLoss(net: Net, out: Tensor, y: Tensor): Tensor {
  const { tf, options } = net;
  if (options.classification) {
    const oneHot = tf.oneHot(tf.cast(y, 'int32'), options.outputs);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(out)), 1));
  }
  return tf.square(tf.sub(tf.reshape(out, [-1]), y));
}

/** Rows per forward pass when scoring the validation set. */
const VALIDATION_CHUNK = 4096;

/** Weighted mean loss over the validation rows (no dropout). */
function validationLoss(net: Net, validation: NetData): number {
  const tf = net.tf;
  let total = 0;
  let weightSum = 0;
  for (let start = 0; start < validation.rows; start += VALIDATION_CHUNK) {
    const m = Math.min(VALIDATION_CHUNK, validation.rows - start);
    const sum = tf.tidy(() => {
      const x = tf.tensor2d(validation.x.subarray(start * validation.cols, (start + m) * validation.cols), [m, validation.cols]);
      const y = tf.tensor1d(validation.y.subarray(start, start + m));
      const w = tf.tensor1d(validation.weight.subarray(start, start + m));
      return tf.sum(tf.mul(rowLoss(net, forwardPass(net, x, null), y), w));
    });
    total += sum.dataSync()[0];
    sum.dispose();
    for (let i = start; i < start + m; i++) weightSum += validation.weight[i];
  }
  return total / Math.max(weightSum, 1e-12);
}

function snapshot(net: Net): DenseLayer[] {
  return net.kernels.map((k, i) => ({
    inputs: k.shape[0] as number,
    outputs: k.shape[1] as number,
    kernel: Float32Array.from(k.dataSync() as Float32Array),
    bias: Float32Array.from(net.biases[i].dataSync() as Float32Array),
  }));
}

/** Batches between deadline checks inside an epoch. */
const DEADLINE_CHECK_BATCHES = 50;

/**
 * One epoch of mini-batch Adam over the rows in `order`. Returns false when the deadline stopped it part-way
 * (only once a first epoch has completed, so a model always exists).
 */
function trainEpoch(net: Net, optimizer: import('@tensorflow/tfjs-core').Optimizer, train: NetData, order: Int32Array, firstEpoch: boolean, rng: Random): boolean {
  const { tf, options, kernels, biases } = net;
  const n = train.rows;
  const p = train.cols;
  const batchX = new Float32Array(options.batchSize * p);
  const batchY = new Float32Array(options.batchSize);
  const batchW = new Float32Array(options.batchSize);
  const trainables = [...kernels, ...biases];
  for (let start = 0; start < n; start += options.batchSize) {
    if (options.deadline !== undefined && (start / options.batchSize) % DEADLINE_CHECK_BATCHES === 0 && Date.now() > options.deadline && !firstEpoch) return false;
    const m = Math.min(options.batchSize, n - start);
    let wsum = 0;
    for (let i = 0; i < m; i++) {
      const r = order[start + i];
      batchX.set(train.x.subarray(r * p, r * p + p), i * p);
      batchY[i] = train.y[r];
      batchW[i] = train.weight[r];
      wsum += train.weight[r];
    }
    if (wsum <= 0) continue;
    const seeds = options.dropout > 0 ? kernels.map(() => rng.nextUint32()) : null;
    tf.tidy(() => {
      const x = tf.tensor2d(batchX.subarray(0, m * p), [m, p]);
      const y = tf.tensor1d(batchY.subarray(0, m));
      const w = tf.tensor1d(batchW.subarray(0, m));
      optimizer.minimize(
        () => {
          let loss = tf.div(tf.sum(tf.mul(rowLoss(net, forwardPass(net, x, seeds), y), w)), wsum) as import('@tensorflow/tfjs-core').Scalar;
          if (options.weightDecay > 0) {
            for (const k of kernels) loss = tf.add(loss, tf.mul(0.5 * options.weightDecay, tf.sum(tf.square(k))));
          }
          return loss;
        },
        false,
        trainables,
      );
    });
  }
  return true;
}

/**
 * Mini-batch Adam on a dense network with TensorFlow.js. Batches come from a permutation drawn from `rng`
 * each epoch; dropout masks use per-batch seeds drawn from `rng`, so a seed fixes the whole run. Stops early
 * when the validation loss has not improved for `patience` epochs and returns the best epoch's weights;
 * checks the deadline between batches.
 */
export function trainNetwork(tf: Tf, backend: MlpBackendName, train: NetData, validation: NetData | null, options: NetOptions, rng: Random): NetResult {
  const init = initialLayers(train.cols, options, rng);
  const net: Net = {
    tf,
    options,
    kernels: init.map((l, i) => tf.variable(tf.tensor2d(l.kernel, [l.inputs, l.outputs]), true, `kernel${i}`)),
    biases: init.map((l, i) => tf.variable(tf.tensor1d(l.bias), true, `bias${i}`)),
  };
  const optimizer = tf.train.adam(options.learningRate);
  let best = snapshot(net);
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let epochsRun = 0;
  let stoppedBy: NetResult['stoppedBy'] = 'epochs';
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      if (!trainEpoch(net, optimizer, train, rng.permutation(train.rows), epochsRun === 0, rng)) {
        stoppedBy = 'deadline';
        break;
      }
      epochsRun = epoch;
      if (validation) {
        const loss = validationLoss(net, validation);
        options.onEpoch?.(epoch, loss);
        if (Number.isFinite(loss) && (bestLoss === Infinity || loss < bestLoss - 1e-7 * Math.abs(bestLoss))) {
          bestLoss = loss;
          bestEpoch = epoch;
          best = snapshot(net);
        } else if (epoch - bestEpoch >= options.patience) {
          stoppedBy = 'early-stopping';
          break;
        }
      } else {
        options.onEpoch?.(epoch, undefined);
      }
      if (options.deadline !== undefined && Date.now() > options.deadline && epoch < options.epochs) {
        stoppedBy = 'deadline';
        break;
      }
    }
    if (!validation) {
      best = snapshot(net);
      bestEpoch = epochsRun;
    }
  } finally {
    optimizer.dispose();
    for (const v of [...net.kernels, ...net.biases]) v.dispose();
  }
  return { layers: best, epochsRun, bestEpoch, bestValidationLoss: validation && Number.isFinite(bestLoss) ? bestLoss : null, stoppedBy, backend };
}
