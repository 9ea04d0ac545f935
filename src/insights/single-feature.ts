import { binnedAuc } from '../metrics/auc.js';
import type { Task } from '../models/types.js';
import { argmaxRows, sigmoid, softmaxInto } from '../util/numeric.js';

/**
 * Gradient boosting on one feature, for prediction power (A.3.3) and target leakage (A.2).
 *
 * With one histogram-binned feature every row in a bin gets the same prediction at every round, so the
 * booster works on per-bin aggregates (count, label sums) instead of rows: one O(n) pass to aggregate, then
 * O(rounds x bins x depth). The trees and the result are the same as a row-wise histogram GBDT with the
 * XGBoost defaults the reference uses (eta 0.3, depth 6, lambda 1, min_child_weight 1, 50 rounds, early
 * stopping after 10 rounds without validation improvement); missing values get their own bin and a learned
 * default direction at every split; categories are ordered by gradient ratio at each tree root (LightGBM).
 */

export interface SingleFeatureParams {
  readonly rounds: number;
  readonly learningRate: number;
  readonly maxDepth: number;
  readonly lambda: number;
  readonly minChildWeight: number;
  readonly earlyStopping: number;
  readonly maxBins: number;
}

export const DEFAULT_SINGLE_FEATURE_PARAMS: SingleFeatureParams = {
  rounds: 50,
  learningRate: 0.3,
  maxDepth: 6,
  lambda: 1,
  minChildWeight: 1,
  earlyStopping: 10,
  maxBins: 255,
};

export interface BinnedFeature {
  /** Bin per row of the frame; `numBins` (the last bin) = missing. */
  readonly bins: Uint16Array;
  readonly numBins: number;
  readonly categorical: boolean;
}

/**
 * Bins a feature using the training rows only: numeric values by quantile cut points (one bin per distinct
 * value when there are few), categorical codes one bin each (the most frequent maxBins-1, the rest together).
 */
export function binFeature(values: Float64Array, categorical: boolean, trainRows: Int32Array, maxBins = 255): BinnedFeature {
  const n = values.length;
  const bins = new Uint16Array(n);
  if (categorical) {
    const counts = new Map<number, number>();
    for (let i = 0; i < trainRows.length; i++) {
      const v = values[trainRows[i]];
      if (v === v) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const ordered = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const keep = ordered.slice(0, maxBins - 1);
    const binOf = new Map(keep.map(([v], i) => [v, i]));
    const otherBin = keep.length;
    const numBins = keep.length + 1;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      bins[i] = v !== v ? numBins : (binOf.get(v) ?? otherBin);
    }
    return { bins, numBins, categorical };
  }
  let m = 0;
  const train = new Float64Array(trainRows.length);
  for (let i = 0; i < trainRows.length; i++) {
    const v = values[trainRows[i]];
    if (v === v) train[m++] = v;
  }
  const sorted = train.subarray(0, m).sort();
  const distinct: number[] = [];
  for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  let cuts: number[];
  if (distinct.length <= maxBins) {
    cuts = [];
    for (let i = 1; i < distinct.length; i++) cuts.push((distinct[i - 1] + distinct[i]) / 2);
  } else {
    const set = new Set<number>();
    for (let b = 1; b < maxBins; b++) {
      const v = sorted[Math.floor((b * m) / maxBins)];
      set.add(v);
    }
    cuts = [...set].sort((a, b) => a - b);
    // A cut at value v sends v to the right: values < v go left.
  }
  const numBins = cuts.length + 1;
  const cutArr = Float64Array.from(cuts);
  const exclusive = distinct.length <= maxBins;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      bins[i] = numBins;
      continue;
    }
    let lo = 0;
    let hi = cutArr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (exclusive ? v > cutArr[mid] : v >= cutArr[mid]) lo = mid + 1;
      else hi = mid;
    }
    bins[i] = lo;
  }
  return { bins, numBins, categorical };
}

export interface SingleFeatureTarget {
  readonly task: Task;
  /** Regression value or class index, per row of the frame (only rows named in train/valid are read). */
  readonly y: Float64Array;
  readonly numClasses: number;
}

export interface SingleFeatureResult {
  /** R² (regression), ROC-AUC (binary) or accuracy (multiclass) on the validation rows; NaN when undefined. */
  readonly score: number;
  readonly baseline: number;
  /** max((score - baseline) / (1 - baseline), 0). */
  readonly normalized: number;
  readonly rounds: number;
  /** Multiclass only: mean one-vs-rest ROC-AUC on the validation rows. */
  readonly aucOvr?: number;
}

