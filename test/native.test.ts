import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

  it('row-wise histograms (row-major 8-bit bins, 1-3 threads) equal the gather + TypeScript accumulation', (ctx) => {
    needNative(ctx);
    const rng = new Random(12);
    const numRows = 3000;
    // Few-bin (four partial histograms) and many-bin features side by side; feature 2 is not listed.
    const binsPer = [40, 256, 64, 200, 3, 256, 65];
    const F = binsPer.length;
    const bins = new Uint8Array(numRows * F);
    for (let f = 0; f < F; f++) for (let r = 0; r < numRows; r++) bins[f * numRows + r] = rng.int(binsPer[f]);
    const binOffsets = new Int32Array(F + 1);
    for (let f = 0; f < F; f++) binOffsets[f + 1] = binOffsets[f] + binsPer[f];
    const rowBins = new Uint8Array(numRows * F);
    native!.transposeBins(bins, numRows, F, rowBins);
    expect(rowBins[7 * F + 3]).toBe(bins[3 * numRows + 7]);
    const grad = Float64Array.from({ length: numRows }, () => rng.normal());
    const hess = Float64Array.from({ length: numRows }, () => rng.next());
    const rows = Int32Array.from({ length: numRows }, (_, i) => i).filter(() => rng.next() < 0.8);
    const features = Int32Array.of(6, 0, 1, 3, 4, 5);
    // Lengths with every remainder mod 4 (the partial histograms' tail goes to partial 0).
    for (const [start, end] of [[5, rows.length - 3], [0, 1003], [2, 1004], [1, 1006]]) {
      const ordered = new Float64Array(2 * (end - start));
      native!.gatherOrdered(rows, start, end, grad, hess, ordered);
      const expected = new Float64Array(binOffsets[F] * 2);
      accumulateHistogramTs(bins, numRows, rows, start, end, ordered, 2, features, features.length, binOffsets, expected);
      for (const threads of [1, 2, 3]) {
        const got = new Float64Array(binOffsets[F] * 2);
        native!.buildHistogramRows(rowBins, F, rows, start, end, grad, hess, features, features.length, binOffsets, got, threads);
        expect(Array.from(got), `rows ${start}..${end}, ${threads} threads`).toEqual(Array.from(expected));
      }
    }
  });

  it('gradient sums, leaf score updates and histogram subtraction match their TypeScript loops', (ctx) => {
    needNative(ctx);
    const rng = new Random(13);
    const n = 2000;
    const grad = Float64Array.from({ length: n }, () => rng.normal());
    const hess = Float64Array.from({ length: n }, () => rng.next());
    const rows = rng.permutation(n);
    const sums = Float64Array.of(0.25, -1);
    native!.sumGradients(rows, 3, n - 2, grad, hess, sums);
    let g = 0.25;
    let h = -1;
    for (let i = 3; i < n - 2; i++) {
      g += grad[rows[i]];
      h += hess[rows[i]];
    }
    expect(Array.from(sums)).toEqual([g, h]);
    const leafStart = Int32Array.of(0, 700, 1500);
    const leafEnd = Int32Array.of(700, 1500, n);
    const values = Float64Array.of(0.1, -0.3, 0.7);
    const scores = grad.slice();
    const expected = grad.slice();
    for (let j = 0; j < 3; j++) for (let i = leafStart[j]; i < leafEnd[j]; i++) expected[rows[i]] += values[j];
    native!.addLeafValues(rows, leafStart, leafEnd, values, scores);
    expect(Array.from(scores)).toEqual(Array.from(expected));
    // Enough rows for 2-3 threads over 31 leaves of uneven sizes: every row still gets its own leaf's value once.
    const big = 80_000;
    const bigRows = rng.permutation(big);
    const cuts = Int32Array.from({ length: 30 }, () => rng.int(big)).sort();
    const starts = Int32Array.of(0, ...cuts);
    const ends = Int32Array.of(...cuts, big);
    const leafValues = Float64Array.from({ length: 31 }, () => rng.normal());
    const base = Float64Array.from({ length: big }, () => rng.normal());
    const want = base.slice();
    for (let j = 0; j < 31; j++) for (let i = starts[j]; i < ends[j]; i++) want[bigRows[i]] += leafValues[j];
    for (const threads of [1, 2, 3]) {
      const got = base.slice();
      native!.addLeafValues(bigRows, starts, ends, leafValues, got, threads);
      expect(got.every((v, i) => Object.is(v, want[i])), `${threads} threads`).toBe(true);
    }
    const parent = hess.slice();
    native!.subtractHistogram(parent, grad);
    expect(Array.from(parent)).toEqual(Array.from(hess, (v, i) => v - grad[i]));
  });

  it('binary log-loss gradients (V8 Math.exp ported) are bit-identical to the TypeScript objective, 1-3 threads', async (ctx) => {
    needNative(ctx);
    const { objectiveFor } = await import('../src/models/gbdt/objectives.js');
    const rng = new Random(21);
    // Enough rows for three gradient threads; scores over every branch of exp: tiny, |z| < 0.5 ln2, < 1.5 ln2,
    // large, beyond the overflow and underflow thresholds, +-0, +-Infinity and NaN.
    const n = 120_000;
    const special = [0, -0, 1, -1, Math.LN2 / 2, -Math.LN2 / 2, 1.5 * Math.LN2, -1.5 * Math.LN2, 2 ** -30, -(2 ** -30), 709.8, -745.2, 800, -800, Infinity, -Infinity, NaN];
    const scores = Float64Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : i % 3 === 0 ? rng.normal() * 40 : i % 3 === 1 ? rng.normal() : rng.normal() * 2 ** -rng.int(40)));
    const y = Float64Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
    const w = Float64Array.from({ length: n }, () => 0.5 + rng.next());
    const rows = Int32Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.9);
    const objective = objectiveFor('binary', 2);
    setNativeHistograms(false);
    const grad = new Float64Array(n).fill(-7);
    const hess = new Float64Array(n).fill(-7);
    try {
      objective.gradients(scores, y, w, rows, grad, hess, n);
    } finally {
      setNativeHistograms(true);
    }
    for (const threads of [1, 2, 3]) {
      const g = new Float64Array(n).fill(-7);
      const h = new Float64Array(n).fill(-7);
      native!.binaryGradients(scores, y, w, rows, g, h, threads);
      let differing = 0;
      for (let i = 0; i < n; i++) if (!Object.is(g[i], grad[i]) || !Object.is(h[i], hess[i])) differing++;
      expect(differing, `${threads} threads`).toBe(0);
    }
    expect(grad.filter((v) => v !== -7).length).toBe(rows.length);
  });

  it('multiclass log-loss gradients (softmax with V8 Math.exp ported) are bit-identical to the TypeScript objective, 1-3 threads', async (ctx) => {
    needNative(ctx);
    const { objectiveFor } = await import('../src/models/gbdt/objectives.js');
    const rng = new Random(23);
    // 26 classes like letter (six groups of four exps and two single ones per row), and 3 (one single-group row);
    // rows with every exp branch: ties at the max (exp(0) and |x| < 2^-28), large gaps (underflow beyond -745),
    // +-Infinity and NaN scores.
    for (const K of [26, 3]) {
      const n = Math.ceil(140_000 / K) * 2;
      const scores = Float64Array.from({ length: n * K }, (_, i) => (i % 5 === 0 ? rng.normal() * 40 : i % 5 === 1 ? rng.normal() : i % 5 === 2 ? rng.normal() * 2 ** -rng.int(40) : rng.normal() * 4));
      const special = [0, -0, 2 ** -30, -(2 ** -30), 800, -800, 709.8, -745.2, Infinity, -Infinity, NaN, Math.LN2 / 2, -1.5 * Math.LN2];
      for (let j = 0; j < special.length; j++) for (let c = 0; c < K; c++) scores[j * K + c] = c % 2 === 0 ? special[j] : special[(j + c) % special.length];
      const y = Float64Array.from({ length: n }, () => rng.int(K));
      const w = Float64Array.from({ length: n }, () => 0.5 + rng.next());
      const rows = Int32Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.9);
      const objective = objectiveFor('multiclass', K);
      setNativeHistograms(false);
      const grad = new Float64Array(n * K).fill(-7);
      const hess = new Float64Array(n * K).fill(-7);
      try {
        objective.gradients(scores, y, w, rows, grad, hess, n);
      } finally {
        setNativeHistograms(true);
      }
      expect(grad.filter((v) => v !== -7).length).toBe(rows.length * K);
      for (const threads of [1, 2, 3]) {
        const g = new Float64Array(n * K).fill(-7);
        const h = new Float64Array(n * K).fill(-7);
        const spy = vi.spyOn(native!, 'multiclassGradients');
        objective.gradients(scores, y, w, rows, g, h, n, threads);
        expect(spy).toHaveBeenCalledTimes(1);
        vi.restoreAllMocks();
        let differing = 0;
        for (let i = 0; i < n * K; i++) if (!Object.is(g[i], grad[i]) || !Object.is(h[i], hess[i])) differing++;
        expect(differing, `${K} classes, ${threads} threads`).toBe(0);
      }
    }
  });

  it('the fused node kernel (histogram, subtraction, numeric scan) agrees with the TypeScript path, 1-3 threads', async (ctx) => {
    needNative(ctx);
    const { binFrame, treeFeatureNames } = await import('../src/models/tree/binning.js');
    const { SplitFinder } = await import('../src/models/tree/split.js');
    const { SCANNED_STRIDE, scanInputs } = await import('../src/models/tree/scan.js');
    // ames: numeric features with few and many bins (and missing values) next to categorical ones.
    const { data, target } = await loadFixture('ames.csv', 'Sale_Price');
    const binned = binFrame(data, treeFeatureNames(data, []));
    const { numRows, numFeatures: F, binOffsets } = binned;
    const rng = new Random(22);
    const y = Float64Array.from({ length: numRows }, (_, r) => Number(target.values[r]) / 1e5);
    const grad = Float64Array.from(y, (v) => v - 1.8 + 0.1 * rng.normal());
    const hess = Float64Array.from({ length: numRows }, () => 0.5 + rng.next());
    const params = { criterion: 'gradient', channels: 1, minDataInLeaf: 5, minSumHessian: 1e-3, lambdaL1: 0.1, lambdaL2: 1, minGainToSplit: 0, extraTrees: false, catSmooth: 10, catL2: 10, maxCatThreshold: 32, maxCatToOnehot: 4, minDataPerGroup: 10 } as const;
    const finder = new SplitFinder(binned, params);
    const rowBins = new Uint8Array(numRows * F);
    native!.transposeBins(binned.bins as Uint8Array, numRows, F, rowBins);
    const rows = Int32Array.from({ length: numRows }, (_, i) => i).filter(() => rng.next() < 0.85);
    const mid = 611; // the smaller child: rows[0, mid); the larger: rows[mid, end)
    const features = Int32Array.from({ length: F }, (_, f) => f).filter((f) => f !== 3);
    const m = features.length;
    const tsHistogram = (start: number, end: number): Float64Array => {
      const ordered = new Float64Array(2 * (end - start));
      native!.gatherOrdered(rows, start, end, grad, hess, ordered);
      const h = new Float64Array(binOffsets[F] * 2);
      accumulateHistogramTs(binned.bins, numRows, rows, start, end, ordered, 2, features, m, binOffsets, h);
      return h;
    };
    const stats = (start: number, end: number): Float64Array => {
      const s = new Float64Array(2);
      for (let i = start; i < end; i++) {
        s[0] += grad[rows[i]];
        s[1] += hess[rows[i]];
      }
      return s;
    };
    const parentTs = tsHistogram(0, rows.length);
    const smallTs = tsHistogram(0, mid);
    const largeTs = Float64Array.from(parentTs, (v, i) => v - smallTs[i]);
    const smallStats = stats(0, mid);
    const largeStats = stats(mid, rows.length);
    const categorical = Uint8Array.from(binned.features, (fb) => (fb.kind === 'categorical' ? 1 : 0));
    const expectSplit = (got: unknown, want: unknown, what: string): void => expect(JSON.stringify(got), what).toBe(JSON.stringify(want));
    for (const threads of [1, 2, 3]) {
      const scan = new Float64Array(12);
      scan[0] = params.lambdaL1;
      scan[1] = params.lambdaL2;
      scanInputs(smallStats, mid, finder.score(smallStats, 0), params.minSumHessian, params.minDataInLeaf, scan, 2);
      scanInputs(largeStats, rows.length - mid, finder.score(largeStats, 0), params.minSumHessian, params.minDataInLeaf, scan, 7);
      const hist = new Float64Array(binOffsets[F] * 2).fill(NaN);
      const parent = parentTs.slice();
      const out = new Float64Array(2 * m * SCANNED_STRIDE);
      native!.histogramSplits(rowBins, F, rows, 0, mid, grad, hess, features, m, binOffsets, hist, parent, categorical, scan, out, threads);
      const listed = (h: Float64Array): number[] => Array.from(features, (f) => Array.from(h.subarray(binOffsets[f] * 2, binOffsets[f + 1] * 2))).flat();
      expect(listed(hist), `${threads} threads: small histogram`).toEqual(listed(smallTs));
      expect(listed(parent), `${threads} threads: larger sibling`).toEqual(listed(largeTs));
      const r = new Random(0);
      expectSplit(finder.findScanned(hist, smallStats, mid, features, m, r, out, 0), finder.find(smallTs, smallStats, mid, features, m, r), `${threads} threads: small`);
      const large = finder.findScanned(parent, largeStats, rows.length - mid, features, m, r, out, m * SCANNED_STRIDE);
      expectSplit(large, finder.find(largeTs, largeStats, rows.length - mid, features, m, r), `${threads} threads: large`);
      expect(large).not.toBeNull();
    }
  });

  it('a 2-thread native fit is bit-identical to 1 thread (ames: few- and many-bin features, categoricals)', async (ctx) => {
    needNative(ctx);
    if (availableParallelism() < 2) ctx.skip('one core: numThreads is capped at 1');
    const { data, target } = await loadFixture('ames.csv', 'Sale_Price');
    const fit = (numThreads: number) => gbdtSpec.create({ numRounds: 15, numThreads }).fit(data, target, { task: 'regression', rng: new Random(0) });
    const calls = vi.spyOn(native!, 'histogramSplits');
    try {
      const one = await fit(1);
      const two = await fit(2);
      // The node kernels of the 2-thread fit really asked for two threads.
      expect(calls.mock.calls.some((c) => c[15] === 2)).toBe(true);
      expect(JSON.stringify(two.toJSON())).toBe(JSON.stringify(one.toJSON()));
      expect(JSON.stringify(one.toJSON())).not.toContain('numThreads');
      if (availableParallelism() >= 3) expect(JSON.stringify((await fit(3)).toJSON())).toBe(JSON.stringify(one.toJSON()));
    } finally {
      vi.restoreAllMocks();
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
    // Large enough for chunks on 2 and 3 threads: the chunks' parts are concatenated in order.
    const big = 200_000;
    const wideBins = Uint16Array.from({ length: big }, () => rng.int(300));
    const rows = Int32Array.from({ length: big }, (_, i) => i).filter(() => rng.next() < 0.9);
    const a = rows.slice();
    const ma = partitionRowsTs(wideBins, big, 0, a, 7, rows.length - 2, new Int32Array(big), 150, true, null);
    for (const threads of [2, 3]) {
      const b = rows.slice();
      const mb = native!.partitionRows(wideBins, big, 0, b, 7, rows.length - 2, new Int32Array(big), 150, true, null, threads);
      expect(mb).toBe(ma);
      expect(b.every((v, i) => v === a[i])).toBe(true);
    }
  });

  it('a row-major bin copy made ahead on shared memory (shareRowBins) is the transposition and gives the same model', async (ctx) => {
    needNative(ctx);
    const { binFrame, treeFeatureNames } = await import('../src/models/tree/binning.js');
    const { shareRowBins } = await import('../src/models/tree/builder.js');
    const { data, target } = await loadFixture('ames.csv', 'Sale_Price');
    const binned = binFrame(data, treeFeatureNames(data, [target]), { shared: true });
    const ahead = shareRowBins(binned);
    const { numRows, numFeatures } = binned;
    expect(ahead.rowBins!.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const r of [0, 1, 777, numRows - 1]) for (let f = 0; f < numFeatures; f++) expect(ahead.rowBins![r * numFeatures + f]).toBe(binned.bins[f * numRows + r]);
    const fit = (b: typeof binned) => gbdtSpec.create({ numRounds: 10 }).fit(data, target, { task: 'regression', rng: new Random(0), binned: b });
    const transposes = vi.spyOn(native!, 'transposeBins');
    try {
      const withAhead = await fit(ahead);
      // The fit read the copy made ahead instead of making its own.
      expect(transposes).not.toHaveBeenCalled();
      expect(JSON.stringify(withAhead.toJSON())).toBe(JSON.stringify((await fit(binned)).toJSON()));
      expect(transposes).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a model trained with the native kernel equals the TypeScript-trained one', async (ctx) => {
    needNative(ctx);
    const { data, target } = await loadFixture('pima_diabetes2.csv', 'diabetes');
    const fit = () => gbdtSpec.create({ numRounds: 20 }).fit(data, target, { task: 'binary', rng: new Random(0) });
    // The comparison means something only when the native kernels really ran for the first fit.
    const histogramCalls = vi.spyOn(native!, 'histogramSplits');
    const partitionCalls = vi.spyOn(native!, 'partitionRows');
    const gradientCalls = vi.spyOn(native!, 'binaryGradients');
    const withNative = await fit();
    expect(histogramCalls).toHaveBeenCalled();
    expect(partitionCalls).toHaveBeenCalled();
    expect(gradientCalls).toHaveBeenCalled();
    histogramCalls.mockClear();
    partitionCalls.mockClear();
    gradientCalls.mockClear();
    const { setNativePartition } = await import('../src/models/tree/builder.js');
    setNativeHistograms(false);
    setNativePartition(false);
    try {
      const withTs = await fit();
      expect(histogramCalls).not.toHaveBeenCalled();
      expect(partitionCalls).not.toHaveBeenCalled();
      expect(gradientCalls).not.toHaveBeenCalled();
      expect(JSON.stringify(withTs.toJSON())).toBe(JSON.stringify(withNative.toJSON()));
    } finally {
      setNativeHistograms(true);
      setNativePartition(true);
      vi.restoreAllMocks();
    }
  });
});

