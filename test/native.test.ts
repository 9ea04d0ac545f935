import { existsSync } from 'node:fs';
import { type TestContext, describe, expect, it, vi } from 'vitest';
import { gbdtSpec } from '../src/models/gbdt/index.js';
import { accumulateHistogramTs, nativeHistogramsAvailable, setNativeHistograms } from '../src/models/tree/histogram.js';
import { nativeKernels } from '../src/models/tree/native.js';
import { Random } from '../src/util/random.js';
import { loadFixture } from './tree-helpers.js';

const native = nativeKernels();
const ADDON = 'native/build/Release/tabpilot_native.node';

/** Skips (visibly) where the optional addon is not built: `npm run build:native` builds it. */
function needNative(ctx: TestContext): void {
  if (native === null) ctx.skip('native addon not built (npm run build:native)');
}

describe('native kernels', () => {
  // Histogram inputs with few bins (<= 64) take the four-partial-histogram path, many bins the plain loop.
  it('loads the addon whenever it is built (else the TypeScript kernels run)', () => {
    const built = existsSync(ADDON) && process.env.TABPILOT_NO_NATIVE !== '1';
    expect(native !== null).toBe(built);
    expect(nativeHistogramsAvailable()).toBe(built);
  });

  it('gathers gradient/hessian pairs in row order like the TypeScript loop', (ctx) => {
    needNative(ctx);
    const rng = new Random(5);
    const n = 4000;
    const grad = Float64Array.from({ length: n }, () => rng.normal());
    const hess = Float64Array.from({ length: n }, () => rng.next());
    const rows = Int32Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.5);
    const start = 9;
    const end = rows.length - 4;
    const expected = new Float64Array(2 * (end - start));
    for (let i = start, o = 0; i < end; i++, o += 2) {
      expected[o] = grad[rows[i]];
      expected[o + 1] = hess[rows[i]];
    }
    const got = new Float64Array(expected.length + 6).fill(-7);
    native!.gatherOrdered(rows, start, end, grad, hess, got);
    expect(Array.from(got.subarray(0, expected.length))).toEqual(Array.from(expected));
    expect(Array.from(got.subarray(expected.length))).toEqual([-7, -7, -7, -7, -7, -7]);
  });

  it('histogram accumulation agrees with the TypeScript twin (few/many bins, Uint8/Uint16, 1 and 4 channels)', (ctx) => {
    needNative(ctx);
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

  it('row partition agrees with the TypeScript twin (numeric and categorical splits)', async (ctx) => {
    needNative(ctx);
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

  it('a model trained with the native kernel equals the TypeScript-trained one', async (ctx) => {
    needNative(ctx);
    const { data, target } = await loadFixture('pima_diabetes2.csv', 'diabetes');
    const fit = () => gbdtSpec.create({ numRounds: 20 }).fit(data, target, { task: 'binary', rng: new Random(0) });
    // The comparison means something only when the native kernels really ran for the first fit.
    const histogramCalls = vi.spyOn(native!, 'accumulateHistogram');
    const partitionCalls = vi.spyOn(native!, 'partitionRows');
    const withNative = await fit();
    expect(histogramCalls).toHaveBeenCalled();
    expect(partitionCalls).toHaveBeenCalled();
    histogramCalls.mockClear();
    partitionCalls.mockClear();
    const { setNativePartition } = await import('../src/models/tree/builder.js');
    setNativeHistograms(false);
    setNativePartition(false);
    try {
      const withTs = await fit();
      expect(histogramCalls).not.toHaveBeenCalled();
      expect(partitionCalls).not.toHaveBeenCalled();
      expect(JSON.stringify(withTs.toJSON())).toBe(JSON.stringify(withNative.toJSON()));
    } finally {
      setNativeHistograms(true);
      setNativePartition(true);
      vi.restoreAllMocks();
    }
  });
});

describe('native prediction kernel', () => {
  it('agrees with the TypeScript walk: missing values, categorical splits, multi-output forests', async (ctx) => {
    needNative(ctx);
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
      const predictCalls = vi.spyOn(native!, 'predictPacked');
      const withNative = model.predictProba(data);
      expect(predictCalls, c.file).toHaveBeenCalled();
      setNativePrediction(false);
      try {
        predictCalls.mockClear();
        expect(Array.from(model.predictProba(data)), c.file).toEqual(Array.from(withNative));
        expect(predictCalls, c.file).not.toHaveBeenCalled();
      } finally {
        setNativePrediction(true);
        vi.restoreAllMocks();
      }
    }
  });
});
