import type { Task } from '../types.js';
import { sigmoid, softmaxInto } from '../../util/numeric.js';
import { NATIVE_MIN_ROWS, histogramKernels } from '../tree/histogram.js';

/**
 * Boosting objectives: initial score, gradients/hessians of the loss in the raw score, and the validation
 * metric used for early stopping (lower is better). Scores are row-major, `dim` per row.
 */
export interface Objective {
  readonly name: 'l2' | 'binary_logloss' | 'multi_logloss';
  /** Raw scores per row (1 for regression and binary, number of classes for multiclass). */
  readonly dim: number;
  initScore(y: Float64Array, w: Float64Array, rows: Int32Array): Float64Array;
  /**
   * Writes grad/hess of class k (dim > 1: stored at [k * n + r]) for the given rows. `threads` (default 1) is for
   * the native kernels (same values on any count).
   */
  gradients(scores: Float64Array, y: Float64Array, w: Float64Array, rows: Int32Array, grad: Float64Array, hess: Float64Array, n: number, threads?: number): void;
  /** Mean loss of scores (n rows, dim each) against y. */
  metric(scores: Float64Array, y: Float64Array, n: number): number;
}

export function objectiveFor(task: Task, numClasses: number): Objective {
  if (task === 'regression') return l2;
  if (task === 'binary') return binaryLogloss;
  return multiLogloss(numClasses);
}

const l2: Objective = {
  name: 'l2',
  dim: 1,
  initScore(y, w, rows) {
    let sw = 0;
    let swy = 0;
    for (let i = 0; i < rows.length; i++) {
      sw += w[rows[i]];
      swy += w[rows[i]] * y[rows[i]];
    }
    return Float64Array.of(sw > 0 ? swy / sw : 0);
  },
  gradients(scores, y, w, rows, grad, hess) {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      grad[r] = w[r] * (scores[r] - y[r]);
      hess[r] = w[r];
    }
  },
  metric(scores, y, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (scores[i] - y[i]) ** 2;
    return Math.sqrt(s / n);
  },
};

const binaryLogloss: Objective = {
  name: 'binary_logloss',
  dim: 1,
  initScore(y, w, rows) {
    let sw = 0;
    let sp = 0;
    for (let i = 0; i < rows.length; i++) {
      sw += w[rows[i]];
      sp += w[rows[i]] * y[rows[i]];
    }
    const p = Math.min(Math.max(sp / sw, 1e-6), 1 - 1e-6);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(scores, y, w, rows, grad, hess, _n, threads = 1) {
    // The native twin ports V8's Math.exp (fdlibm), so its values are bit-identical to this loop's.
    const native = rows.length >= NATIVE_MIN_ROWS ? histogramKernels() : null;
    if (native !== null) {
      native.binaryGradients(scores, y, w, rows, grad, hess, threads);
      return;
    }
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const p = sigmoid(scores[r]);
      grad[r] = w[r] * (p - y[r]);
      hess[r] = w[r] * Math.max(p * (1 - p), 1e-16);
    }
  },
  metric(scores, y, n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.min(Math.max(sigmoid(scores[i]), 1e-15), 1 - 1e-15);
      s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    }
    return s / n;
  },
};

function multiLogloss(K: number): Objective {
  // LightGBM's hessian scaling K/(K-1) makes Newton steps on the over-parameterised softmax well sized.
  const factor = K / (K - 1);
  const prob = new Float64Array(K);
  const softmax = (scores: Float64Array, off: number): void => softmaxInto(scores, off, K, prob, 0);
  return {
    name: 'multi_logloss',
    dim: K,
    initScore(y, w, rows) {
      const sw = new Float64Array(K);
      let total = 0;
      for (let i = 0; i < rows.length; i++) {
        sw[y[rows[i]]] += w[rows[i]];
        total += w[rows[i]];
      }
      return Float64Array.from(sw, (s) => Math.log(Math.max(s / total, 1e-6)));
    },
    gradients(scores, y, w, rows, grad, hess, n, threads = 1) {
      // The native twin ports V8's Math.exp (fdlibm) and keeps softmaxInto's order: the same bits as this loop.
      const native = rows.length >= NATIVE_MIN_ROWS ? histogramKernels() : null;
      if (native !== null) {
        native.multiclassGradients(scores, y, w, rows, grad, hess, n, K, factor, threads);
        return;
      }
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        softmax(scores, r * K);
        const label = y[r];
        for (let k = 0; k < K; k++) {
          const p = prob[k];
          grad[k * n + r] = w[r] * (p - (label === k ? 1 : 0));
          hess[k * n + r] = w[r] * Math.max(factor * p * (1 - p), 1e-16);
        }
      }
    },
    metric(scores, y, n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        softmax(scores, i * K);
        s -= Math.log(Math.max(prob[y[i]], 1e-15));
      }
      return s / n;
    },
  };
}

/** Raw scores to probabilities in place-free fashion: sigmoid (binary, 2 columns) or softmax. */
export function scoresToProba(scores: Float64Array, n: number, dim: number, numClasses: number): Float64Array {
  const out = new Float64Array(n * numClasses);
  if (dim === 1) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(scores[i]);
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  for (let i = 0; i < n; i++) softmaxInto(scores, i * dim, dim, out, i * dim);
  return out;
}
