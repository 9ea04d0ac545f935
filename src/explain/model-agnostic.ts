import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { type Random } from '../util/random.js';
import { RowMixer } from './frames.js';
import type { Explanation } from './types.js';

/**
 * Model-agnostic SHAP through `Pipeline.predict`, on the pipeline's raw input features. `x` and
 * `background` must already be aligned with `pipeline.prepare`'s alignment (same kinds and dictionaries).
 */

/** The quantity being explained, n x K for a frame of n rows. */
export interface ModelOutput {
  readonly names: readonly string[];
  evaluate(frame: Frame): Float64Array;
}

// Far below any probability a model reports, so log-odds stay exact; only a true 0 is clipped.
const EPS = 1e-300;

/**
 * 'probability': regression prediction; binary P(positive class); multiclass one output per class.
 * 'margin': regression prediction; binary log-odds of the positive class; multiclass centred log-probabilities
 * (log p_c minus the row mean of log p), the scale on which a multinomial linear model is additive.
 */
export function pipelineOutput(pipeline: Pipeline, space: 'probability' | 'margin'): ModelOutput {
  const task = pipeline.task;
  const classes = pipeline.classes ?? [];
  if (task === 'regression') {
    return { names: ['prediction'], evaluate: (f) => pipeline.predict(f).prediction! };
  }
  const k = classes.length;
  if (task === 'binary') {
    const positive = classes[1];
    return {
      names: [space === 'margin' ? `log-odds of ${positive}` : `probability of ${positive}`],
      evaluate: (f) => {
        const p = pipeline.predict(f).probabilities!;
        const n = p.length / 2;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const q = p[i * 2 + 1];
          out[i] = space === 'margin' ? Math.log(Math.max(q, EPS)) - Math.log(Math.max(p[i * 2], EPS)) : q;
        }
        return out;
      },
    };
  }
  return {
    names: classes.map((c) => (space === 'margin' ? `centred log-probability of ${c}` : `probability of ${c}`)),
    evaluate: (f) => {
      const p = pipeline.predict(f).probabilities!;
      if (space === 'probability') return p;
      const out = new Float64Array(p.length);
      const n = p.length / k;
      for (let i = 0; i < n; i++) {
        let mean = 0;
        for (let c = 0; c < k; c++) {
          out[i * k + c] = Math.log(Math.max(p[i * k + c], EPS));
          mean += out[i * k + c];
        }
        mean /= k;
        for (let c = 0; c < k; c++) out[i * k + c] -= mean;
      }
      return out;
    },
  };
}

/** Hybrid rows are evaluated in chunks of at most this many, to bound memory. */
const CHUNK_ROWS = 50_000;

function evaluateMixed(
  output: ModelOutput,
  mixer: RowMixer,
  xRow: Int32Array,
  bgRow: Int32Array,
  fromX: Uint8Array,
): Float64Array {
  const m = mixer.numColumns;
  const n = xRow.length;
  const k = output.names.length;
  const out = new Float64Array(n * k);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const end = Math.min(n, start + CHUNK_ROWS);
    const frame = mixer.mix(xRow.subarray(start, end), bgRow.subarray(start, end), fromX.subarray(start * m, end * m));
    out.set(output.evaluate(frame), start * k);
  }
  return out;
}

export interface PermutationShapOptions {
  /**
   * Antithetic permutation pairs per row (default 32). Pair p walks a random feature order forward and
   * backward against background row p mod B, so every row is measured against the same B rows.
   */
  readonly permutations?: number;
  readonly rng: Random;
}

export const DEFAULT_PERMUTATIONS = 32;

/**
 * Permutation SHAP (Strumbelj & Kononenko 2014, with antithetic reversed orders as in the shap package's
 * PermutationExplainer). For each pair: start from the background row, switch the explained row's features in
 * one at a time in a random order (and in the reverse order), crediting each feature with the change in output.
 * Each walk telescopes from f(background) to f(x), so contributions sum exactly to f(x) minus the mean output
 * on the background rows used. Cost: 2 * permutations * (features + 1) model evaluations per row.
 */
