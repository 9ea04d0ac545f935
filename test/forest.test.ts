import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { extraTreesSpec, ForestModel, randomForestSpec } from '../src/models/forest/index.js';
import type { ModelJSON } from '../src/models/types.js';
import { setNativePartition } from '../src/models/tree/builder.js';
import { setNativeHistograms } from '../src/models/tree/histogram.js';
import { Random } from '../src/util/random.js';
import { accuracyOf, labelsOf, loadFixture, rmseOn, split } from './tree-helpers.js';

describe('random forest and extra trees', () => {
  it('classify glass well above the majority baseline, with an out-of-bag accuracy', async () => {
    const { data, target } = await loadFixture('glass.csv', 'Type');
    const { train, test } = split(data.numRows, 0);
    const testFrame = data.take(test);
    for (const spec of [randomForestSpec, extraTreesSpec]) {
      const model = (await spec.create({ numTrees: 60 }).fit(data, target, { task: 'multiclass', rng: new Random(3), rows: train })) as ForestModel;
      const y = labelsOf(target, test, model.classes!);
      const counts = new Map<number, number>();
      for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
      const majority = Math.max(...counts.values()) / y.length;
      expect(accuracyOf(model.predict(testFrame), y), spec.kind).toBeGreaterThan(majority + 0.25);
      const proba = model.predictProba(testFrame);
      for (let i = 0; i < test.length; i++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += proba[i * 6 + k];
        expect(s).toBeCloseTo(1, 9);
      }
      if (spec === randomForestSpec) {
        expect(model.oobScore?.metric).toBe('accuracy');
        expect(model.oobScore!.value).toBeGreaterThan(0.6);
      } else expect(model.oobScore).toBeUndefined();
      const back = spec.fromJSON(JSON.parse(JSON.stringify(model.toJSON())) as ModelJSON);
      expect(Array.from(back.predictProba(testFrame))).toEqual(Array.from(proba));
    }
  });

  it('regress concrete with R^2 out-of-bag score, deterministic per seed', async () => {
    const { data, target } = await loadFixture('concrete.csv', 'compressive_strength');
    const { train, test } = split(data.numRows, 1);
    const testFrame = data.take(test);
    const fit = (seed: number) => randomForestSpec.create({ numTrees: 40, minSamplesLeaf: 2 }).fit(data, target, { task: 'regression', rng: new Random(seed), rows: train });
    const a = (await fit(1)) as ForestModel;
    const b = await fit(1);
    const c = await fit(2);
    const pa = a.predict(testFrame);
    expect(Array.from(b.predict(testFrame))).toEqual(Array.from(pa));
    expect(Array.from(c.predict(testFrame))).not.toEqual(Array.from(pa));
    const y = (target as { values: Float64Array }).values;
    const mean = train.reduce((s, r) => s + y[r], 0) / train.length;
    expect(rmseOn(pa, target, test)).toBeLessThan(0.45 * rmseOn(new Float64Array(test.length).fill(mean), target, test));
    expect(a.oobScore?.metric).toBe('r2');
    expect(a.oobScore!.value).toBeGreaterThan(0.8);
    const imp = a.featureImportance();
    expect(imp.names[imp.gain.indexOf(Math.max(...imp.gain))]).toMatch(/age|cement/);
  });

  it('handles categoricals and missing values (penguins) and rejects bad hyperparameters', async () => {
    const { data, target } = await loadFixture('penguins.csv', 'species');
    const { train, test } = split(data.numRows, 2);
    const model = await extraTreesSpec.create({ numTrees: 30, maxFeatures: 0.5 }).fit(data, target, { task: 'multiclass', rng: new Random(0), rows: train });
    const y = labelsOf(target, test, model.classes!);
    expect(accuracyOf(model.predict(data.take(test)), y)).toBeGreaterThan(0.93);
    expect(() => randomForestSpec.create({ maxFeatures: 'half' })).toThrow(/maxFeatures/);
    expect(() => randomForestSpec.create({ numTrees: 0 })).toThrow(/numTrees/);
  });

  it('extra trees grow the same trees as with node histograms (bit-identical predictions)', async () => {
    // Digests of the predictions of the histogram-based extra trees (before issue 13), all with exact sums: integer
    // targets or class counts with unit weights, so any change to the cuts, features or leaf values shows here.
    const cases = [
      { file: 'ames.csv', target: 'Sale_Price', task: 'regression', digest: '3c57335e09bc9972' },
      { file: 'pima_diabetes2.csv', target: 'diabetes', task: 'binary', digest: 'dc892de624729cc3' },
      { file: 'glass.csv', target: 'Type', task: 'multiclass', digest: 'd22ab12827c7b0ac' },
      { file: 'penguins.csv', target: 'species', task: 'multiclass', digest: 'd61341e8419e98b2' },
    ] as const;
    for (const native of [true, false]) {
      setNativePartition(native);
      setNativeHistograms(native);
      try {
        for (const c of cases) {
          const { data, target } = await loadFixture(c.file, c.target);
          const model = await extraTreesSpec.create({ numTrees: 4 }).fit(data, target, { task: c.task, rng: new Random(7) });
          const p = c.task === 'regression' ? model.predict(data) : model.predictProba!(data);
          const digest = createHash('sha256').update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).digest('hex').slice(0, 16);
          expect(digest, `${c.file} native=${native}`).toBe(c.digest);
        }
      } finally {
        setNativePartition(true);
        setNativeHistograms(true);
      }
    }
  });

  it('the categorical sort, the reused flag arrays and skipping features constant in an ancestor change no model', async () => {
    // Digests taken before those changes (issue 13): random forests (categorical splits from histograms) and extra
    // trees sampling features per node (so constant-feature skipping meets the per-node feature draws).
    const cases = [
      { file: 'ames.csv', target: 'Sale_Price', task: 'regression', spec: randomForestSpec, params: {}, digest: '30c882ec86e09c01' },
      { file: 'glass.csv', target: 'Type', task: 'multiclass', spec: randomForestSpec, params: {}, digest: '3b3755698f7b203d' },
      { file: 'penguins.csv', target: 'species', task: 'multiclass', spec: randomForestSpec, params: {}, digest: '50ed5c8737eaaa49' },
      { file: 'house_votes84.csv', target: 'Class', task: 'binary', spec: randomForestSpec, params: {}, digest: 'd85851a18358bc66' },
      { file: 'ames.csv', target: 'Sale_Price', task: 'regression', spec: extraTreesSpec, params: { maxFeatures: 0.3 }, digest: '7b7a4b84a5b25265' },
      { file: 'house_votes84.csv', target: 'Class', task: 'binary', spec: extraTreesSpec, params: { maxFeatures: 0.3 }, digest: 'ae7ccb4e9d1dfbba' },
      // Taken before the gathered node rows and the reused categorical buffers (issue 13): several classes, best-first
      // growth and a leaf minimum through the row passes of random-cut.ts.
      { file: 'glass.csv', target: 'Type', task: 'multiclass', spec: extraTreesSpec, params: { criterion: 'entropy', maxLeaves: 20, minSamplesLeaf: 3 }, digest: '2d992fa0650e34de' },
      { file: 'ames.csv', target: 'Sale_Price', task: 'regression', spec: extraTreesSpec, params: { criterion: 'entropy', maxLeaves: 20, minSamplesLeaf: 3 }, digest: 'f067f5f33ef6cf16' },
    ] as const;
    for (const c of cases) {
      const { data, target } = await loadFixture(c.file, c.target);
      const model = await c.spec.create({ numTrees: 4, ...c.params }).fit(data, target, { task: c.task, rng: new Random(7) });
      const p = c.task === 'regression' ? model.predict(data) : model.predictProba!(data);
      const digest = createHash('sha256').update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).digest('hex').slice(0, 16);
      expect(digest, `${c.spec.kind} ${c.file}`).toBe(c.digest);
    }
  });
});
