export { DesignEncoder, DEFAULT_DESIGN_OPTIONS, type DesignJSON, type DesignMatrix, type DesignOptions, type EncodedFeature } from './design.js';
export { type EncodedTarget, effectiveWeights, encodeTarget, requireFeatures, sortLabels, trainingRows } from './target.js';

/** Index of the largest entry of each row of a row-major n x k matrix (first wins on ties), as floats. */
export function argmaxRows(matrix: Float64Array, k: number): Float64Array {
  const n = matrix.length / k;
  const out = new Float64Array(n);
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