export function permutationShap(output: ModelOutput, x: Frame, background: Frame, opts: PermutationShapOptions): Explanation {
  const mixer = new RowMixer(x, background);
  const m = mixer.numColumns;
  const k = output.names.length;
  const n = x.numRows;
  const pairs = Math.max(1, Math.floor(opts.permutations ?? DEFAULT_PERMUTATIONS));
  const bgCount = background.numRows;
  const used = Math.min(pairs, bgCount);
  const stepsPerWalk = m + 1;
  const hybridPerRow = pairs * 2 * stepsPerWalk;
  const values = new Float64Array(n * m * k);
  // Rows are processed a few at a time so the hybrid frame stays bounded.
  const rowsPerBatch = Math.max(1, Math.floor(CHUNK_ROWS / hybridPerRow));
  const orders: Int32Array[] = [];
  for (let r = 0; r < n; r += rowsPerBatch) {
    const batch = Math.min(rowsPerBatch, n - r);
    const total = batch * hybridPerRow;
    const xRow = new Int32Array(total);
    const bgRow = new Int32Array(total);
    const fromX = new Uint8Array(total * m);
    orders.length = 0;
    let h = 0;
    for (let b = 0; b < batch; b++) {
      const rng = opts.rng.fork(r + b);
      for (let p = 0; p < pairs; p++) {
        const order = rng.permutation(m);
        orders.push(order);
        for (let dir = 0; dir < 2; dir++) {
          for (let s = 0; s < stepsPerWalk; s++, h++) {
            xRow[h] = r + b;
            bgRow[h] = p % used;
            for (let t = 0; t < s; t++) fromX[h * m + order[dir === 0 ? t : m - 1 - t]] = 1;
          }
        }
      }
    }
    const f = evaluateMixed(output, mixer, xRow, bgRow, fromX);
    h = 0;
    for (let b = 0; b < batch; b++) {
      const base = (r + b) * m * k;
      for (let p = 0; p < pairs; p++) {
        const order = orders[b * pairs + p];
        for (let dir = 0; dir < 2; dir++) {
          for (let s = 1; s < stepsPerWalk; s++) {
            const feature = order[dir === 0 ? s - 1 : m - s];
            const cur = (h + s) * k;
            const prev = (h + s - 1) * k;
            for (let o = 0; o < k; o++) values[base + feature * k + o] += f[cur + o] - f[prev + o];
          }
          h += stepsPerWalk;
        }
      }
      for (let j = 0; j < m * k; j++) values[base + j] /= 2 * pairs;
    }
  }
  // Expected value: the mean output over the background rows the walks started from (weighted as used).
  const expectedValue = new Float64Array(k);
  const bgIdx = new Int32Array(pairs);
  for (let p = 0; p < pairs; p++) bgIdx[p] = p % used;
  const f0 = output.evaluate(background.take(bgIdx));
  for (let p = 0; p < pairs; p++) for (let o = 0; o < k; o++) expectedValue[o] += f0[p * k + o] / pairs;
  return {
    method: 'permutation',
    detail: `permutation SHAP: ${pairs} antithetic permutation pairs per row against ${used} background rows`,
    featureNames: x.columnNames,
    outputs: output.names,
    numRows: n,
    values,
    expectedValue,
  };
}

/**
 * Exact interventional SHAP for a model additive in its raw features on the `margin` scale (a linear model
 * over per-feature encodings: imputation, one-hot, scaling, missing indicators): contribution of feature j =
 * mean over background rows b of f(b with x_j) minus mean f(b). Exact for any additive model, whatever the
 * sample of background rows. Returns null when a check on the rows shows the model is not additive (a flow that
 * mixes columns), so the caller can fall back to sampling.
 */
export function additiveShap(output: ModelOutput, x: Frame, background: Frame): Explanation | null {
  const mixer = new RowMixer(x, background);
  const m = mixer.numColumns;
  const k = output.names.length;
  const n = x.numRows;
  const bg = background.numRows;
  const f0 = output.evaluate(background);
  const expectedValue = new Float64Array(k);
  for (let b = 0; b < bg; b++) for (let o = 0; o < k; o++) expectedValue[o] += f0[b * k + o] / bg;
  const fx = output.evaluate(x);
  const values = new Float64Array(n * m * k);
  const rowsPerBatch = Math.max(1, Math.floor(CHUNK_ROWS / (m * bg)));
  for (let r = 0; r < n; r += rowsPerBatch) {
    const batch = Math.min(rowsPerBatch, n - r);
    const total = batch * m * bg;
    const xRow = new Int32Array(total);
    const bgRow = new Int32Array(total);
    const fromX = new Uint8Array(total * m);
    let h = 0;
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < m; j++) {
        for (let b = 0; b < bg; b++, h++) {
          xRow[h] = r + i;
          bgRow[h] = b;
          fromX[h * m + j] = 1;
        }
      }
    }
    const f = evaluateMixed(output, mixer, xRow, bgRow, fromX);
    h = 0;
    for (let i = 0; i < batch; i++) {
      const base = (r + i) * m * k;
      for (let j = 0; j < m; j++) {
        for (let b = 0; b < bg; b++, h++) for (let o = 0; o < k; o++) values[base + j * k + o] += f[h * k + o] / bg;
        for (let o = 0; o < k; o++) values[base + j * k + o] -= expectedValue[o];
      }
    }
  }
  // Additivity check: for an additive model the contributions sum to f(x) - E f.
  let scale = 1e-9;
  for (let i = 0; i < fx.length; i++) scale = Math.max(scale, Math.abs(fx[i]));
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < k; o++) {
      let sum = expectedValue[o];
      for (let j = 0; j < m; j++) sum += values[(i * m + j) * k + o];
      if (Math.abs(sum - fx[i * k + o]) > 1e-6 * scale + 1e-9) return null;
    }
  }
  return {
    method: 'exact-additive',
    detail: `exact SHAP of an additive model against ${bg} background rows`,
    featureNames: x.columnNames,
    outputs: output.names,
    numRows: n,
    values,
    expectedValue,
  };
}
