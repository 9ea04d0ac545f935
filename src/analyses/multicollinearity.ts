import type { Frame } from '../frame/frame.js';
import { encodeTarget } from '../insights/target.js';
import { kFolds, sampleRows } from '../insights/split.js';
import { numericValues } from '../insights/stats.js';
import { problemTypeOf } from '../insights/target-report.js';
import { barChart, barItems, stackCharts } from '../render/index.js';
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { symmetricEigen } from '../util/linalg.js';
import { Random } from '../util/random.js';
import { type AnalysisParams, type AnalysisResult, isNumericColumn, listParam, numberParam } from './common.js';

/**
 * A.2 Multicollinearity over the numeric features (missing values imputed with the median, each feature
 * standardised): variance inflation factors clipped at 50, PCA singular values, and Lasso coefficients against
 * the target (alpha by 5-fold cross-validation on at most 10,000 rows unless given).
 */
export const VIF_CLIP = 50;

function standardized(frame: Frame, names: readonly string[]): { x: Float64Array[]; kept: string[]; constant: string[] } {
  const x: Float64Array[] = [];
  const kept: string[] = [];
  const constant: string[] = [];
  for (const name of names) {
    const v = numericValues(frame.column(name)).slice();
    const present = Float64Array.from(v.filter((a) => a === a)).sort();
    if (present.length === 0) {
      constant.push(name);
      continue;
    }
    const median = present[present.length >> 1];
    let s = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== v[i]) v[i] = median;
      s += v[i];
    }
    const mean = s / v.length;
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
    const std = Math.sqrt(ss / Math.max(1, v.length - 1));
    if (!(std > 0)) {
      constant.push(name);
      continue;
    }
    for (let i = 0; i < v.length; i++) v[i] = (v[i] - mean) / std;
    x.push(v);
    kept.push(name);
  }
  return { x, kept, constant };
}

function gram(x: readonly Float64Array[], rows: ArrayLike<number> | null, n: number): Float64Array {
  const p = x.length;
  const g = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let s = 0;
      const xa = x[a];
      const xb = x[b];
      if (rows) for (let k = 0; k < rows.length; k++) s += xa[rows[k]] * xb[rows[k]];
      else for (let i = 0; i < n; i++) s += xa[i] * xb[i];
      g[a * p + b] = g[b * p + a] = s;
    }
  }
  return g;
}

/** Coordinate descent for (1/2n)||y - Xb||² + alpha ||b||₁ given G = XᵀX/n and c = Xᵀy/n. */
export function lassoCoordinateDescent(G: Float64Array, c: Float64Array, p: number, alpha: number, warm?: Float64Array, iterations = 1000): Float64Array {
  const b = warm ? warm.slice() : new Float64Array(p);
  for (let it = 0; it < iterations; it++) {
    let maxDelta = 0;
    for (let j = 0; j < p; j++) {
      const gjj = G[j * p + j];
      if (!(gjj > 0)) continue;
      let r = c[j];
      for (let k = 0; k < p; k++) if (k !== j) r -= G[j * p + k] * b[k];
      const z = Math.abs(r) > alpha ? (Math.sign(r) * (Math.abs(r) - alpha)) / gjj : 0;
      maxDelta = Math.max(maxDelta, Math.abs(z - b[j]));
      b[j] = z;
    }
    if (maxDelta < 1e-7) break;
  }
  return b;
}

function lasso(x: Float64Array[], y: Float64Array, rows: Int32Array, alphaGiven: number | null, rng: Random): { alpha: number; coef: Float64Array; cvMse: number | null } {
  const p = x.length;
  const n = rows.length;
  let ym = 0;
  for (const r of rows) ym += y[r];
  ym /= n;
  const yc = new Float64Array(y.length);
  let ys = 0;
  for (const r of rows) ys += (y[r] - ym) ** 2;
  const ysd = Math.sqrt(ys / Math.max(1, n - 1)) || 1;
  for (const r of rows) yc[r] = (y[r] - ym) / ysd;
  const stats = (subset: ArrayLike<number>) => {
    const G = gram(x, subset, 0);
    const c = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < subset.length; k++) s += x[j][subset[k]] * yc[subset[k]];
      c[j] = s / subset.length;
    }
    for (let i = 0; i < G.length; i++) G[i] /= subset.length;
    return { G, c };
  };
  const full = stats(rows);
  if (alphaGiven !== null) return { alpha: alphaGiven, coef: lassoCoordinateDescent(full.G, full.c, p, alphaGiven), cvMse: null };
  const alphaMax = Math.max(...Array.from(full.c, Math.abs), 1e-6);
  const path = Array.from({ length: 20 }, (_, i) => alphaMax * Math.pow(1e-3, i / 19));
  const folds = kFolds(rows, null, 5, rng);
  const mse = new Float64Array(path.length);
  for (const f of folds) {
    const s = stats(f.train);
    let warm: Float64Array | undefined;
    path.forEach((a, k) => {
      warm = lassoCoordinateDescent(s.G, s.c, p, a, warm, 200);
      let e = 0;
      for (const r of f.valid) {
        let pred = 0;
        for (let j = 0; j < p; j++) pred += x[j][r] * warm[j];
        e += (yc[r] - pred) ** 2;
      }
      mse[k] += e / rows.length;
    });
  }
  let best = 0;
  for (let k = 1; k < path.length; k++) if (mse[k] < mse[best]) best = k;
  return { alpha: path[best], coef: lassoCoordinateDescent(full.G, full.c, p, path[best]), cvMse: mse[best] };
}

