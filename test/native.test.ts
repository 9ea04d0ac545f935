import { describe, expect, it } from 'vitest';
import { gbdtSpec } from '../src/models/gbdt/index.js';
import { accumulateHistogramTs, nativeHistogramsAvailable, setNativeHistograms } from '../src/models/tree/histogram.js';
import { nativeKernels } from '../src/models/tree/native.js';
import { Random } from '../src/util/random.js';
import { loadFixture } from './tree-helpers.js';

const native = nativeKernels();

describe('native kernels', () => {
  // Histogram inputs with few bins (<= 64) take the four-partial-histogram path, many bins the plain loop.
  it('load optionally: absent addon means the TypeScript kernel runs', () => {
    expect(nativeHistogramsAvailable()).toBe(native !== null);
  });

  it.skipIf(native === null)('histogram accumulation agrees with the TypeScript twin (few/many bins, Uint8/Uint16, 1 and 4 channels)', () => {
    const rng = new Random(11);
    const numRows = 5000;
    const numFeatures = 4;
    for (const numBins of [40, 256, 700]) {
      const wide = numBins > 256;
      for (const stride of [2, 5]) {
        const bins = wide ? new Uint16Array(numRows * numFeatures) : new Uint8Array(numRows * numFeatures);
        for (let i = 0; i < bins.length; i++) bins[i] = rng.int(numBins);
        const binOffsets = Int32Array.from({ length: numFeatures + 1 }, (_, f) => f * numBins);
        const rows = Int32Array.from({ length: numRows }, (_, i) => i).filter(() => rng.next() < 0.6);
        const start = 17;
        const end = rows.length - 5;
        const ordered = Float64Array.from({ length: (end - start) * stride }, () => rng.normal());
        const features = Int32Array.of(3, 0, 2);
        const a = new Float64Array(numFeatures * numBins * stride);
        const b = new Float64Array(numFeatures * numBins * stride);
        accumulateHistogramTs(bins, numRows, rows, start, end, ordered, stride, features, 3, binOffsets, a);
        native!.accumulateHistogram(bins, numRows, rows, start, end, ordered, stride, features, 3, binOffsets, b);
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(a.subarray(binOffsets[1] * stride, binOffsets[2] * stride).every((v) => v === 0)).toBe(true);
      }
    }
  });

  it.skipIf(native === null)('row partition agrees with the TypeScript twin (numeric and categorical splits)', async () => {
    const { partitionRowsTs } = await import('../src/models/tree/builder.js');
    const rng = new Random(4);
    const numRows = 3000;
    const bins = Uint8Array.from({ length: numRows * 2 }, () => rng.int(20));
    const goesLeft = Uint8Array.from({ length: 20 }, () => (rng.next() < 0.5 ? 1 : 0));
    for (const [threshold, missingLeft, set] of [[7, true, null], [7, false, null], [0, true, null], [-1, false, goesLeft]] as const) {
      const rows = Int32Array.from({ length: numRows }, (_, i) => i).filter(() => rng.next() < 0.7);
      const a = rows.slice();
      const b = rows.slice();
      const ma = partitionRowsTs(bins, numRows, 1, a, 10, rows.length - 3, new Int32Array(numRows), threshold, missingLeft, set);
      const mb = native!.partitionRows(bins, numRows, 1, b, 10, rows.length - 3, new Int32Array(numRows), threshold, missingLeft, set);
      expect(mb).toBe(ma);
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(ma).toBeGreaterThan(10);
    }
  });

  it.skipIf(native === null)('a model trained with the native kernel equals the TypeScript-trained one', async () => {
    const { data, target } = await loadFixture('pima_diabetes2.csv', 'diabetes');
    const fit = () => gbdtSpec.create({ numRounds: 20 }).fit(data, target, { task: 'binary', rng: new Random(0) });
    const withNative = await fit();
    const { setNativePartition } = await import('../src/models/tree/builder.js');
    setNativeHistograms(false);
    setNativePartition(false);
    try {
      const withTs = await fit();
      expect(JSON.stringify(withTs.toJSON())).toBe(JSON.stringify(withNative.toJSON()));
    } finally {
      setNativeHistograms(true);
      setNativePartition(true);
    }
  });
});

describe('native prediction kernel', () => {
  it.skipIf(native === null)('agrees with the TypeScript walk: missing values, categorical splits, multi-output forests', async () => {
    const { setNativePrediction } = await import('../src/models/tree/predict.js');
    const { randomForestSpec } = await import('../src/models/forest/index.js');
    const cases = [
      { file: 'pima_diabetes2.csv', target: 'diabetes', task: 'binary' as const, spec: gbdtSpec, params: { numRounds: 40 } },
      { file: 'house_votes84.csv', target: 'Class', task: 'binary' as const, spec: gbdtSpec, params: { numRounds: 40 } },
      { file: 'penguins.csv', target: 'species', task: 'multiclass' as const, spec: randomForestSpec, params: { numTrees: 15 } },
    ];
    for (const c of cases) {
      const { data, target } = await loadFixture(c.file, c.target);
      const model = await (c.spec as typeof gbdtSpec).create(c.params as never).fit(data, target, { task: c.task, rng: new Random(0) });
      const withNative = model.predictProba(data);
      setNativePrediction(false);
      try {
        expect(Array.from(model.predictProba(data)), c.file).toEqual(Array.from(withNative));
      } finally {
        setNativePrediction(true);
      }
    }
  });
});
