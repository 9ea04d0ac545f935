import { field, formatError, numberAt, objectAt, stringAt } from '../model-json.js';

/**
 * A trained dense network as plain data: layer l maps `inputs` to `outputs` with a row-major [inputs x outputs]
 * kernel (TensorFlow.js layout) and a bias; hidden layers apply `activation`, the last layer is linear (the
 * caller applies softmax or the target scale). Inference runs here in TypeScript, so a loaded model needs
 * no TensorFlow backend and predicts the same numbers on every machine.
 */
export type Activation = 'relu' | 'tanh' | 'elu';

export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

export interface DenseLayerJSON {
  readonly inputs: number;
  readonly outputs: number;
  /** Little-endian float32, base64. */
  readonly kernel: string;
  readonly bias: string;
}

export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return Buffer.from(bytes).toString('base64');
}

/** Decodes base64 little-endian float32 at `path`: exactly `expected` finite values, else MODEL_FORMAT naming the field. */
export function decodeFloat32(text: unknown, expected: number, path: string): Float32Array {
  const bytes = Buffer.from(stringAt(text, path), 'base64');
  if (bytes.length !== expected * 4) throw formatError(path, `expected ${expected} float32 values, got ${bytes.length / 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) {
    out[i] = view.getFloat32(i * 4, true);
    if (!Number.isFinite(out[i])) throw formatError(`${path}[${i}]`, `expected a finite number, got ${out[i]}`);
  }
  return out;
}

export function layerToJSON(layer: DenseLayer): DenseLayerJSON {
  return { inputs: layer.inputs, outputs: layer.outputs, kernel: encodeFloat32(layer.kernel), bias: encodeFloat32(layer.bias) };
}

export function layerFromJSON(json: unknown, path: string): DenseLayer {
  const o = objectAt(json, path);
  const inputs = numberAt(field(o, 'inputs'), `${path}.inputs`, { integer: true, min: 1 });
  const outputs = numberAt(field(o, 'outputs'), `${path}.outputs`, { integer: true, min: 1 });
  return { inputs, outputs, kernel: decodeFloat32(field(o, 'kernel'), inputs * outputs, `${path}.kernel`), bias: decodeFloat32(field(o, 'bias'), outputs, `${path}.bias`) };
}

function activate(v: number, activation: Activation): number {
  switch (activation) {
    case 'relu':
      return v > 0 ? v : 0;
    case 'tanh':
      return Math.tanh(v);
    case 'elu':
      return v > 0 ? v : Math.expm1(v);
  }
}

/**
 * Forward pass of `rows` x layers[0].inputs (row-major) through the network; returns rows x last.outputs.
 * Works in chunks of `batchSize` rows so the intermediate activations stay small.
 */
export function forward(input: Float64Array, rows: number, layers: readonly DenseLayer[], activation: Activation, batchSize = 1024): Float64Array {
  const last = layers[layers.length - 1];
  const out = new Float64Array(rows * last.outputs);
  const widest = Math.max(...layers.map((l) => Math.max(l.inputs, l.outputs)));
  let a = new Float64Array(batchSize * widest);
  let b = new Float64Array(batchSize * widest);
  for (let start = 0; start < rows; start += batchSize) {
    const m = Math.min(batchSize, rows - start);
    a.set(input.subarray(start * layers[0].inputs, (start + m) * layers[0].inputs));
    for (let l = 0; l < layers.length; l++) {
      const { inputs, outputs, kernel, bias } = layers[l];
      const hidden = l < layers.length - 1;
      for (let i = 0; i < m; i++) {
        const ro = i * outputs;
        for (let o = 0; o < outputs; o++) b[ro + o] = bias[o];
        const ri = i * inputs;
        // i-k-o loop order: streams one kernel row at a time, skipping zero inputs (one-hot, ReLU zeros).
        for (let k = 0; k < inputs; k++) {
          const x = a[ri + k];
          if (x === 0) continue;
          const kr = k * outputs;
          for (let o = 0; o < outputs; o++) b[ro + o] += x * kernel[kr + o];
        }
        if (hidden) for (let o = 0; o < outputs; o++) b[ro + o] = activate(b[ro + o], activation);
      }
      const t = a;
      a = b;
      b = t;
    }
    out.set(a.subarray(0, m * last.outputs), start * last.outputs);
  }
  return out;
}