export function multicollinearityAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const target = typeof params.target === 'string' && params.target !== '' ? params.target : null;
  const names = (listParam(params, 'columns') ?? frame.columnNames).filter((n) => n !== target && isNumericColumn(frame.column(n)));
  if (names.length < 2) throw new TabpilotError('INVALID_ARGUMENT', 'multicollinearity needs at least two numeric feature columns');
  const { x, kept, constant } = standardized(frame, names);
  const n = frame.numRows;
  const p = kept.length;
  const R = gram(x, null, n);
  for (let i = 0; i < R.length; i++) R[i] /= Math.max(1, n - 1);
  // Eigenvalues largest first: VIF_i = sum_k V_ik^2 / lambda_k, and the condition spectrum in that order.
  const evd = symmetricEigen(R, p);
  const lambda = Array.from(evd.values, (v) => Math.max(v, 0));
  const V = evd.vectors;
  const vif = kept.map((_, i) => {
    let s = 0;
    for (let k = 0; k < p; k++) s += V[i * p + k] ** 2 / Math.max(lambda[k], 1e-12);
    return Math.min(VIF_CLIP, Math.max(1, s));
  });
  const totalVar = lambda.reduce((a, b) => a + b, 0);
  const singularValues = lambda.map((l) => Math.sqrt(l * Math.max(1, n - 1)));
  const varianceRatio = lambda.map((l) => l / (totalVar || 1));

  let lassoResult: { target: string; task: Task; alpha: number; cvMse: number | null; coefficients: { feature: string; coefficient: number; selected: boolean }[] } | null = null;
  if (target) {
    const col = frame.column(target);
    const task = (params.problemType as Task | undefined) ?? problemTypeOf(col).task;
    const enc = encodeTarget(col, task);
    const rng = new Random(numberParam(params, 'seed', 0));
    const rows = enc.rows.length > 10_000 ? Int32Array.from(sampleRows(enc.rows.length, 10_000, rng.fork(1)), (k) => enc.rows[k]) : enc.rows;
    const alphaGiven = params.lassoAlpha === undefined ? null : numberParam(params, 'lassoAlpha', 0, (v) => v >= 0);
    const K = task === 'multiclass' ? enc.classes.length : 1;
    const coefSum = new Float64Array(p);
    let alpha = 0;
    let cvMse: number | null = null;
    for (let k = 0; k < K; k++) {
      // Multiclass: one-vs-rest indicator targets, |coefficients| averaged.
      const y = new Float64Array(n).fill(NaN);
      enc.rows.forEach((r, i) => (y[r] = task === 'multiclass' ? (enc.y[i] === k ? 1 : 0) : enc.y[i]));
      const fit = lasso(x, y, rows, alphaGiven, rng.fork(10 + k));
      for (let j = 0; j < p; j++) coefSum[j] += K === 1 ? fit.coef[j] : Math.abs(fit.coef[j]) / K;
      alpha += fit.alpha / K;
      cvMse = fit.cvMse === null ? null : (cvMse ?? 0) + fit.cvMse / K;
    }
    lassoResult = {
      target,
      task,
      alpha,
      cvMse,
      coefficients: kept.map((feature, j) => ({ feature, coefficient: coefSum[j], selected: Math.abs(coefSum[j]) > 1e-10 })).sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient)),
    };
  }
  const charts = [
    { caption: `Variance inflation factor (clipped at ${VIF_CLIP}; ≥ 5 is high)`, svg: barChart({ items: barItems(kept, vif), title: 'VIF', kind: 'vif', width: 520 }) },
    { caption: 'PCA: share of variance per component (standardised features)', svg: barChart({ items: barItems(lambda.map((_, i) => `PC${i + 1}`), varianceRatio), title: 'PCA variance ratio', kind: 'pca', width: 520 }) },
  ];
  if (lassoResult) {
    charts.push({
      caption: `Lasso coefficients for ${lassoResult.target} (alpha ${lassoResult.alpha.toPrecision(3)}, standardised)`,
      svg: barChart({ items: lassoResult.coefficients.map((c) => ({ label: c.feature, value: c.coefficient })), title: 'Lasso', kind: 'lasso', width: 520 }),
    });
  }
  const high = kept.filter((_, i) => vif[i] >= 5);
  return {
    analysis: 'multicollinearity',
    params,
    data: {
      features: kept,
      excludedConstant: constant,
      vif: kept.map((feature, i) => ({ feature, vif: vif[i], level: vif[i] >= 5 ? 'high' : vif[i] > 1 ? 'moderate' : 'none' })),
      pca: { singularValues, varianceRatio },
      lasso: lassoResult,
    },
    svg: stackCharts(charts, 'multicollinearity'),
    summary: `${high.length} of ${p} features have VIF ≥ 5${high.length > 0 ? ` (${high.slice(0, 6).join(', ')})` : ''}; the first principal component holds ${(100 * varianceRatio[0]).toFixed(1)}% of the variance.${
      lassoResult ? ` Lasso keeps ${lassoResult.coefficients.filter((c) => c.selected).length} of ${p} features.` : ''
    }`,
  };
}
