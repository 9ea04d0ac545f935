import { describe, expect, it } from 'vitest';
import {
  accuracy,
  balancedAccuracy,
  computeMetrics,
  confusionMatrix,
  DEFAULT_OBJECTIVE,
  f1,
  f1Macro,
  isBetter,
  logLoss,
  mae,
  mse,
  parseMetricName,
  precision,
  precisionMacro,
  r2,
  recall,
  recallMacro,
  rmse,
  rocAuc,
} from '../src/metrics/index.js';

const i32 = (a: number[]) => Int32Array.from(a);
const f64 = (a: number[]) => Float64Array.from(a);

describe('regression metrics', () => {
  const y = f64([3, -0.5, 2, 7]);
  const p = f64([2.5, 0, 2, 8]);
  it('match hand-computed values', () => {
    // errors 0.5, -0.5, 0, -1 -> squared 0.25, 0.25, 0, 1
    expect(mse(y, p)).toBeCloseTo(0.375, 12);
    expect(rmse(y, p)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(mae(y, p)).toBeCloseTo(0.5, 12);
    // mean 2.875; ssTot = 0.015625+11.390625+0.765625+17.015625 = 29.1875
    expect(r2(y, p)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
  });
  it('weights rows', () => {
    expect(mse(y, p, f64([0, 0, 1, 1]))).toBeCloseTo(0.5, 12);
  });
});

describe('classification metrics', () => {
  // TP=2 (rows 0,3), FP=1 (row 4), FN=1 (row 1), TN=2
  const y = i32([1, 1, 0, 1, 0, 0]);
  const p = i32([1, 0, 0, 1, 1, 0]);
  it('binary label metrics', () => {
    expect(accuracy(y, p)).toBeCloseTo(4 / 6, 12);
    expect(precision(y, p)).toBeCloseTo(2 / 3, 12);
    expect(recall(y, p)).toBeCloseTo(2 / 3, 12);
    expect(f1(y, p)).toBeCloseTo(2 / 3, 12);
    expect(balancedAccuracy(y, p)).toBeCloseTo(0.5 * (2 / 3 + 2 / 3), 12);
    expect(confusionMatrix(y, p)).toEqual([
      [2, 1],
      [1, 2],
    ]);
  });
  it('F1 of the other class when asked', () => {
    const yy = i32([1, 1, 1, 0]);
    const pp = i32([1, 1, 0, 0]);
    expect(f1(yy, pp, 1)).toBeCloseTo(0.8, 12); // tp 2, fp 0, fn 1
    expect(f1(yy, pp, 0)).toBeCloseTo(2 / 3, 12); // tp 1, fp 1, fn 0
  });
  it('macro metrics over three classes', () => {
    const yy = i32([0, 0, 1, 1, 2, 2]);
    const pp = i32([0, 1, 1, 1, 2, 0]);
    // class0: tp1 pred2 act2 -> P .5 R .5 ; class1: tp2 pred3 act2 -> P 2/3 R 1 ; class2: tp1 pred1 act2 -> P 1 R .5
    expect(precisionMacro(yy, pp)).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    expect(recallMacro(yy, pp)).toBeCloseTo((0.5 + 1 + 0.5) / 3, 12);
    expect(f1Macro(yy, pp)).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    expect(balancedAccuracy(yy, pp)).toBeCloseTo(2 / 3, 12);
  });
  it('AUC with ties equals the Mann-Whitney probability', () => {
    // positives scores 0.8, 0.4 ; negatives 0.4, 0.1 -> pairs: (0.8>0.4)1 (0.8>0.1)1 (0.4=0.4).5 (0.4>0.1)1 = 3.5/4
    const yy = i32([1, 1, 0, 0]);
    expect(rocAuc(yy, f64([0.8, 0.4, 0.4, 0.1]))).toBeCloseTo(0.875, 12);
    expect(rocAuc(yy, f64([0.2, 0.8, 0.6, 0.4, 0.6, 0.4, 0.9, 0.1]))).toBeCloseTo(0.875, 12);
    expect(rocAuc(i32([0, 1]), f64([0.9, 0.1]))).toBe(0);
    expect(rocAuc(i32([1, 1]), f64([0.9, 0.1]))).toBeNaN();
  });
  it('one-vs-rest macro AUC for multiclass', () => {
    const yy = i32([0, 1, 2]);
    const pr = f64([0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
    expect(rocAuc(yy, pr)).toBeCloseTo(1, 12);
  });
  it('log loss', () => {
    const yy = i32([1, 0]);
    const pr = f64([0.2, 0.8, 0.6, 0.4]);
    expect(logLoss(yy, pr)).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(Number.isFinite(logLoss(i32([0]), f64([0, 1])))).toBe(true); // clipped, not infinite
  });
});

describe('computeMetrics and names', () => {
  it('reports every metric of the task', () => {
    const m = computeMetrics('binary', i32([1, 0, 1, 0]), { probabilities: f64([0.3, 0.7, 0.6, 0.4, 0.55, 0.45, 0.9, 0.1]) });
    // labels: 1, 0, 0, 0 -> tp1 fn1 fp0
    expect(m.Accuracy).toBeCloseTo(0.75, 12);
    expect(m.F1).toBeCloseTo(2 / 3, 12);
    expect(m.AUC).toBeCloseTo(1, 12);
    expect(Object.keys(m).sort()).toEqual(['AUC', 'Accuracy', 'BalancedAccuracy', 'F1', 'LogLoss', 'Precision', 'Recall']);
    const r = computeMetrics('regression', f64([1, 2]), { prediction: f64([1, 4]) });
    expect(r.MSE).toBe(2);
    expect(r.RMSE).toBeCloseTo(Math.SQRT2, 12);
  });
  it('defaults and directions follow Autopilot', () => {
    expect(DEFAULT_OBJECTIVE).toEqual({ regression: 'MSE', binary: 'F1', multiclass: 'Accuracy' });
    expect(isBetter('MSE', 1, 2)).toBe(true);
    expect(isBetter('AUC', 1, 2)).toBe(false);
    expect(parseMetricName('f1macro', 'multiclass')).toBe('F1macro');
    expect(() => parseMetricName('MSE', 'binary')).toThrow(/unknown objective metric/);
  });
});

describe('one AUC for rows and for binned counts', () => {
  it('binnedAuc over per-bin counts equals rocAuc over the rows the bins summarise (pima: age bins vs diabetes)', async () => {
    const { readTable } = await import('../src/io/index.js');
    const { binnedAuc } = await import('../src/metrics/index.js');
    const { frame } = await readTable('fixtures/pima_diabetes2.csv');
    const age = frame.column('age');
    const label = frame.column('diabetes');
    if (age.kind !== 'numeric' || label.kind !== 'categorical') throw new Error('unexpected fixture types');
    const positive = label.dictionary.indexOf('pos');
    // Decade bins: the bin's score is its index, so tied rows share a score exactly as in the bins.
    const bin = Int32Array.from(age.values, (v) => Math.min(7, Math.floor(v / 10)));
    const pos = new Float64Array(8);
    const neg = new Float64Array(8);
    const y = new Int32Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      y[i] = label.codes[i] === positive ? 1 : 0;
      (y[i] === 1 ? pos : neg)[bin[i]]++;
    }
    const rows = rocAuc(y, Float64Array.from(bin));
    expect(rows).toBeGreaterThan(0.65);
    expect(binnedAuc(Float64Array.from({ length: 8 }, (_, b) => b), pos, neg)).toBeCloseTo(rows, 12);
    // Reversing the scores mirrors the AUC; no negatives at all gives NaN.
    expect(binnedAuc(Float64Array.from({ length: 8 }, (_, b) => -b), pos, neg)).toBeCloseTo(1 - rows, 12);
    expect(binnedAuc(Float64Array.from({ length: 8 }, (_, b) => b), pos, new Float64Array(8))).toBeNaN();
  });
});
