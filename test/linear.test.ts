import { beforeAll, describe, expect, it } from 'vitest';
import { categoricalFromStrings, datetimeColumn, numericColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { linearSpec } from '../src/models/linear/index.js';
import { DesignEncoder } from '../src/models/preprocess/design.js';
import { Random } from '../src/util/random.js';

// Reference values computed in Python on the same fixtures with the same preprocessing (StandardScaler, plus
// median imputation and a missing indicator for pima): scikit-learn 1.2 Ridge(alpha = 1 / C) for regression;
// for classification the exact optimum of the same objective (numpy Newton for pima, scipy L-BFGS-B to
// gradient 4e-10 for glass), written there as mean loss + l2/2 ||b||^2 with l2 = 1 / (C n).
// scikit-learn's LogisticRegression(C) agrees to 1e-5 but stops earlier (its ftol), so it is not the reference.
const REFERENCE = {
  concrete: [53.674736544132465, 53.76440904593083, 56.77984187339099, 67.4152667032022, 60.09032830614905],
  pima: [0.7337116983912982, 0.044266579347006944, 0.8111621453586744, 0.032366348273147855, 0.895457145605867],
  glass: [
    [0.6847871925927898, 0.17603979361503985, 0.12695360885517074, 0.0007574575706453485, 0.010112249124325148, 0.001349698242029279],
    [0.45042418115419836, 0.33511583558221497, 0.12075327244192251, 0.007058359945085333, 0.05118596821573892, 0.03546238266083996],
    [0.3529958776451153, 0.4147112665761981, 0.12261900599306806, 0.016884590535947524, 0.05397045142358288, 0.038818807826088264],
  ],
};

const frames: Record<string, Frame> = {};
beforeAll(async () => {
  for (const f of ['concrete', 'pima_diabetes2', 'glass']) frames[f] = (await readTable(`fixtures/${f}.csv`)).frame;
});

describe('linear models reach the reference optimum of their objective', () => {
  it('ridge regression (concrete)', async () => {
    const d = frames.concrete;
    const m = await linearSpec.create({ C: 1 / (0.01 * 1030) }).fit(d, d.column('compressive_strength'), { task: 'regression', rng: new Random(0) });
    const pred = m.predict(d.slice(0, 5));
    REFERENCE.concrete.forEach((v, i) => expect(pred[i]).toBeCloseTo(v, 8));
  });

  it('L2 logistic regression with median imputation + missing indicators (pima)', async () => {
    const d = frames.pima_diabetes2;
    const m = await linearSpec.create({ C: 1 / (1e-3 * 768), tolerance: 1e-9 }).fit(d, d.column('diabetes'), { task: 'binary', rng: new Random(0) });
    expect(m.classes).toEqual(['neg', 'pos']);
    const p = m.predictProba(d.slice(0, 5));
    REFERENCE.pima.forEach((v, i) => expect(p[2 * i + 1]).toBeCloseTo(v, 7));
  });

  it('multinomial logistic regression (glass, 6 classes)', async () => {
    const d = frames.glass;
    const m = await linearSpec.create({ C: 1 / (1e-2 * 214), tolerance: 1e-9 }).fit(d, d.column('Type'), { task: 'multiclass', rng: new Random(0) });
    expect(m.classes).toEqual(['1', '2', '3', '5', '6', '7']);
    const p = m.predictProba(d.slice(0, 3));
    REFERENCE.glass.forEach((row, i) => row.forEach((v, c) => expect(p[i * 6 + c]).toBeCloseTo(v, 6)));
  });
});

describe('weights', () => {
  it('an integer sample weight equals repeating the row (ridge and logistic)', async () => {
    // Concrete has no missing values, and a negligible penalty makes the fit independent of the scaling
    // statistics (which are unweighted), so weight 2 must equal a duplicated row.
    const d = frames.concrete;
    const strength = (d.column('compressive_strength') as { values: Float64Array }).values;
    const sorted = Float64Array.from(strength).sort();
    const high = categoricalFromStrings('high', Array.from(strength, (v) => (v > sorted[sorted.length >> 1] ? 'yes' : 'no')));
    const data = d.withColumn(high);
    const n = d.numRows;
    const w = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 2 : 1));
    const repeat: number[] = [];
    for (let i = 0; i < n; i++) for (let r = 0; r < w[i]; r++) repeat.push(i);
    const dup = data.take(repeat);
    for (const [task, target, drop] of [['binary', 'high', 'compressive_strength'], ['regression', 'compressive_strength', 'high']] as const) {
      const x = data.drop([drop]);
      const xd = dup.drop([drop]);
      const a = await linearSpec.create({ C: 1e9, tolerance: 1e-10 }).fit(x, x.column(target), { task, rng: new Random(0), sampleWeight: w });
      const b = await linearSpec.create({ C: 1e9, tolerance: 1e-10 }).fit(xd, xd.column(target), { task, rng: new Random(0) });
      const pa = task === 'binary' ? a.predictProba(x) : a.predict(x);
      const pb = task === 'binary' ? b.predictProba(x) : b.predict(x);
      for (let i = 0; i < pa.length; i += 37) expect(pa[i]).toBeCloseTo(pb[i], 4);
      const unweighted = await linearSpec.create({ C: 1e9, tolerance: 1e-10 }).fit(x, x.column(target), { task, rng: new Random(0) });
      const pu = task === 'binary' ? unweighted.predictProba(x) : unweighted.predict(x);
      expect(Math.max(...pu.map((v, i) => Math.abs(v - pa[i])))).toBeGreaterThan(1e-3);
    }
  });

  it("classWeight 'balanced' raises the minority class probability", async () => {
    const d = frames.pima_diabetes2;
    const plain = await linearSpec.create().fit(d, d.column('diabetes'), { task: 'binary', rng: new Random(0) });
    const balanced = await linearSpec.create().fit(d, d.column('diabetes'), { task: 'binary', rng: new Random(0), classWeight: 'balanced' });
    const mean = (p: Float64Array) => p.filter((_, i) => i % 2 === 1).reduce((s, v) => s + v, 0) / (p.length / 2);
    const prior = 268 / 768;
    expect(mean(plain.predictProba(d))).toBeCloseTo(prior, 2);
    expect(mean(balanced.predictProba(d))).toBeGreaterThan(mean(plain.predictProba(d)) + 0.08);
    await expect(linearSpec.create().fit(d, d.column('diabetes'), { task: 'binary', rng: new Random(0), classWeight: { maybe: 2 } })).rejects.toThrow(/not a class/);
  });
});

