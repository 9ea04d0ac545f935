import { beforeAll, describe, expect, it } from 'vitest';
import { cellString, toFloat64 } from '../src/frame/column.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { knnSpec } from '../src/models/knn/index.js';
import { getLearnerSpec, modelFromJSON } from '../src/models/registry.js';
import { isTabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';

/** k-nearest neighbours on real data: registered, k searched, distance weighting, JSON checked field by field. */
let penguins: Frame;
let concrete: Frame;

beforeAll(async () => {
  penguins = (await readTable('fixtures/penguins.csv')).frame;
  concrete = (await readTable('fixtures/concrete.csv')).frame;
});

function split(frame: Frame, seed: number): { train: Frame; test: Frame } {
  const perm = new Random(seed).permutation(frame.numRows);
  const cut = Math.floor(frame.numRows * 0.8);
  return { train: frame.take(perm.subarray(0, cut)), test: frame.take(perm.subarray(cut)) };
}

describe('knn learner', () => {
  it('is in the registry with k in its search space', () => {
    expect(getLearnerSpec('knn')).toBe(knnSpec);
    expect(knnSpec.searchSpace.k.domain.type).toBe('int');
  });

  it('classifies penguins well above the majority rate, and k = 1 reproduces the training labels', async () => {
    const { train, test } = split(penguins, 3);
    const model = await knnSpec.create({}).fit(train, train.column('species'), { task: 'multiclass', rng: new Random(0) });
    const y = test.column('species');
    const pred = model.predict(test);
    let right = 0;
    for (let i = 0; i < test.numRows; i++) if (model.classes![pred[i]] === cellString(y, i)) right++;
    expect(right / test.numRows).toBeGreaterThan(0.9);
    // Probabilities are smoothed: every class keeps some mass, rows sum to 1.
    const p = model.predictProba(test);
    const k = model.classes!.length;
    for (let i = 0; i < test.numRows; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) {
        expect(p[i * k + j]).toBeGreaterThan(0);
        s += p[i * k + j];
      }
      expect(s).toBeCloseTo(1, 9);
    }
    const one = await knnSpec.create({ k: 1 }).fit(train, train.column('species'), { task: 'multiclass', rng: new Random(0) });
    const onTrain = one.predict(train);
    const yTrain = train.column('species');
    let same = 0;
    for (let i = 0; i < train.numRows; i++) if (one.classes![onTrain[i]] === cellString(yTrain, i)) same++;
    expect(same / train.numRows).toBeGreaterThan(0.97);
  });

  it('regresses concrete strength better than the mean, and distance weighting changes the predictions', async () => {
    const { train, test } = split(concrete, 4);
    const target = 'compressive_strength';
    const fit = (weights: 'distance' | 'uniform') => knnSpec.create({ weights }).fit(train, train.column(target), { task: 'regression', rng: new Random(0) });
    const byDistance = await fit('distance');
    const uniform = await fit('uniform');
    const y = toFloat64(test.column(target));
    const mean = toFloat64(train.column(target)).reduce((a, b) => a + b, 0) / train.numRows;
    const a = byDistance.predict(test);
    const b = uniform.predict(test);
    let se = 0;
    let seMean = 0;
    let differ = 0;
    for (let i = 0; i < y.length; i++) {
      se += (a[i] - y[i]) ** 2;
      seMean += (mean - y[i]) ** 2;
      if (Math.abs(a[i] - b[i]) > 1e-9) differ++;
    }
    expect(se).toBeLessThan(0.5 * seMean);
    expect(differ).toBeGreaterThan(y.length / 2);
  });

  it('round-trips through JSON with identical predictions and names a bad field', async () => {
    const { train, test } = split(penguins, 5);
    const model = await knnSpec.create({ k: 7 }).fit(train, train.column('species'), { task: 'multiclass', rng: new Random(0) });
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    expect(Array.from(modelFromJSON(json).predictProba(test))).toEqual(Array.from(model.predictProba(test)));
    const bad = { ...json, targets: json.targets.map((t: number, i: number) => (i === 2 ? 99 : t)) };
    try {
      modelFromJSON(bad);
      expect.unreachable('a class index out of range must be rejected');
    } catch (e) {
      expect(isTabpilotError(e) && e.code).toBe('MODEL_FORMAT');
      expect((e as Error).message).toContain('model.targets[2]');
    }
  });
});