interface Aggregates {
  /** rows per bin */
  count: Float64Array;
  /** regression: sum y per bin; classification: rows per bin and class (bin-major, K per bin) */
  sum: Float64Array;
  /** regression: sum y² per bin */
  sumSq: Float64Array;
}

function aggregate(binned: BinnedFeature, target: SingleFeatureTarget, rows: Int32Array, K: number): Aggregates {
  const nb = binned.numBins + 1;
  const count = new Float64Array(nb);
  const classification = target.task !== 'regression';
  const sum = new Float64Array(classification ? nb * K : nb);
  const sumSq = new Float64Array(classification ? 0 : nb);
  const { bins } = binned;
  const { y } = target;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const b = bins[r];
    count[b]++;
    if (classification) sum[b * K + y[r]]++;
    else {
      sum[b] += y[r];
      sumSq[b] += y[r] * y[r];
    }
  }
  return { count, sum, sumSq };
}

/**
 * One regression tree over bins: returns the leaf value (already multiplied by the learning rate) per bin.
 * `order` lists the non-missing bins in split order; the missing bin (index order.length... = missingBin)
 * follows whichever side gains more at each split.
 */
function buildTree(G: Float64Array, H: Float64Array, order: Int32Array, missingBin: number, p: SingleFeatureParams, out: Float64Array): void {
  const prefixG = new Float64Array(order.length + 1);
  const prefixH = new Float64Array(order.length + 1);
  for (let i = 0; i < order.length; i++) {
    prefixG[i + 1] = prefixG[i] + G[order[i]];
    prefixH[i + 1] = prefixH[i] + H[order[i]];
  }
  const gm = G[missingBin];
  const hm = H[missingBin];
  const leaf = (g: number, h: number) => (h + p.lambda > 0 ? (-g / (h + p.lambda)) * p.learningRate : 0);
  const score = (g: number, h: number) => (g * g) / (h + p.lambda);

  const grow = (lo: number, hi: number, withMissing: boolean, depth: number): void => {
    const g = prefixG[hi] - prefixG[lo] + (withMissing ? gm : 0);
    const h = prefixH[hi] - prefixH[lo] + (withMissing ? hm : 0);
    let bestGain = 1e-12;
    let bestSplit = -1;
    let bestMissingLeft = false;
    if (depth < p.maxDepth && h >= 2 * p.minChildWeight) {
      const parent = score(g, h);
      for (let s = lo + 1; s < hi; s++) {
        const gl = prefixG[s] - prefixG[lo];
        const hl = prefixH[s] - prefixH[lo];
        const gr = g - gl - (withMissing ? gm : 0);
        const hr = h - hl - (withMissing ? hm : 0);
        // missing goes right
        if (hl >= p.minChildWeight && hr + (withMissing ? hm : 0) >= p.minChildWeight) {
          const gain = score(gl, hl) + score(gr + (withMissing ? gm : 0), hr + (withMissing ? hm : 0)) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestSplit = s;
            bestMissingLeft = false;
          }
        }
        if (withMissing && hm > 0 && hl + hm >= p.minChildWeight && hr >= p.minChildWeight) {
          const gain = score(gl + gm, hl + hm) + score(gr, hr) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestSplit = s;
            bestMissingLeft = true;
          }
        }
      }
    }
    if (bestSplit < 0) {
      const v = leaf(g, h);
      for (let i = lo; i < hi; i++) out[order[i]] = v;
      if (withMissing) out[missingBin] = v;
      return;
    }
    grow(lo, bestSplit, withMissing && bestMissingLeft, depth + 1);
    grow(bestSplit, hi, withMissing && !bestMissingLeft, depth + 1);
  };
  grow(0, order.length, true, 0);
}

/** Prediction power is not computed on fewer rows than this (train + validation; A.3.3). */
const MIN_ROWS = 100;
/** Clamp of the binary prior (so its log-odds stay finite) and of probabilities inside a log loss. */
const PRIOR_CLAMP = 1e-6;
const PROB_CLAMP = 1e-15;
/** A round improves on the best validation loss only by more than this relative amount. */
const IMPROVEMENT_TOL = 1e-12;

/** The per-bin state of one boosting run. */
interface Run {
  readonly task: Task;
  /** Label columns of the aggregates (1 for regression, else the number of classes). */
  readonly K: number;
  /** Raw scores per bin (K for multiclass, else 1). */
  readonly outputs: number;
  /** Bins including the missing bin. */
  readonly nb: number;
  readonly tr: Aggregates;
  readonly va: Aggregates;
  /** Multiclass: class probabilities per bin, written by `softmaxBins`. */
  readonly prob: Float64Array;
}

