/** ROC AUC: one rank-sum implementation for scored rows (metrics, Autopilot, insights) and for binned counts. */
import { TabpilotError } from '../util/errors.js';

/** Area under the ROC curve of `score` for `isPositive` (Mann-Whitney U with average ranks for ties). */
function binaryAuc(score: Float64Array, isPositive: Uint8Array, weight?: Float64Array): number {
  const n = score.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[a] - score[b]);
  // Walk groups of tied scores: a negative below a positive counts 1, a tie counts 1/2.
  let negBelow = 0;
  let area = 0;
  let pos = 0;
  let neg = 0;
  for (let g = 0; g < n; ) {
    let end = g;
    let groupPos = 0;
    let groupNeg = 0;
    while (end < n && score[order[end]] === score[order[g]]) {
      const r = order[end];
      const w = weight === undefined ? 1 : weight[r];
      if (isPositive[r]) groupPos += w;
      else groupNeg += w;
      end++;
    }
    area += groupPos * (negBelow + groupNeg / 2);
    negBelow += groupNeg;
    pos += groupPos;
    neg += groupNeg;
    g = end;
  }
  if (pos === 0 || neg === 0) return NaN;
  return area / (pos * neg);
}

/**
 * ROC AUC. Binary: `scores` is either n positive-class scores or n x 2 probabilities (column `positive`, default 1).
 * Multiclass (n x k, k > 2): unweighted mean of one-vs-rest AUCs over classes present with both outcomes.
 * NaN when only one class is present.
 */
export function rocAuc(yTrue: Int32Array, scores: Float64Array, positive = 1, weight?: Float64Array): number {
  const n = yTrue.length;
  if (n === 0) throw new TabpilotError('INVALID_ARGUMENT', 'AUC: no rows to evaluate');
  const k = scores.length / n;
  if (!Number.isInteger(k)) throw new TabpilotError('INVALID_ARGUMENT', `AUC: ${scores.length} scores for ${n} rows`);
  if (k <= 2) {
    const col = k === 1 ? 0 : positive;
    const s = k === 1 ? scores : new Float64Array(n);
    if (k === 2) for (let i = 0; i < n; i++) s[i] = scores[i * 2 + col];
    const isPos = new Uint8Array(n);
    for (let i = 0; i < n; i++) isPos[i] = yTrue[i] === positive ? 1 : 0;
    return binaryAuc(s, isPos, weight);
  }
  let sum = 0;
  let count = 0;
  const s = new Float64Array(n);
  const isPos = new Uint8Array(n);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      s[i] = scores[i * k + j];
      isPos[i] = yTrue[i] === j ? 1 : 0;
    }
    const auc = binaryAuc(s, isPos, weight);
    if (!Number.isNaN(auc)) {
      sum += auc;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/**
 * ROC AUC from per-bin scores and the positive / negative (weighted) counts in each bin, ties counting one half:
 * the same rank sum as rocAuc over the rows the bins summarise. NaN when either class is absent.
 */
export function binnedAuc(score: Float64Array, pos: Float64Array, neg: Float64Array): number {
  const m = score.length;
  const s = new Float64Array(2 * m);
  const isPositive = new Uint8Array(2 * m);
  const weight = new Float64Array(2 * m);
  for (let b = 0; b < m; b++) {
    s[2 * b] = score[b];
    s[2 * b + 1] = score[b];
    isPositive[2 * b] = 1;
    weight[2 * b] = pos[b];
    weight[2 * b + 1] = neg[b];
  }
  return binaryAuc(s, isPositive, weight);
}
