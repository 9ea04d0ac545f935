/** Numeric helpers shared across layers: one copy of each. */

/** Pearson correlation over the rows where both values are present (NaN = missing); NaN below two rows. */
export function pearsonPairwise(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === a[i] && b[i] === b[i]) {
      n++;
      sa += a[i];
      sb += b[i];
    }
  }
  if (n < 2) return NaN;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === a[i] && b[i] === b[i]) {
      const x = a[i] - ma;
      const y = b[i] - mb;
      cov += x * y;
      va += x * x;
      vb += y * y;
    }
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}

/** Linear-interpolated quantile of sorted data (numpy's default), q in [0, 1]; NaN for no data. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Logistic function, computed without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Softmax of the k values src[srcOff .. srcOff + k) written to out[outOff ..] (max-shifted so it never
 * overflows). `out` may be `src` with the same offset (in place).
 */
export function softmaxInto(src: ArrayLike<number>, srcOff: number, k: number, out: Float64Array, outOff: number): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (src[srcOff + c] > max) max = src[srcOff + c];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(src[srcOff + c] - max);
    out[outOff + c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) out[outOff + c] /= sum;
}

/** Row-wise softmax of a row-major n x k matrix, in place; returns the matrix. */
export function softmaxRows(matrix: Float64Array, k: number): Float64Array {
  for (let o = 0; o < matrix.length; o += k) softmaxInto(matrix, o, k, matrix, o);
  return matrix;
}

/** Index of the largest entry of each row of a row-major n x k matrix (the first wins on ties). */
export function argmaxRows(matrix: ArrayLike<number>, k: number): Int32Array {
  const n = Math.floor(matrix.length / k);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = matrix[i * k];
    for (let c = 1; c < k; c++) {
      if (matrix[i * k + c] > bestValue) {
        bestValue = matrix[i * k + c];
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}