function softmaxBins(run: Run, F: Float64Array): void {
  for (let b = 0; b < run.nb; b++) softmaxInto(F, b * run.K, run.K, run.prob, b * run.K);
}

/** Classes with at least one validation row. */
function classesPresent(run: Run): number {
  let present = 0;
  for (let k = 0; k < run.K; k++) {
    let c = 0;
    for (let b = 0; b < run.nb; b++) c += run.va.sum[b * run.K + k];
    if (c > 0) present++;
  }
  return present;
}

/** The starting raw score of every bin: the training mean, prior log-odds or log class shares. */
function initialScores(run: Run): Float64Array {
  const { task, K, nb, tr } = run;
  const F = new Float64Array(nb * run.outputs);
  let nTrain = 0;
  for (let b = 0; b < nb; b++) nTrain += tr.count[b];
  if (task === 'regression') {
    let s = 0;
    for (let b = 0; b < nb; b++) s += tr.sum[b];
    F.fill(s / nTrain);
  } else if (task === 'binary') {
    let pos = 0;
    for (let b = 0; b < nb; b++) pos += tr.sum[b * K + 1];
    const prior = Math.min(1 - PRIOR_CLAMP, Math.max(PRIOR_CLAMP, pos / nTrain));
    F.fill(Math.log(prior / (1 - prior)));
  } else {
    for (let k = 0; k < K; k++) {
      let c = 0;
      for (let b = 0; b < nb; b++) c += tr.sum[b * K + k];
      const init = Math.log(Math.max(c, PRIOR_CLAMP) / nTrain);
      for (let b = 0; b < nb; b++) F[b * K + k] = init;
    }
  }
  return F;
}

/** Squared error or log loss of the raw scores F on the validation rows. */
function validLoss(run: Run, F: Float64Array): number {
  const { task, K, nb, va, prob } = run;
  let loss = 0;
  if (task === 'regression') {
    for (let b = 0; b < nb; b++) loss += va.sumSq[b] - 2 * F[b] * va.sum[b] + va.count[b] * F[b] * F[b];
  } else if (task === 'binary') {
    for (let b = 0; b < nb; b++) {
      const p = Math.min(1 - PROB_CLAMP, Math.max(PROB_CLAMP, sigmoid(F[b])));
      loss -= va.sum[b * 2 + 1] * Math.log(p) + va.sum[b * 2] * Math.log(1 - p);
    }
  } else {
    softmaxBins(run, F);
    for (let b = 0; b < nb; b++) for (let k = 0; k < K; k++) loss -= va.sum[b * K + k] * Math.log(Math.max(PROB_CLAMP, prob[b * K + k]));
  }
  return loss;
}

/** Per-bin gradient and hessian sums of output k (multiclass reads `run.prob`). */
function fillGradients(run: Run, F: Float64Array, k: number, G: Float64Array, H: Float64Array): void {
  const { task, K, tr, prob } = run;
  for (let b = 0; b < run.nb; b++) {
    const c = tr.count[b];
    if (task === 'regression') {
      G[b] = c * F[b] - tr.sum[b];
      H[b] = c;
    } else if (task === 'binary') {
      const p = sigmoid(F[b]);
      G[b] = c * p - tr.sum[b * 2 + 1];
      H[b] = c * p * (1 - p);
    } else {
      const p = prob[b * K + k];
      G[b] = c * p - tr.sum[b * K + k];
      H[b] = c * p * (1 - p);
    }
  }
}

/** Boosting rounds with early stopping on the validation loss; the best round's raw scores. */
function boost(run: Run, binned: BinnedFeature, params: SingleFeatureParams): { bestF: Float64Array; bestRound: number } {
  const { nb, outputs } = run;
  const F = initialScores(run);
  const G = new Float64Array(nb);
  const H = new Float64Array(nb);
  const delta = new Float64Array(nb);
  const order = new Int32Array(binned.numBins);
  const ratio = new Float64Array(binned.numBins);
  for (let b = 0; b < binned.numBins; b++) order[b] = b;
  let bestLoss = validLoss(run, F);
  let bestF = F.slice();
  let bestRound = 0;
  for (let round = 1; round <= params.rounds; round++) {
    if (run.task === 'multiclass') softmaxBins(run, F);
    for (let k = 0; k < outputs; k++) {
      fillGradients(run, F, k, G, H);
      if (binned.categorical) {
        for (let b = 0; b < binned.numBins; b++) ratio[b] = H[b] > 0 ? G[b] / (H[b] + params.lambda) : 0;
        order.sort((a, b) => ratio[a] - ratio[b] || a - b);
      }
      delta.fill(0);
      buildTree(G, H, order, binned.numBins, params, delta);
      for (let b = 0; b < nb; b++) F[b * outputs + k] += delta[b];
    }
    const loss = validLoss(run, F);
    if (loss < bestLoss - IMPROVEMENT_TOL * Math.abs(bestLoss)) {
      bestLoss = loss;
      bestF = F.slice();
      bestRound = round;
    } else if (round - bestRound >= params.earlyStopping) break;
  }
  return { bestF, bestRound };
}

