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

/**
 * Mini-batch Adam on a dense network with TensorFlow.js. Batches come from a permutation drawn from `rng`
 * each epoch; dropout masks use per-batch seeds drawn from `rng`, so a seed fixes the whole run. Stops early
 * when the validation loss has not improved for `patience` epochs and returns the best epoch's weights;
 * checks the deadline between batches.
 */
export function trainNetwork(tf: Tf, backend: MlpBackendName, train: NetData, validation: NetData | null, options: NetOptions, rng: Random): NetResult {
  const init = initialLayers(train.cols, options, rng);
  const kernels = init.map((l, i) => tf.variable(tf.tensor2d(l.kernel, [l.inputs, l.outputs]), true, `kernel${i}`));
  const biases = init.map((l, i) => tf.variable(tf.tensor1d(l.bias), true, `bias${i}`));
  const optimizer = tf.train.adam(options.learningRate);
  const act = (t: import('@tensorflow/tfjs').Tensor) => (options.activation === 'relu' ? tf.relu(t) : options.activation === 'tanh' ? tf.tanh(t) : tf.elu(t));

  const logits = (x: import('@tensorflow/tfjs').Tensor, dropoutSeeds: number[] | null) => {
    let h = x;
    for (let l = 0; l < kernels.length; l++) {
      h = tf.add(tf.matMul(h, kernels[l]), biases[l]);
      if (l < kernels.length - 1) {
        h = act(h);
        if (dropoutSeeds && options.dropout > 0) h = tf.dropout(h, options.dropout, undefined, dropoutSeeds[l]);
      }
    }
    return h;
  };

  // Per-row loss: softmax cross-entropy or squared error on the standardised target.
  const rowLoss = (out: import('@tensorflow/tfjs').Tensor, y: import('@tensorflow/tfjs').Tensor) => {
    if (options.classification) {
      const oneHot = tf.oneHot(tf.cast(y, 'int32'), options.outputs);
      return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(out)), 1));
    }
    return tf.square(tf.sub(tf.reshape(out, [-1]), y));
  };

  const batchX = new Float32Array(options.batchSize * train.cols);
  const batchY = new Float32Array(options.batchSize);
  const batchW = new Float32Array(options.batchSize);

  const validationLoss = (): number => {
    if (!validation) return NaN;
    const chunk = 4096;
    let total = 0;
    let weightSum = 0;
    for (let start = 0; start < validation.rows; start += chunk) {
      const m = Math.min(chunk, validation.rows - start);
      const sum = tf.tidy(() => {
        const x = tf.tensor2d(validation.x.subarray(start * validation.cols, (start + m) * validation.cols), [m, validation.cols]);
        const y = tf.tensor1d(validation.y.subarray(start, start + m));
        const w = tf.tensor1d(validation.weight.subarray(start, start + m));
        return tf.sum(tf.mul(rowLoss(logits(x, null), y), w));
      });
      total += sum.dataSync()[0];
      sum.dispose();
      for (let i = start; i < start + m; i++) weightSum += validation.weight[i];
    }
    return total / Math.max(weightSum, 1e-12);
  };

  const snapshot = (): DenseLayer[] =>
    kernels.map((k, i) => ({
      inputs: k.shape[0] as number,
      outputs: k.shape[1] as number,
      kernel: Float32Array.from(k.dataSync() as Float32Array),
      bias: Float32Array.from(biases[i].dataSync() as Float32Array),
    }));

  let best = snapshot();
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let epochsRun = 0;
  let stoppedBy: NetResult['stoppedBy'] = 'epochs';
  const n = train.rows;
  const p = train.cols;
  const trainables = [...kernels, ...biases];

  try {
    outer: for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = rng.permutation(n);
      for (let start = 0; start < n; start += options.batchSize) {
        if (options.deadline !== undefined && (start / options.batchSize) % 50 === 0 && Date.now() > options.deadline && epochsRun > 0) {
          stoppedBy = 'deadline';
          break outer;
        }
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
              let loss = tf.div(tf.sum(tf.mul(rowLoss(logits(x, seeds), y), w)), wsum) as import('@tensorflow/tfjs').Scalar;
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
      epochsRun = epoch;
      if (validation) {
        const loss = validationLoss();
        options.onEpoch?.(epoch, loss);
        if (Number.isFinite(loss) && (bestLoss === Infinity || loss < bestLoss - 1e-7 * Math.abs(bestLoss))) {
          bestLoss = loss;
          bestEpoch = epoch;
          best = snapshot();
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
      best = snapshot();
      bestEpoch = epochsRun;
    }
  } finally {
    optimizer.dispose();
    for (const v of trainables) v.dispose();
  }
  return { layers: best, epochsRun, bestEpoch, bestValidationLoss: validation && Number.isFinite(bestLoss) ? bestLoss : null, stoppedBy, backend };
}
