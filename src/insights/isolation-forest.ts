import type { Random } from '../util/random.js';
import { sampleRows } from './split.js';

/**
 * Isolation forest (Liu, Ting and Zhou 2008) over a dense row-major matrix with no missing values.
 * `decision` follows scikit-learn's convention with contamination "auto": 0.5 - anomaly score, so negative
 * means anomalous and positive normal (A.3 Samples).
 */
export interface IsolationForestOptions {
  readonly trees: number;
  readonly sampleSize: number;
}

export const DEFAULT_ISOLATION_FOREST: IsolationForestOptions = { trees: 100, sampleSize: 256 };

/** Average path length of an unsuccessful BST search among n points: the normaliser c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

interface FlatTree {
  feature: Int32Array; // -1 = leaf
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** leaf: depth + c(size) */
  pathLength: Float64Array;
}

function buildTree(x: Float64Array, d: number, sample: Int32Array, maxDepth: number, rng: Random): FlatTree {
  const cap = 2 * sample.length + 1;
  const feature = new Int32Array(cap).fill(-1);
  const threshold = new Float64Array(cap);
  const left = new Int32Array(cap);
  const right = new Int32Array(cap);
  const pathLength = new Float64Array(cap);
  let next = 1;
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const grow = (node: number, rows: Int32Array, depth: number) => {
    if (depth >= maxDepth || rows.length <= 1) {
      pathLength[node] = depth + averagePathLength(rows.length);
      return;
    }
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (const r of rows) {
      for (let j = 0; j < d; j++) {
        const v = x[r * d + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    const candidates: number[] = [];
    for (let j = 0; j < d; j++) if (hi[j] > lo[j]) candidates.push(j);
    if (candidates.length === 0) {
      pathLength[node] = depth + averagePathLength(rows.length);
      return;
    }
    const f = candidates[rng.int(candidates.length)];
    const t = rng.uniform(lo[f], hi[f]);
    let nl = 0;
    for (const r of rows) if (x[r * d + f] < t) nl++;
    const lrows = new Int32Array(nl);
    const rrows = new Int32Array(rows.length - nl);
    let a = 0;
    let b = 0;
    for (const r of rows) {
      if (x[r * d + f] < t) lrows[a++] = r;
      else rrows[b++] = r;
    }
    feature[node] = f;
    threshold[node] = t;
    left[node] = next++;
    right[node] = next++;
    grow(left[node], lrows, depth + 1);
    grow(right[node], rrows, depth + 1);
  };
  grow(0, sample, 0);
  return { feature, threshold, left, right, pathLength };
}

/** Fits on `x` (n x d, row-major) and returns the decision value of every row. */
export function isolationForestScores(x: Float64Array, n: number, d: number, rng: Random, options = DEFAULT_ISOLATION_FOREST): Float64Array {
  const psi = Math.min(options.sampleSize, n);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const total = new Float64Array(n);
  for (let t = 0; t < options.trees; t++) {
    const treeRng = rng.fork(t);
    const { feature, threshold, left, right, pathLength } = buildTree(x, d, sampleRows(n, psi, treeRng), maxDepth, treeRng);
    for (let i = 0; i < n; i++) {
      const base = i * d;
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        node = x[base + f] < threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      total[i] += pathLength[node];
    }
  }
  const c = averagePathLength(psi);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.5 - Math.pow(2, -(total[i] / options.trees) / c);
  return out;
}
