import { beforeAll, describe, expect, it } from 'vitest';
import { FOREST_MAX_TRAIN_CELLS, capTrainingRows, predictRows, targetDeciles } from '../src/automl/trial.js';
import { createHash } from 'node:crypto';
import { addTreePredictionAt, earlyStoppingRows } from '../src/models/gbdt/validation.js';
import type { GbdtModel } from '../src/models/gbdt/index.js';
import { featureMatrix } from '../src/models/tree/data.js';
import { addTreePrediction } from '../src/models/tree/tree.js';
import type { Frame } from '../src/frame/frame.js';
import { frameFromShared, shareFrame } from '../src/frame/shared.js';
import { readTable } from '../src/io/index.js';
import { getLearnerSpec } from '../src/models/registry.js';
import { Random } from '../src/util/random.js';

/** The autopilot's memory savers at scale (docs/autopilot.md, Memory) must not change what is computed. */
let ames: Frame;
beforeAll(async () => {
  ames = (await readTable('fixtures/ames.csv')).frame;
});

describe('one copy of the data', () => {
  it('numeric CSV columns are read into SharedArrayBuffers that sharing reuses without a copy', () => {
    const numeric = ames.columns.filter((c) => c.kind === 'numeric');
    expect(numeric.length).toBeGreaterThan(10);
    const shared = shareFrame(ames);
    for (const col of numeric) {
      if (col.kind !== 'numeric') continue;
      expect(col.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shared.columns.find((s) => s.name === col.name)!.buffer).toBe(col.values.buffer);
    }
    // The workers' view reads the same values, NaN (missing) included.
    const back = frameFromShared(shared);
    for (const col of numeric) {
      const b = back.column(col.name);
      expect(b.kind === 'numeric' && col.kind === 'numeric' && Object.is(b.values.length, col.values.length)).toBe(true);
      if (b.kind === 'numeric' && col.kind === 'numeric') expect(Array.from(b.values)).toEqual(Array.from(col.values));
    }
  });
});

describe('design learners subsample very large training sets', () => {
  const train = Int32Array.from({ length: 1000 }, (_, i) => i * 3);
  it('keeps every row under the cap (the same array)', () => {
    expect(capTrainingRows(train, 10, 10_000, new Random(1))).toBe(train);
  });
  it('over the cap: a seeded subset in row order, rows x features within the cap', () => {
    const a = capTrainingRows(train, 10, 2_000, new Random(1));
    expect(a.length).toBe(200);
    expect(new Set(a).size).toBe(200);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    for (const r of a) expect(r % 3).toBe(0);
    expect(Array.from(capTrainingRows(train, 10, 2_000, new Random(1)))).toEqual(Array.from(a));
    expect(Array.from(capTrainingRows(train, 10, 2_000, new Random(2)))).not.toEqual(Array.from(a));
  });
});

describe('forest trials on very large data', () => {
  it('fit on at most FOREST_MAX_TRAIN_CELLS: 559,240 of 5M x 30 training rows; fertility (204k x 7) keeps all', () => {
    const big = Int32Array.from({ length: 3_600_000 }, (_, i) => i);
    expect(capTrainingRows(big, 30, FOREST_MAX_TRAIN_CELLS, new Random(1)).length).toBe(559_240);
    const fertility = Int32Array.from({ length: 203_723 }, (_, i) => i);
    expect(capTrainingRows(fertility, 7, FOREST_MAX_TRAIN_CELLS, new Random(1))).toBe(fertility);
  });
});

describe('early-stopping split of a regression fold', () => {
  it('target deciles from a sorted copy equal the stable comparator sort (ties, -0 and 0, rows out of order)', () => {
    const rng = new Random(8);
    const values = Float64Array.from({ length: 5000 }, () => (rng.next() < 0.3 ? Math.round(rng.normal() * 3) : rng.normal()));
    values[10] = -0;
    values[11] = 0;
    values[12] = Infinity;
    values[13] = -Infinity;
    for (const train of [Int32Array.from({ length: 5000 }, (_, i) => i), rng.shuffle(Int32Array.from({ length: 3001 }, (_, i) => i + 7))]) {
      const n = train.length;
      const expected = new Int32Array(n);
      const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[train[a]] - values[train[b]]);
      for (let r = 0; r < n; r++) expected[order[r]] = Math.floor((r * 10) / n);
      const key = new Int32Array(n);
      targetDeciles(values, train, key);
      expect(Array.from(key)).toEqual(Array.from(expected));
      expect(new Set(key).size).toBe(10);
    }
  });
  it('ames: the deciles of Sale_Price over a fold equal the comparator sort', () => {
    const y = ames.column('Sale_Price');
    if (y.kind !== 'numeric') throw new Error('Sale_Price is numeric');
    const train = Int32Array.from({ length: 2000 }, (_, i) => (i * 7) % ames.numRows);
    const order = Int32Array.from({ length: 2000 }, (_, i) => i).sort((a, b) => y.values[train[a]] - y.values[train[b]]);
    const expected = new Int32Array(2000);
    for (let r = 0; r < 2000; r++) expected[order[r]] = Math.floor((r * 10) / 2000);
    const key = new Int32Array(2000);
    targetDeciles(y.values, train, key);
    expect(Array.from(key)).toEqual(Array.from(expected));
  });
});

