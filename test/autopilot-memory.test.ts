import { beforeAll, describe, expect, it } from 'vitest';
import { capTrainingRows, predictRows } from '../src/automl/trial.js';
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

describe('validation rows predicted in chunks', () => {
  it('gives exactly the predictions of one call over all rows (regression and classification)', async () => {
    const y = ames.column('Sale_Price');
    const features = ames.drop(['Sale_Price']);
    const rows = Int32Array.from({ length: 700 }, (_, i) => (i * 4 + 1) % ames.numRows);
    const fitRows = Int32Array.from({ length: 1400 }, (_, i) => i * 2);
    for (const kind of ['gbdt', 'linear']) {
      const model = await getLearnerSpec(kind).create({ ...(kind === 'gbdt' ? { numRounds: 20 } : {}) }).fit(features, y, { task: 'regression', rng: new Random(3), rows: fitRows });
      const whole = model.predict(features.take(rows));
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