describe('native prediction kernel', () => {
  // Each fixture is repeated to 9,000 rows so the kernel walks several row blocks and a partial last one.
  const PREDICT_ROWS = 9000;
  it('predictColumns agrees bit for bit with the TypeScript walk for every tree model kind', async (ctx) => {
    needNative(ctx);
    const { setNativePrediction } = await import('../src/models/tree/predict.js');
    const { randomForestSpec, extraTreesSpec } = await import('../src/models/forest/index.js');
    type Case = { file: string; target: string; task: 'binary' | 'multiclass' | 'regression'; spec: typeof gbdtSpec; params: object; what: string };
    const cases: Case[] = [
      { file: 'pima_diabetes2.csv', target: 'diabetes', task: 'binary', spec: gbdtSpec, params: { numRounds: 40 }, what: 'gbdt binary, missing values' },
      { file: 'house_votes84.csv', target: 'Class', task: 'binary', spec: gbdtSpec, params: { numRounds: 40 }, what: 'gbdt categorical splits, missing' },
      { file: 'penguins.csv', target: 'species', task: 'multiclass', spec: gbdtSpec, params: { numRounds: 30 }, what: 'gbdt multiclass (3 channels), categorical' },
      { file: 'ames.csv', target: 'Sale_Price', task: 'regression', spec: gbdtSpec, params: { numRounds: 30 }, what: 'gbdt regression, categorical' },
      { file: 'penguins.csv', target: 'species', task: 'multiclass', spec: randomForestSpec as never, params: { numTrees: 15 }, what: 'rf multi-output leaves' },
      { file: 'concrete.csv', target: 'compressive_strength', task: 'regression', spec: extraTreesSpec as never, params: { numTrees: 15 }, what: 'extratrees regression' },
    ];
    for (const c of cases) {
      const { data, target } = await loadFixture(c.file, c.target);
      const model = await c.spec.create(c.params as never).fit(data, target, { task: c.task, rng: new Random(0) });
      const rows = Int32Array.from({ length: PREDICT_ROWS }, (_, i) => i % data.numRows);
      const big = data.take(rows);
      const scores = (f = big): Float64Array => ('predictRaw' in model ? (model as { predictRaw(f: typeof big): Float64Array }).predictRaw(f) : c.task === 'regression' ? model.predict(f) : model.predictProba(f));
      const one = data.take([5]);
      const predictCalls = vi.spyOn(native!, 'predictColumns');
      const withNative = scores();
      expect(predictCalls, c.what).toHaveBeenCalledTimes(1);
      const oneNative = scores(one); // one row: the serving case
      setNativePrediction(false);
      try {
        predictCalls.mockClear();
        const withTs = scores();
        expect(predictCalls, c.what).not.toHaveBeenCalled();
        expect(withTs.length, c.what).toBe(withNative.length);
        // Object.is: bit-level equality that also distinguishes -0 and would catch a NaN.
        let differing = 0;
        for (let i = 0; i < withTs.length; i++) if (!Object.is(withTs[i], withNative[i])) differing++;
        expect(differing, c.what).toBe(0);
        expect(Array.from(scores(one)), c.what).toEqual(Array.from(oneNative));
        // Repeated rows score the same wherever they fall in a block.
        const per = withNative.length / PREDICT_ROWS;
        expect(Array.from(withNative.subarray((PREDICT_ROWS - 1) * per)), c.what).toEqual(Array.from(withNative.subarray(((PREDICT_ROWS - 1) % data.numRows) * per, (((PREDICT_ROWS - 1) % data.numRows) + 1) * per)));
      } finally {
        setNativePrediction(true);
        vi.restoreAllMocks();
      }
    }
  });
});
