/**
 * Evaluation curves computed from scores and binary truth (1 = positive), with tied scores handled as one
 * threshold so curves do not depend on row order.
 */

export interface Curve {
  readonly x: number[];
  readonly y: number[];
}

function order(scores: Float64Array): Int32Array {
  const idx = Int32Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b] - scores[a]);
}

/** ROC curve (false-positive rate, true-positive rate) from the highest threshold down, and its trapezoid AUC. */
export function rocCurve(positive: Uint8Array, scores: Float64Array): Curve & { auc: number } {
  const idx = order(scores);
  let P = 0;
  for (let i = 0; i < positive.length; i++) P += positive[i];
  const N = positive.length - P;
  const x = [0];
  const y = [0];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; ) {
    const s = scores[idx[i]];
    while (i < idx.length && scores[idx[i]] === s) {
      if (positive[idx[i]]) tp++;
      else fp++;
      i++;
    }
    x.push(N > 0 ? fp / N : 0);
    y.push(P > 0 ? tp / P : 0);
  }
  let auc = 0;
  for (let i = 1; i < x.length; i++) auc += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return { x, y, auc: P > 0 && N > 0 ? auc : NaN };
}

/**
 * Precision-recall curve (recall on x) and average precision, AP = sum over thresholds of
 * (R_k - R_{k-1}) * P_k (the step-wise area scikit-learn reports, no interpolation).
 */
export function prCurve(positive: Uint8Array, scores: Float64Array): Curve & { averagePrecision: number; prevalence: number } {
  const idx = order(scores);
  let P = 0;
  for (let i = 0; i < positive.length; i++) P += positive[i];
  const x: number[] = [0];
  const y: number[] = [1];
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < idx.length; ) {
    const s = scores[idx[i]];
    while (i < idx.length && scores[idx[i]] === s) {
      if (positive[idx[i]]) tp++;
      seen++;
      i++;
    }
    const recall = P > 0 ? tp / P : 0;
    const precision = tp / seen;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    x.push(recall);
    y.push(precision);
  }
  return { x, y, averagePrecision: P > 0 ? ap : NaN, prevalence: positive.length > 0 ? P / positive.length : NaN };
}

export interface CalibrationBin {
  readonly meanPredicted: number;
  readonly fractionPositive: number;
  readonly count: number;
}

/** Reliability diagram: rows grouped in `bins` equal-width probability bins (empty bins omitted). */
export function calibrationCurve(positive: Uint8Array, probability: Float64Array, bins = 10): CalibrationBin[] {
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < probability.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(probability[i] * bins)));
    sumP[b] += probability[i];
    sumY[b] += positive[i];
    count[b]++;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) if (count[b] > 0) out.push({ meanPredicted: sumP[b] / count[b], fractionPositive: sumY[b] / count[b], count: count[b] });
  return out;
}

export interface GainRow {
  /** Share of rows targeted (by decreasing score): 0.1, 0.2, ..., 1. */
  readonly fraction: number;
  /** Cumulative share of all positives captured. */
  readonly gain: number;
  /** gain / fraction: how many times better than random targeting. */
  readonly lift: number;
}

/** Cumulative gain and lift by decile (Autopilot's model insights report). */
export function gainLift(positive: Uint8Array, scores: Float64Array, groups = 10): GainRow[] {
  const idx = order(scores);
  const n = idx.length;
  let P = 0;
  for (let i = 0; i < n; i++) P += positive[i];
  const out: GainRow[] = [];
  let tp = 0;
  let taken = 0;
  for (let g = 1; g <= groups; g++) {
    const upto = Math.round((g * n) / groups);
    while (taken < upto) tp += positive[idx[taken++]];
    const fraction = n > 0 ? upto / n : 0;
    const gain = P > 0 ? tp / P : 0;
    out.push({ fraction, gain, lift: fraction > 0 ? gain / fraction : 0 });
  }
  return out;
}

/** Least-squares line y = slope * x + intercept. */
export function bestFitLine(x: Float64Array, y: Float64Array): { slope: number; intercept: number } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}
