import { solveSymmetric } from '../../util/linalg.js';
import { sigmoid } from '../../util/numeric.js';
import type { DesignMatrix } from '../preprocess/design.js';
import { type LbfgsResult, minimizeLbfgs } from './lbfgs.js';

/**
 * Coefficient layout shared by every linear solver: (cols + 1) x outputs, row-major; row `cols` is the
 * unpenalised intercept. Outputs = 1 for regression and binary, k for multinomial.
 */
export interface LinearFit {
  readonly coefficients: Float64Array;
  readonly outputs: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly stopReason: string;
}

/**
 * Ridge regression by the normal equations: (X1' W X1 / sum(w) + l2 D) beta = X1' W y / sum(w), where X1 is
 * X with an intercept column and D leaves the intercept unpenalised. Solved by Cholesky (falling back to the
 * minimum-norm solution when X'WX is singular and l2 = 0).
 * Skips zero entries when forming X'WX, which makes one-hot blocks cheap.
 */
export function fitRidge(X: DesignMatrix, y: Float64Array, w: Float64Array, l2: number): LinearFit {
  const { rows: n, cols: p, values } = X;
  const q = p + 1;
  const gram = new Float64Array(q * q);
  const rhs = new Float64Array(q);
  let wsum = 0;
  const xi = new Float64Array(q);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    if (wi === 0) continue;
    wsum += wi;
    xi.set(values.subarray(i * p, i * p + p));
    xi[p] = 1;
    const yi = y[i] * wi;
    for (let a = 0; a < q; a++) {
      const xa = xi[a];
      if (xa === 0) continue;
      rhs[a] += xa * yi;
      const wa = xa * wi;
      const rowA = a * q;
      for (let b = a; b < q; b++) gram[rowA + b] += wa * xi[b];
    }
  }
  const A = new Float64Array(q * q);
  const B = new Float64Array(q);
  for (let a = 0; a < q; a++) {
    for (let b = a; b < q; b++) {
      const v = gram[a * q + b] / wsum + (a === b && a < p ? l2 : 0);
      A[a * q + b] = v;
      A[b * q + a] = v;
    }
    B[a] = rhs[a] / wsum;
  }
  const coefficients = solveSymmetric(A, q, B);
  return { coefficients, outputs: 1, iterations: 1, converged: true, stopReason: 'closed-form' };
}

export interface LogisticOptions {
  readonly l2: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly deadline?: number;
  readonly onIteration?: (iteration: number, value: number) => void;
}

/**
 * L2-regularised logistic (k = 2, one output) or multinomial (k > 2, k outputs) regression by L-BFGS on
 * f = sum_i w_i CE_i / sum(w) + l2/2 ||beta||^2 (intercepts unpenalised). Starts from the log class priors.
 */
export function fitLogistic(X: DesignMatrix, classIndex: Int32Array, k: number, w: Float64Array, options: LogisticOptions): LinearFit {
  const { rows: n, cols: p, values } = X;
  const q = p + 1;
  const outputs = k === 2 ? 1 : k;
  let wsum = 0;
  const prior = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    wsum += w[i];
    prior[classIndex[i]] += w[i];
  }
  const x0 = new Float64Array(q * outputs);
  if (outputs === 1) x0[p] = Math.log(Math.max(prior[1], 1e-12) / Math.max(prior[0], 1e-12));
  else for (let c = 0; c < k; c++) x0[p * k + c] = Math.log(Math.max(prior[c], 1e-12) / wsum);

  const objective = outputs === 1 ? binaryObjective(values, n, p, classIndex, w, wsum, options.l2) : softmaxObjective(values, n, p, k, classIndex, w, wsum, options.l2);
  const result: LbfgsResult = minimizeLbfgs(objective, x0, {
    maxIterations: options.maxIterations,
    gradientTolerance: options.tolerance,
    // Like scipy (ftol = 64 eps): stop on objective stagnation only at round-off level; the gradient test decides.
    relativeTolerance: 64 * Number.EPSILON,
    deadline: options.deadline,
    onIteration: options.onIteration,
  });
  return { coefficients: result.x, outputs, iterations: result.iterations, converged: result.converged, stopReason: result.reason };
}

function binaryObjective(X: Float64Array, n: number, p: number, y: Int32Array, w: Float64Array, wsum: number, l2: number) {
  return (beta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const b0 = beta[p];
    for (let i = 0; i < n; i++) {
      const row = i * p;
      let z = b0;
      for (let j = 0; j < p; j++) z += X[row + j] * beta[j];
      // log(1 + e^z) - y z, computed stably.
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      const wi = w[i];
      loss += wi * (softplus - (y[i] === 1 ? z : 0));
      const prob = sigmoid(z);
      const r = (wi * (prob - y[i])) / wsum;
      if (r === 0) continue;
      for (let j = 0; j < p; j++) grad[j] += r * X[row + j];
      grad[p] += r;
    }
    let penalty = 0;
    for (let j = 0; j < p; j++) {
      penalty += beta[j] * beta[j];
      grad[j] += l2 * beta[j];
    }
    return loss / wsum + 0.5 * l2 * penalty;
  };
}

function softmaxObjective(X: Float64Array, n: number, p: number, k: number, y: Int32Array, w: Float64Array, wsum: number, l2: number) {
  const z = new Float64Array(k);
  return (beta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * p;
      for (let c = 0; c < k; c++) z[c] = beta[p * k + c];
      for (let j = 0; j < p; j++) {
        const xv = X[row + j];
        if (xv === 0) continue;
        const bj = j * k;
        for (let c = 0; c < k; c++) z[c] += xv * beta[bj + c];
      }
      let max = -Infinity;
      for (let c = 0; c < k; c++) if (z[c] > max) max = z[c];
      let sum = 0;
      for (let c = 0; c < k; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      const wi = w[i];
      const yi = y[i];
      loss += wi * (Math.log(sum) - Math.log(z[yi]));
      const scale = wi / wsum;
      if (scale === 0) continue;
      // z now holds unnormalised probabilities; turn it into the residual p - onehot(y), weighted.
      for (let c = 0; c < k; c++) z[c] = (z[c] / sum - (c === yi ? 1 : 0)) * scale;
      for (let j = 0; j < p; j++) {
        const xv = X[row + j];
        if (xv === 0) continue;
        const bj = j * k;
        for (let c = 0; c < k; c++) grad[bj + c] += xv * z[c];
      }
      for (let c = 0; c < k; c++) grad[p * k + c] += z[c];
    }
    let penalty = 0;
    for (let i = 0; i < p * k; i++) {
      penalty += beta[i] * beta[i];
      grad[i] += l2 * beta[i];
    }
    return loss / wsum + 0.5 * l2 * penalty;
  };
}

/** Linear scores n x outputs from the design matrix and coefficients. */
export function linearScores(X: DesignMatrix, coefficients: Float64Array, outputs: number): Float64Array {
  const { rows: n, cols: p, values } = X;
  const out = new Float64Array(n * outputs);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    const o = i * outputs;
    for (let c = 0; c < outputs; c++) out[o + c] = coefficients[p * outputs + c];
    for (let j = 0; j < p; j++) {
      const xv = values[row + j];
      if (xv === 0) continue;
      const bj = j * outputs;
      for (let c = 0; c < outputs; c++) out[o + c] += xv * coefficients[bj + c];
    }
  }
  return out;
}
