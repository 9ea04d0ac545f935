import { describe, expect, it } from 'vitest';
import { categoricalColumn, numericColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { binFrame, numericUpperBounds, setNativeBinSort } from '../src/models/tree/binning.js';
import { nativeKernels } from '../src/models/tree/native.js';
import { Random } from '../src/util/random.js';
import { loadFixture } from './tree-helpers.js';

describe('binning', () => {
  it('puts missing values in bin 0 and keeps one bin per distinct value when there are few', () => {
    const x = Float64Array.of(3, 1, NaN, 2, 2, 3, NaN);
    const b = binFrame(Frame.fromColumns([numericColumn('x', x)]));
    expect(b.bins).toBeInstanceOf(Uint8Array);
    expect(Array.from(b.bins)).toEqual([3, 1, 0, 2, 2, 3, 0]);
    expect(Array.from(b.features[0].upperBounds!)).toEqual([1.5, 2.5, Infinity]);
  });

  it('makes equal-count bins for continuous data and uses Uint16 above 255 bins', () => {
    const n = 10000;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1000);
    const frame = Frame.fromColumns([numericColumn('x', x)]);
    const b8 = binFrame(frame, ['x'], { maxBins: 255 });
    expect(b8.features[0].numBins).toBe(256);
    const counts = new Int32Array(256);
    for (const v of b8.bins) counts[v]++;
    expect(Math.max(...counts.subarray(1))).toBeLessThan(3 * (n / 255));
    const b16 = binFrame(frame, ['x'], { maxBins: 1000 });
    expect(b16.bins).toBeInstanceOf(Uint16Array);
    expect(b16.features[0].numBins).toBeGreaterThan(256);
    // The bin order follows the value order.
    for (let i = 0; i < 200; i++) {
      for (let j = 0; j < 200; j++) if (x[i] < x[j]) expect(b8.bins[i]).toBeLessThanOrEqual(b8.bins[j]);
    }
  });

  it('gives a heavy repeated value its own bin', () => {
    const sorted = Float64Array.from([...Array(900).fill(0), ...Array.from({ length: 100 }, (_, i) => i + 1)]);
    const bounds = numericUpperBounds(sorted, 10);
    expect(bounds[0]).toBe(0.5);
  });

  it('bins categories by frequency, with the rarest sharing an overflow bin', () => {
    const codes = Int32Array.of(0, 1, 1, 2, 2, 2, -1, 3);
    const b = binFrame(Frame.fromColumns([categoricalColumn('c', codes, ['a', 'b', 'c', 'd'])]), ['c'], { maxBins: 2 });
    const f = b.features[0];
    expect(f.kind).toBe('categorical');
    expect(Array.from(b.bins)).toEqual([2, 2, 2, 1, 1, 1, 0, 2]);
    expect(f.binCategories![1]).toEqual([2]);
    expect([...f.binCategories![2]].sort()).toEqual([0, 1, 3]);
  });

  it('the native sample sort gives the same bins as Float64Array.sort (ames; signed zeros, ties, infinities)', async (ctx) => {
    if (nativeKernels() === null) ctx.skip('native addon not built (npm run build:native)');
    const rng = new Random(3);
    const odd = Float64Array.from({ length: 5000 }, () => [-0, 0, Infinity, -Infinity, NaN, 1.5, -2][rng.int(7)]);
    const wide = Float64Array.from({ length: 5000 }, () => rng.normal() * 1e5);
    const { frame } = await loadFixture('ames.csv', 'Sale_Price');
    const frames = [frame, Frame.fromColumns([numericColumn('odd', odd), numericColumn('wide', wide)])];
    for (const f of frames) {
      const a = binFrame(f);
      setNativeBinSort(false);
      try {
        const b = binFrame(f);
        expect(Buffer.from(a.bins.buffer).equals(Buffer.from(b.bins.buffer))).toBe(true);
        expect(JSON.stringify(a.features)).toBe(JSON.stringify(b.features));
      } finally {
        setNativeBinSort(true);
      }
    }
  });

  it('bins a real mixed-type table at one byte per value, optionally on shared memory', async () => {
    const { data } = await loadFixture('penguins.csv', 'species');
    const b = binFrame(data, undefined, { shared: true });
    expect(b.bins.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.bins.byteLength).toBe(data.numRows * b.numFeatures);
    expect(b.features.find((f) => f.name === 'island')?.kind).toBe('categorical');
    expect(b.binOffsets[b.numFeatures]).toBe(b.features.reduce((s, f) => s + f.numBins, 0));
  });
});