describe('design matrix', () => {
  const train = Frame.fromColumns([
    numericColumn('x', Float64Array.from([1, 2, NaN, 4, 5, 6])),
    categoricalFromStrings('c', ['a', 'a', 'b', 'a', 'b', 'z']),
    datetimeColumn('t', Float64Array.from([0, 31, 59, 90, 120, 151].map((d) => Date.UTC(2024, 0, 1) + d * 86_400_000))),
  ]);
  const enc = DesignEncoder.fit(train, ['x', 'c', 't'], { minCategoryCount: 2, maxCategories: 10 });

  it('imputes the median with an indicator, one-hots frequent levels with a rare column, adds date cycles', () => {
    expect(enc.columnNames).toEqual(['x', 'x__missing', 'c=a', 'c=b', 'c__rare', 't', 't__month_sin', 't__month_cos', 't__weekday_sin', 't__weekday_cos']);
    const X = enc.transform(train);
    const p = X.cols;
    // Row 2 had x missing: imputed to the median 4 (standardised) and flagged.
    const f = enc.features[0] as { mean: number; scale: number; median: number };
    expect(f.median).toBe(4);
    expect(X.values[2 * p + 0]).toBeCloseTo((4 - f.mean) / f.scale, 12);
    expect(X.values[2 * p + 1]).toBe(1);
    expect(X.values[0 * p + 1]).toBe(0);
    // 'z' appears once (< 2): the rare column.
    expect(Array.from(X.values.subarray(5 * p + 2, 5 * p + 5))).toEqual([0, 0, 1]);
    // January: month angle 0.
    expect(X.values[0 * p + 6]).toBeCloseTo(0, 12);
    expect(X.values[0 * p + 7]).toBeCloseTo(1, 12);
  });

  it('maps an unseen level to all zeros, a rare training level to the rare column, from any dictionary order', () => {
    const input = Frame.fromColumns([
      numericColumn('x', Float64Array.from([3, 3, 3])),
      categoricalFromStrings('c', ['new', 'z', 'b']),
      datetimeColumn('t', Float64Array.from([0, 0, 0])),
    ]);
    const X = enc.transform(input);
    const p = X.cols;
    expect(Array.from(X.values.subarray(2, 5))).toEqual([0, 0, 0]);
    expect(Array.from(X.values.subarray(p + 2, p + 5))).toEqual([0, 0, 1]);
    expect(Array.from(X.values.subarray(2 * p + 2, 2 * p + 5))).toEqual([0, 1, 0]);
  });

  it('round-trips through JSON and rejects malformed preprocessing', () => {
    const again = DesignEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(Array.from(again.transform(train).values)).toEqual(Array.from(enc.transform(train).values));
    expect(() => DesignEncoder.fromJSON({ features: [{ name: 'x', type: 'bogus' }] } as never)).toThrow(/preprocessing\.features\[0\]\.type: expected one of/);
  });
});

it('honours the deadline by stopping L-BFGS early', async () => {
  const d = frames.glass;
  const m = await linearSpec.create({ tolerance: 1e-12, maxIterations: 5000 }).fit(d, d.column('Type'), { task: 'multiclass', rng: new Random(0), deadline: Date.now() - 1 });
  expect((m.toJSON() as { training: { stopReason: string } }).training.stopReason).toBe('deadline');
});
