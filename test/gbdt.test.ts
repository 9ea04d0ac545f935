import { describe, expect, it } from 'vitest';
import { categoricalColumn, datetimeColumn, numericColumn, textColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { gbdtSpec, GbdtModel } from '../src/models/gbdt/index.js';
import { binFrame, treeFeatureNames } from '../src/models/tree/binning.js';
import type { FittedModel, ModelJSON } from '../src/models/types.js';
import { Random } from '../src/util/random.js';
import { accuracyOf, aucOf, labelsOf, loadFixture, logLossOf, rmseOn, split } from './tree-helpers.js';

function roundTrip(model: FittedModel): FittedModel {
  return gbdtSpec.fromJSON(JSON.parse(JSON.stringify(model.toJSON())) as ModelJSON);
}

describe('gbdt on real data', () => {
  it('regression (concrete) beats the mean baseline by a wide margin and round-trips through JSON', async () => {
    const { data, target } = await loadFixture('concrete.csv', 'compressive_strength');
    const { train, test } = split(data.numRows);
    const model = await gbdtSpec.create({ numRounds: 200, learningRate: 0.1 }).fit(data, target, { task: 'regression', rng: new Random(1), rows: train });
    const testFrame = data.take(test);
    const pred = model.predict(testFrame);
    const y = (target as { values: Float64Array }).values;
    let mean = 0;
    for (const r of train) mean += y[r];
    mean /= train.length;
    const baseline = rmseOn(new Float64Array(test.length).fill(mean), target, test);
    const rmse = rmseOn(pred, target, test);
    expect(rmse).toBeLessThan(0.35 * baseline);
    const back = roundTrip(model);
    expect(Array.from(back.predict(testFrame))).toEqual(Array.from(pred));
    const imp = model.featureImportance();
    expect(imp.names).toEqual(model.featureNames);
    expect(imp.gain.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(imp.split.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('binary with missing values (pima) ranks well and is deterministic per seed', async () => {
    const { data, target } = await loadFixture('pima_diabetes2.csv', 'diabetes');
    const { train, test } = split(data.numRows, 3);
    const fit = (seed: number) =>
      gbdtSpec.create({ numRounds: 150, featureFraction: 0.8, baggingFraction: 0.8, baggingFreq: 1 }).fit(data, target, { task: 'binary', rng: new Random(seed), rows: train });
    const a = await fit(7);
    const b = await fit(7);
    const c = await fit(8);
    const testFrame = data.take(test);
    const pa = a.predictProba(testFrame);
    expect(Array.from(b.predictProba(testFrame))).toEqual(Array.from(pa));
    expect(Array.from(c.predictProba(testFrame))).not.toEqual(Array.from(pa));
    expect(a.classes).toEqual(['neg', 'pos']);
    const y = labelsOf(target, test, a.classes!);
    const auc = aucOf(Array.from({ length: test.length }, (_, i) => pa[2 * i + 1]), y);
    expect(auc).toBeGreaterThan(0.8);
    expect(Array.from(roundTrip(a).predictProba(testFrame))).toEqual(Array.from(pa));
  });

  it('multiclass (glass) beats the class-prior log loss, one tree per class per round', async () => {
    const { data, target } = await loadFixture('glass.csv', 'Type');
    const { train, test } = split(data.numRows, 1);
    const model = (await gbdtSpec.create({ numRounds: 100 }).fit(data, target, { task: 'multiclass', rng: new Random(0), rows: train })) as GbdtModel;
    const k = model.classes!.length;
    expect(k).toBe(6);
    expect(model.numTrees).toBe(100 * k);
    const y = labelsOf(target, test, model.classes!);
    const yTrain = labelsOf(target, train, model.classes!);
    const prior = new Float64Array(k);
    for (const v of yTrain) prior[v] += 1 / yTrain.length;
    const priorProba = new Float64Array(test.length * k);
    for (let i = 0; i < test.length; i++) priorProba.set(prior, i * k);
    const testFrame = data.take(test);
    expect(logLossOf(model.predictProba(testFrame), y, k)).toBeLessThan(0.7 * logLossOf(priorProba, y, k));
    expect(accuracyOf(model.predict(testFrame), y)).toBeGreaterThan(0.6);
  });

  it('all-categorical data with missing votes (house votes) is learned through categorical splits', async () => {
    const { data, target } = await loadFixture('house_votes84.csv', 'Class');
    const { train, test } = split(data.numRows, 2);
    const model = (await gbdtSpec.create({ numRounds: 50 }).fit(data, target, { task: 'binary', rng: new Random(0), rows: train })) as GbdtModel;
    expect(model.state.trees.some((t) => t.categorical.some((c) => c === 1))).toBe(true);
    const y = labelsOf(target, test, model.classes!);
    expect(accuracyOf(model.predict(data.take(test)), y)).toBeGreaterThan(0.9);
  });
});

describe('gbdt mechanics', () => {
  it('learns a categorical-only signal in one split that no threshold on the codes can express', async () => {
    const n = 2000;
    const rng = new Random(5);
    const codes = new Int32Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      codes[i] = rng.int(10);
      y[i] = codes[i] % 2 === 0 ? 1 : 0; // categories 0,2,4,6,8 positive: interleaved codes
    }
    const dictionary = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const data = Frame.fromColumns([categoricalColumn('cat', codes, dictionary), numericColumn('noise', Float64Array.from({ length: n }, () => rng.next()))]);
    const model = await gbdtSpec.create({ numRounds: 1, numLeaves: 2, learningRate: 1 }).fit(data, numericColumn('y', y), { task: 'binary', rng: new Random(0) });
    const labels = Int32Array.from(y);
    expect(accuracyOf(model.predict(data), labels)).toBe(1);
  });

  it('uses datetimes as epoch numbers and ignores text columns', async () => {
    const n = 600;
    const rng = new Random(2);
    const when = new Float64Array(n);
    const y = new Float64Array(n);
    const notes: string[] = [];
    for (let i = 0; i < n; i++) {
      when[i] = Date.UTC(2020, 0, 1) + rng.int(1000) * 86_400_000;
      y[i] = when[i] > Date.UTC(2021, 0, 1) ? 10 : 0;
      notes.push(y[i] > 0 ? 'late' : 'early'); // a leak a text feature would exploit: it must not be used
    }
    const data = Frame.fromColumns([datetimeColumn('when', when), textColumn('note', notes)]);
    const model = await gbdtSpec.create({ numRounds: 1, numLeaves: 2, learningRate: 1, lambdaL2: 0, minSumHessian: 0 }).fit(data, numericColumn('y', y), { task: 'regression', rng: new Random(0) });
    expect(model.featureNames).toEqual(['when']);
    const probe = Frame.fromColumns([datetimeColumn('when', Float64Array.of(Date.UTC(2020, 5, 1), Date.UTC(2022, 5, 1)))]);
    const pred = model.predict(probe);
    // ~1000 distinct days in 255 bins: the cut lands at a bin edge next to 2021-01-01, so leaves are nearly pure.
    expect(pred[0]).toBeLessThan(0.5);
    expect(pred[1]).toBeGreaterThan(9.5);
  });

  it('learns the default direction for missing values', async () => {
    const n = 1000;
    const rng = new Random(9);
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const missing = rng.next() < 0.3;
      x[i] = missing ? NaN : rng.next();
      y[i] = missing ? 5 : 0;
    }
    const data = Frame.fromColumns([numericColumn('x', x)]);
    const model = await gbdtSpec.create({ numRounds: 1, numLeaves: 2, learningRate: 1, lambdaL2: 0 }).fit(data, numericColumn('y', y), { task: 'regression', rng: new Random(0) });
    const pred = model.predict(Frame.fromColumns([numericColumn('x', Float64Array.of(NaN, 0.1, 0.9))]));
    expect(pred[0]).toBeCloseTo(5, 6);
    expect(pred[1]).toBeCloseTo(0, 6);
    expect(pred[2]).toBeCloseTo(0, 6);
  });

  it('early stopping on a validation set stops and keeps the best iteration', async () => {
    const { data, target } = await loadFixture('pima_diabetes2.csv', 'diabetes');
    const { train, test } = split(data.numRows, 4);
    const progress: number[] = [];
    const model = (await gbdtSpec.create({ numRounds: 2000, learningRate: 0.3, earlyStoppingRounds: 20 }).fit(data, target, {
      task: 'binary',
      rng: new Random(0),
      rows: train,
      validation: { data, target, rows: test },
      onProgress: (e) => progress.push(e.iteration),
    })) as GbdtModel;
    expect(progress.length).toBeLessThan(2000);
    expect(progress.length).toBe(model.state.bestIteration + 20);
    expect(model.numTrees).toBe(model.state.bestIteration);
    const hist = model.state.history!;
    const best = Math.min(...hist.map((h) => h.metric));
    expect(hist[model.state.bestIteration - 1].metric).toBe(best);
  });

  it('honours a deadline between iterations', async () => {
    const { data, target } = await loadFixture('concrete.csv', 'compressive_strength');
    const model = (await gbdtSpec.create({ numRounds: 500 }).fit(data, target, { task: 'regression', rng: new Random(0), deadline: Date.now() - 1 })) as GbdtModel;
    expect(model.numTrees).toBe(1);
  });

  it('trains on shared pre-binned data and row subsets exactly as on its own', async () => {
    const { data, target } = await loadFixture('glass.csv', 'Type');
    const { train, test } = split(data.numRows, 5);
    const binned = binFrame(data, treeFeatureNames(data), { shared: true });
    expect(binned.bins.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(binned.bins).toBeInstanceOf(Uint8Array);
    const params = { numRounds: 30 };
    const a = await gbdtSpec.create(params).fit(data, target, { task: 'multiclass', rng: new Random(0), rows: train, binned });
    const b = await gbdtSpec.create(params).fit(data, target, { task: 'multiclass', rng: new Random(0), rows: train });
    const testFrame = data.take(test);
    expect(Array.from(a.predictProba(testFrame))).toEqual(Array.from(b.predictProba(testFrame)));
  });

  it('sample weights and balanced class weights change the fit', async () => {
    const { data, target } = await loadFixture('pima_diabetes2.csv', 'diabetes');
    const params = { numRounds: 30 };
    const plain = await gbdtSpec.create(params).fit(data, target, { task: 'binary', rng: new Random(0) });
    const balanced = await gbdtSpec.create(params).fit(data, target, { task: 'binary', rng: new Random(0), classWeight: 'balanced' });
    const meanPos = (m: FittedModel) => {
      const p = m.predictProba(data);
      let s = 0;
      for (let i = 0; i < data.numRows; i++) s += p[2 * i + 1];
      return s / data.numRows;
    };
    // 268 of 768 are positive: balancing raises the average positive probability towards 0.5.
    expect(meanPos(plain)).toBeLessThan(0.4);
    expect(meanPos(balanced)).toBeGreaterThan(meanPos(plain) + 0.08);
    const zeroNeg = new Float64Array(data.numRows);
    for (let i = 0; i < data.numRows; i++) zeroNeg[i] = target.kind === 'categorical' && target.dictionary[target.codes[i]] === 'neg' ? 0.01 : 1;
    const weighted = await gbdtSpec.create(params).fit(data, target, { task: 'binary', rng: new Random(0), sampleWeight: zeroNeg });
    expect(meanPos(weighted)).toBeGreaterThan(0.8);
  });

  it('rejects bad input with clear errors', async () => {
    const { data, target } = await loadFixture('concrete.csv', 'compressive_strength');
    expect(() => gbdtSpec.create({ numLeaves: 1 })).toThrow(/numLeaves/);
    expect(() => gbdtSpec.create({ bogus: 1 } as never)).toThrow(/unknown hyperparameter "bogus"/);
    const y = Float64Array.from((target as { values: Float64Array }).values);
    y[3] = NaN;
    await expect(gbdtSpec.create({ numRounds: 2 }).fit(data, numericColumn('t', y), { task: 'regression', rng: new Random(0) })).rejects.toMatchObject({ code: 'INVALID_TARGET' });
    const model = await gbdtSpec.create({ numRounds: 2 }).fit(data, target, { task: 'regression', rng: new Random(0) });
    expect(() => model.predict(data.drop(['cement']))).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
    await expect(
      gbdtSpec.create({ numRounds: 2 }).fit(data, target, { task: 'binary', rng: new Random(0), classes: ['a', 'b'] }),
    ).rejects.toMatchObject({ code: 'INVALID_TARGET' });
    const json = model.toJSON();
    expect(() => gbdtSpec.fromJSON({ ...json, formatVersion: 99 })).toThrow(/format version 99/);
  });

  it('declares a complete search space with defaults and cheap values', () => {
    for (const name of ['numRounds', 'learningRate', 'numLeaves', 'maxDepth', 'maxBins', 'minDataInLeaf', 'minSumHessian', 'lambdaL1', 'lambdaL2', 'minGainToSplit', 'featureFraction', 'baggingFraction', 'baggingFreq', 'earlyStoppingRounds']) {
      const hp = gbdtSpec.searchSpace[name];
      expect(hp, name).toBeDefined();
      expect(hp.default).toBe((gbdtSpec.defaults as unknown as Record<string, unknown>)[name]);
      expect(hp.cheap).toBeDefined();
    }
    expect(gbdtSpec.fidelityParam).toBe('numRounds');
  });
});