describe('validation rows predicted in chunks', () => {
  it('gives exactly the predictions of one call over all rows (regression and classification)', async () => {
    const y = ames.column('Sale_Price');
    const features = ames.drop(['Sale_Price']);
    const rows = Int32Array.from({ length: 700 }, (_, i) => (i * 4 + 1) % ames.numRows);
    const fitRows = Int32Array.from({ length: 1400 }, (_, i) => i * 2);
    for (const kind of ['gbdt', 'linear']) {
      const model = await getLearnerSpec(kind).create({ ...(kind === 'gbdt' ? { numRounds: 20 } : {}) }).fit(features, y, { task: 'regression', rng: new Random(3), rows: fitRows });
      const whole = model.predict(features.take(rows));
      // 700 rows in 11 chunks of 64.
      expect(Array.from(predictRows(model, features, rows, true, 64))).toEqual(Array.from(whole));
    }
    const cls = ames.column('Central_Air');
    const xs = ames.drop(['Central_Air']);
    const model = await getLearnerSpec('linear').create({}).fit(xs, cls, { task: 'binary', rng: new Random(3), rows: fitRows, classes: cls.kind === 'categorical' ? cls.dictionary : undefined });
    const whole = model.predictProba(xs.take(rows));
    expect(whole.length).toBe(rows.length * 2);
    expect(Array.from(predictRows(model, xs, rows, false, 100))).toEqual(Array.from(whole));
  });
});

describe('boosting state at scale (docs/autopilot.md, Memory at scale)', () => {
  const fitRows = Int32Array.from({ length: 2000 }, (_, i) => i);
  const validRows = Int32Array.from({ length: 930 }, (_, i) => 2000 + i);

  it('early-stopping rows read in place score every tree exactly as the row-major matrix does, categorical splits included', async () => {
    const y = ames.column('Sale_Price');
    const xs = ames.drop(['Sale_Price']);
    const model = (await getLearnerSpec('gbdt').create({ numRounds: 40 }).fit(xs, y, { task: 'regression', rng: new Random(4), rows: fitRows })) as GbdtModel;
    const trees = model.state.trees;
    expect(trees.some((t) => t.categorical.some((c, i) => c === 1 && t.feature[i] >= 0))).toBe(true);
    const names = model.featureNames;
    const dictionaries = names.map((name) => {
      const c = xs.column(name);
      return c.kind === 'categorical' ? c.dictionary : null;
    });
    const x = featureMatrix(xs, names, dictionaries, validRows);
    const matrix = new Float64Array(validRows.length);
    for (const t of trees) addTreePrediction(t, x, names.length, validRows.length, matrix, 1, 0);
    // Views of every feature (categorical codes remapped to a full-length column) and the earlyStoppingRows choice.
    const views = names.map((name, f) => Float64Array.from(x.filter((_, j) => j % names.length === f)));
    const dense = Int32Array.from(validRows, (_, i) => i);
    const inPlace = new Float64Array(validRows.length);
    for (const t of trees) addTreePredictionAt(t, views, dense, inPlace, 1, 0);
    expect(Array.from(inPlace)).toEqual(Array.from(matrix));
    const es = earlyStoppingRows({ task: 'regression', rng: new Random(1), validation: { data: xs, target: y, rows: validRows } }, xs, [...names]);
    const chosen = new Float64Array(validRows.length);
    for (const t of trees) es.addTree(t, chosen, 1, 0);
    expect(Array.from(chosen)).toEqual(Array.from(matrix));
    expect(Array.from(es.y)).toEqual(Array.from(validRows, (r) => (y.kind === 'numeric' ? y.values[r] : NaN)));
    // A numeric-only frame takes the in-place views (no copy): same scores again, with rows out of order.
    const numericNames = names.filter((name) => xs.column(name).kind === 'numeric');
    const numericOnly = xs.select(numericNames);
    const numModel = (await getLearnerSpec('gbdt').create({ numRounds: 20 }).fit(numericOnly, y, { task: 'regression', rng: new Random(4), rows: fitRows })) as GbdtModel;
    const shuffled = new Random(9).shuffle(Int32Array.from(validRows));
    const xn = featureMatrix(numericOnly, numericNames, numericNames.map(() => null), shuffled);
    const esNum = earlyStoppingRows({ task: 'regression', rng: new Random(1), validation: { data: numericOnly, target: y, rows: shuffled } }, numericOnly, numericNames);
    const a = new Float64Array(shuffled.length);
    const b = new Float64Array(shuffled.length);
    for (const t of numModel.state.trees) {
      addTreePrediction(t, xn, numericNames.length, shuffled.length, a, 1, 0);
      esNum.addTree(t, b, 1, 0);
    }
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('bagging with typed row buffers and early stopping on in-place rows keeps the model to the byte', async () => {
    // Hash of model.json from the code before this change (JS arrays per bagging round, a validation matrix).
    const y = ames.column('Sale_Price');
    const xs = ames.drop(['Sale_Price']);
    const rows = Int32Array.from({ length: Math.floor(ames.numRows * 0.7) }, (_, i) => i);
    const valid = Int32Array.from({ length: ames.numRows - rows.length }, (_, i) => rows.length + i);
    const params = { numRounds: 80, baggingFraction: 0.6, baggingFreq: 1, featureFraction: 0.7, earlyStoppingRounds: 10 };
    const model = await getLearnerSpec('gbdt').create(params).fit(xs, y, { task: 'regression', rng: new Random(5), rows, validation: { data: xs, target: y, rows: valid } });
    expect(createHash('sha256').update(JSON.stringify(model.toJSON())).digest('hex').slice(0, 16)).toBe('cfbc9bcdefbbb5a1');
  });
});
