import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

type Tf = typeof import('@tensorflow/tfjs-core');

/**
 * The gradients MLP training differentiates through, registered with tfjs-core. The `@tensorflow/tfjs`
 * umbrella registers all of tfjs-core's gradients; tabpilot depends on tfjs-core alone, whose Node build
 * ships the gradient configs only as extension-less ES modules that Node cannot load. These are the same
 * functions as tfjs-core 4.22.0's `dist/gradients/<Kernel>_grad.js` (Apache-2.0, the TensorFlow.js authors),
 * op for op, so training computes bit-identical weights. A kernel that already has a gradient (tfjs-node
 * brings the umbrella's) is left alone.
 */
export function registerMlpGradients(tf: Tf): void {
  for (const config of gradConfigs(tf)) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
}

type GradFunc = (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap) => Record<string, () => Tensor>;

function config(kernelName: string, gradFunc: GradFunc, save: { inputs?: string[]; outputs?: boolean[] } = {}): GradConfig {
  return { kernelName, inputsToSave: save.inputs, outputsToSave: save.outputs, gradFunc: gradFunc as GradConfig['gradFunc'] };
}

function gradConfigs(tf: Tf): GradConfig[] {
  const { broadcast_util: bu } = tf;
  /** dy summed over the axes `shape` was broadcast along (the shared step of the binary-op gradients). */
  const reduceTo = (res: Tensor, shape: number[], outShape: number[]): { res: Tensor; reduced: boolean } => {
    const axes = bu.getReductionAxes(shape, outShape);
    return axes.length > 0 ? { res: tf.sum(res, axes), reduced: true } : { res, reduced: false };
  };
  const addLike = (negateB: boolean): GradFunc => (dy, [a, b]) => {
    const outShape = bu.assertAndGetBroadcastShape(a.shape, b.shape);
    return {
      a: () => tf.reshape(reduceTo(dy, a.shape, outShape).res, a.shape),
      b: () => {
        const { res } = reduceTo(dy, b.shape, outShape);
        return tf.reshape(negateB ? tf.neg(res) : res, b.shape);
      },
    };
  };
  const multiply: GradFunc = (dy, [a, b]) => {
    const outShape = bu.assertAndGetBroadcastShape(a.shape, b.shape);
    const der = (x: Tensor, other: Tensor) => () => {
      const { res, reduced } = reduceTo(tf.mul(dy, tf.cast(other, 'float32')), x.shape, outShape);
      return reduced ? tf.reshape(res, x.shape) : res;
    };
    return { a: der(a, b), b: der(b, a) };
  };
  const realDiv: GradFunc = (dy, [a, b]) => {
    const outShape = bu.assertAndGetBroadcastShape(a.shape, b.shape);
    return {
      a: () => {
        const { res, reduced } = reduceTo(tf.div(dy, tf.cast(b, 'float32')), a.shape, outShape);
        return reduced ? tf.reshape(res, a.shape) : res;
      },
      b: () => {
        const { res: summed, reduced } = reduceTo(tf.mul(dy, tf.cast(a, 'float32')), b.shape, outShape);
        const res = reduced ? tf.reshape(summed, b.shape) : summed;
        return tf.neg(tf.div(res, tf.cast(tf.square(b), 'float32')));
      },
    };
  };
  const batchMatMul: GradFunc = (dy, [a, b], attrs) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
    if (!transposeA && transposeB) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
    if (transposeA && !transposeB) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
    return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
  };
  const sum: GradFunc = (dy, [x], attrs) => {
    const expandedDyShape = x.shape.slice();
    for (const axis of tf.util.parseAxisParam(attrs.axis as number | number[], x.shape)) expandedDyShape[axis] = 1;
    const derX = tf.mul(tf.reshape(dy, expandedDyShape), tf.ones(x.shape, 'float32'));
    return { x: () => derX };
  };
  return [
    config(tf.Add, addLike(false), { inputs: ['a', 'b'] }),
    config(tf.Sub, addLike(true), { inputs: ['a', 'b'] }),
    config(tf.Multiply, multiply, { inputs: ['a', 'b'] }),
    config(tf.RealDiv, realDiv, { inputs: ['a', 'b'] }),
    config(tf.BatchMatMul, batchMatMul, { inputs: ['a', 'b'] }),
    config(tf.Sum, sum, { inputs: ['x'] }),
    config(tf.Neg, (dy) => ({ x: () => tf.neg(dy) })),
    config(tf.Cast, (dy) => ({ x: () => dy.clone() })),
    config(tf.Reshape, (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }), { inputs: ['x'] }),
    config(tf.Square, (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(tf.cast(x, 'float32'), 2)) }), { inputs: ['x'] }),
    config(tf.Relu, (dy, [x]) => ({ x: () => tf.mul(dy, tf.cast(tf.step(x), 'float32')) }), { inputs: ['x'] }),
    config(tf.Tanh, (dy, [y]) => ({ x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy) }), { outputs: [true] }),
    config(tf.Elu, (dy, [y]) => ({ x: () => tf.engine().runKernel(tf.EluGrad, { dy, y }) as Tensor }), { outputs: [true] }),
    config(
      tf.LogSoftmax,
      (dy, [value], attrs) => ({ logits: () => tf.sub(dy, tf.mul(tf.sum(dy, attrs.axis as number, true), tf.exp(value))) }),
      { inputs: [], outputs: [true] },
    ),
  ];
}