/** Validation R² (baseline 0: the mean). */
function regressionScore(run: Run, F: Float64Array): { score: number; baseline: number } {
  const { va } = run;
  let n = 0;
  let s = 0;
  let ss = 0;
  let sse = 0;
  for (let b = 0; b < run.nb; b++) {
    n += va.count[b];
    s += va.sum[b];
    ss += va.sumSq[b];
    sse += va.sumSq[b] - 2 * F[b] * va.sum[b] + va.count[b] * F[b] * F[b];
  }
  const sst = ss - (s * s) / n;
  return { score: sst > 0 ? 1 - sse / sst : NaN, baseline: 0 };
}

/** Validation ROC-AUC (baseline 0.5). */
function binaryScore(run: Run, F: Float64Array): { score: number; baseline: number } {
  const pos = new Float64Array(run.nb);
  const neg = new Float64Array(run.nb);
  for (let b = 0; b < run.nb; b++) {
    pos[b] = run.va.sum[b * 2 + 1];
    neg[b] = run.va.sum[b * 2];
  }
  return { score: binnedAuc(F, pos, neg), baseline: 0.5 };
}

/** Validation accuracy (baseline: the majority class share) and the mean one-vs-rest AUC. */
function multiclassScore(run: Run, F: Float64Array): { score: number; baseline: number; aucOvr: number } {
  const { K, nb, va, prob } = run;
  let correct = 0;
  let n = 0;
  const perClass = new Float64Array(K);
  const predicted = argmaxRows(F, K);
  for (let b = 0; b < nb; b++) {
    correct += va.sum[b * K + predicted[b]];
    n += va.count[b];
    for (let k = 0; k < K; k++) perClass[k] += va.sum[b * K + k];
  }
  softmaxBins(run, F);
  const pos = new Float64Array(nb);
  const neg = new Float64Array(nb);
  const s = new Float64Array(nb);
  let aucSum = 0;
  let aucCount = 0;
  for (let k = 0; k < K; k++) {
    if (perClass[k] === 0 || perClass[k] === n) continue;
    for (let b = 0; b < nb; b++) {
      pos[b] = va.sum[b * K + k];
      neg[b] = va.count[b] - pos[b];
      s[b] = prob[b * K + k];
    }
    const a = binnedAuc(s, pos, neg);
    if (Number.isFinite(a)) {
      aucSum += a;
      aucCount++;
    }
  }
  return { score: correct / n, baseline: Math.max(...perClass) / n, aucOvr: aucCount > 0 ? aucSum / aucCount : NaN };
}

/** Trains on `trainRows`, scores on `validRows`. */
export function singleFeatureScore(
  binned: BinnedFeature,
  target: SingleFeatureTarget,
  trainRows: Int32Array,
  validRows: Int32Array,
  params: SingleFeatureParams = DEFAULT_SINGLE_FEATURE_PARAMS,
): SingleFeatureResult {
  const nan = { score: NaN, baseline: NaN, normalized: NaN, rounds: 0 };
  if (trainRows.length + validRows.length < MIN_ROWS || validRows.length === 0) return nan;
  const task = target.task;
  const K = task === 'regression' ? 1 : target.numClasses;
  const nb = binned.numBins + 1;
  const run: Run = {
    task,
    K,
    outputs: task === 'multiclass' ? K : 1,
    nb,
    tr: aggregate(binned, target, trainRows, K),
    va: aggregate(binned, target, validRows, K),
    prob: new Float64Array(nb * K),
  };
  if (task !== 'regression' && classesPresent(run) < 2) return nan;
  const { bestF, bestRound } = boost(run, binned, params);
  const result: { score: number; baseline: number; aucOvr?: number } =
    task === 'regression' ? regressionScore(run, bestF) : task === 'binary' ? binaryScore(run, bestF) : multiclassScore(run, bestF);
  const { score, baseline, aucOvr } = result;
  const normalized = Number.isFinite(score) ? (baseline < 1 ? Math.max((score - baseline) / (1 - baseline), 0) : 0) : NaN;
  return { score, baseline, normalized, rounds: bestRound, ...(aucOvr !== undefined ? { aucOvr } : {}) };
}
