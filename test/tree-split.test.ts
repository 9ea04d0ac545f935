import { describe, expect, it } from 'vitest';
import { categoricalColumn, numericColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { type BinnedData, binFrame } from '../src/models/tree/binning.js';
import { type TreeParams, TreeBuilder } from '../src/models/tree/builder.js';
import { type SplitParams, SplitFinder } from '../src/models/tree/split.js';
import { Random } from '../src/util/random.js';

/**
 * Planted-answer tests for the histogram split finder and the tree builder, in the style of scikit-learn's
 * test_splitting.py: histograms (or data) built so that one split is clearly best, then the finder must return
 * exactly that bin / category subset / missing-value direction with the gain worked out by hand.
 */

const BASE: SplitParams = {
  criterion: 'gradient',
  channels: 1,
  minDataInLeaf: 1,
  minSumHessian: 1e-3,
  lambdaL1: 0,
  lambdaL2: 0,
  minGainToSplit: 0,
  extraTrees: false,
  catSmooth: 0,
  catL2: 0,
  maxCatThreshold: 32,
  maxCatToOnehot: 4,
  minDataPerGroup: 1,
};

/** Binned data of one numeric feature with value bins 1..8 (values 1..8) and a missing bin. */
function numericBins(): BinnedData {
  const values = Float64Array.from({ length: 90 }, (_, i) => (i < 80 ? (i % 8) + 1 : NaN));
  const binned = binFrame(Frame.fromColumns([numericColumn('x', values)]));
  expect(binned.features[0].numBins).toBe(9);
  return binned;
}

/** Binned data of one categorical feature with `k` categories (one bin each, bin = code + 1 here). */
function categoricalBins(k: number): BinnedData {
  const codes = Int32Array.from({ length: 10 * k }, (_, i) => i % k);
  const dictionary = Array.from({ length: k }, (_, c) => `c${c}`);
  const binned = binFrame(Frame.fromColumns([categoricalColumn('color', codes, dictionary)]));
  expect(binned.features[0].numBins).toBe(k + 1);
  return binned;
}

/** A one-channel histogram (gradient, hessian per bin; bin 0 = missing) and its totals. */
function histogram(grad: number[], hess: number[]): { hist: Float64Array; total: Float64Array } {
  const hist = new Float64Array(2 * grad.length);
  const total = new Float64Array(2);
  grad.forEach((g, b) => {
    hist[2 * b] = g;
    hist[2 * b + 1] = hess[b];
    total[0] += g;
    total[1] += hess[b];
  });
  return { hist, total };
}

const score = (g: number, h: number) => (g * g) / h;

describe('SplitFinder (planted histograms)', () => {
  it('finds the known best numeric bin and its gain', () => {
    const binned = numericBins();
    // Bins 1..3 carry negative gradients (targets above the mean), bins 4..8 positive: the cut is after bin 3.
    const { hist, total } = histogram([0, -10, -10, -10, 10, 10, 10, 10, 10], [0, 10, 10, 10, 10, 10, 10, 10, 10]);
    const split = new SplitFinder(binned, BASE).find(hist, total, 80, Int32Array.of(0), 1, new Random(0))!;
    expect(split.binThreshold).toBe(3);
    expect(split.leftBins).toBeNull();
    expect(split.gain).toBeCloseTo(score(-30, 30) + score(50, 50) - score(20, 80), 10);
    expect(Array.from(split.leftStats)).toEqual([-30, 30]);
    // No missing values in training: missing rows follow the bigger child (the right one, 50 > 30).
    expect(split.defaultLeft).toBe(false);
  });

  it('agrees with a brute-force scan over every threshold', () => {
    const binned = numericBins();
    const rng = new Random(3);
    for (let trial = 0; trial < 20; trial++) {
      const grad = [0, ...Array.from({ length: 8 }, () => rng.normal() * 5)];
      const hess = [0, ...Array.from({ length: 8 }, () => 1 + rng.int(9))];
      const { hist, total } = histogram(grad, hess);
      let best = -Infinity;
      let bestT = -1;
      for (let t = 1; t <= 7; t++) {
        let lg = 0;
        let lh = 0;
        for (let b = 1; b <= t; b++) {
          lg += grad[b];
          lh += hess[b];
        }
        const gain = score(lg, lh) + score(total[0] - lg, total[1] - lh) - score(total[0], total[1]);
        if (gain > best) {
          best = gain;
          bestT = t;
        }
      }
      const split = new SplitFinder(binned, BASE).find(hist, total, 80, Int32Array.of(0), 1, rng);
      if (best <= 0) expect(split).toBeNull();
      else {
        expect(split!.binThreshold, `trial ${trial}`).toBe(bestT);
        expect(split!.gain).toBeCloseTo(best, 9);
      }
    }
  });

  it('sends missing values to the side they resemble', () => {
    const binned = numericBins();
    const hess = [10, 10, 10, 10, 10, 10, 10, 10, 10];
    // Missing rows look like the low bins (negative gradient): they go left with bins 1..3.
    const low = histogram([-10, -10, -10, -10, 10, 10, 10, 10, 10], hess);
    const left = new SplitFinder(binned, BASE).find(low.hist, low.total, 90, Int32Array.of(0), 1, new Random(0))!;
    expect([left.binThreshold, left.defaultLeft]).toEqual([3, true]);
    expect(Array.from(left.leftStats)).toEqual([-40, 40]);
    // Missing rows look like the high bins: same cut, missing goes right.
    const high = histogram([10, -10, -10, -10, 10, 10, 10, 10, 10], hess);
    const right = new SplitFinder(binned, BASE).find(high.hist, high.total, 90, Int32Array.of(0), 1, new Random(0))!;
    expect([right.binThreshold, right.defaultLeft]).toEqual([3, false]);
    expect(Array.from(right.leftStats)).toEqual([-30, 30]);
    // Only missingness is informative: the split is "missing vs. every value" (threshold 0, missing left).
    const onlyMissing = histogram([-40, 5, 5, 5, 5, 5, 5, 5, 5], hess);
    const m = new SplitFinder(binned, BASE).find(onlyMissing.hist, onlyMissing.total, 90, Int32Array.of(0), 1, new Random(0))!;
    expect([m.binThreshold, m.defaultLeft]).toEqual([0, true]);
    expect(m.gain).toBeCloseTo(score(-40, 10) + score(40, 80) - score(0, 90), 10);
  });

  it('respects minDataInLeaf and minGainToSplit', () => {
    const binned = numericBins();
    // The best cut isolates bin 1 (10 rows); with at least 20 rows per leaf the next best, after bin 2, wins.
    const { hist, total } = histogram([0, -50, 0, 0, 5, 5, 5, 5, 5], [0, 10, 10, 10, 10, 10, 10, 10, 10]);
    expect(new SplitFinder(binned, BASE).find(hist, total, 80, Int32Array.of(0), 1, new Random(0))!.binThreshold).toBe(1);
    expect(new SplitFinder(binned, { ...BASE, minDataInLeaf: 20 }).find(hist, total, 80, Int32Array.of(0), 1, new Random(0))!.binThreshold).toBe(2);
    const gain = score(-50, 10) + score(25, 70) - score(-25, 80);
    expect(new SplitFinder(binned, { ...BASE, minGainToSplit: gain + 1 }).find(hist, total, 80, Int32Array.of(0), 1, new Random(0))).toBeNull();
  });

  it('finds the known best categorical subset (many categories: sorted by gradient ratio)', () => {
    const binned = categoricalBins(8);
    // Categories in bins 2, 5 and 7 pull the target up (negative gradient); the others pull it down.
    const grad = [0, 4, -9, 3, 5, -8, 4, -7, 2];
    const { hist, total } = histogram(grad, [0, 10, 10, 10, 10, 10, 10, 10, 10]);
    const split = new SplitFinder(binned, BASE).find(hist, total, 80, Int32Array.of(0), 1, new Random(0))!;
    expect([...split.leftBins!].sort((a, b) => a - b)).toEqual([2, 5, 7]);
    expect(split.binThreshold).toBe(-1);
    expect(split.gain).toBeCloseTo(score(-24, 30) + score(18, 50) - score(-6, 80), 10);
  });

  it('splits one category against the rest when there are few categories', () => {
    const binned = categoricalBins(4);
    const { hist, total } = histogram([0, 1, 1, -12, 1], [0, 10, 10, 10, 10]);
    const split = new SplitFinder(binned, BASE).find(hist, total, 40, Int32Array.of(0), 1, new Random(0))!;
    expect(split.leftBins).toEqual([3]);
    expect(split.defaultLeft).toBe(false);
  });

  it('scores forest classification splits by Gini', () => {
    const binned = numericBins();
    const params: SplitParams = { ...BASE, criterion: 'gini', channels: 2, minSumHessian: 0 };
    // Stride 3 (class-0 count, class-1 count, total): bins 1..5 are all class 0, bins 6..8 all class 1.
    const hist = new Float64Array(9 * 3);
    for (let b = 1; b <= 8; b++) hist.set(b <= 5 ? [10, 0, 10] : [0, 10, 10], b * 3);
    const total = Float64Array.of(50, 30, 80);
    const split = new SplitFinder(binned, params).find(hist, total, 80, Int32Array.of(0), 1, new Random(0))!;
    expect(split.binThreshold).toBe(5);
    expect(split.gain).toBeCloseTo(50 + 30 - (50 * 50 + 30 * 30) / 80, 10);
  });
});

describe('TreeBuilder (planted data)', () => {
  const TREE: TreeParams = { ...BASE, numLeaves: 2, maxDepth: 0, featureFractionByNode: 1, growth: 'bestFirst' };

  it('splits on the informative feature at the planted threshold, missing rows following their targets', () => {
    const n = 200;
    const rng = new Random(1);
    const noise = Float64Array.from({ length: n }, () => rng.next());
    // y = 1 when signal > 0.6; the 20 rows with signal missing all have y = 1.
    const signal = Float64Array.from({ length: n }, (_, i) => (i < 20 ? NaN : (i % 10) / 10));
    const y = Float64Array.from(signal, (s) => (s !== s || s > 0.6 ? 1 : 0));
    const binned = binFrame(Frame.fromColumns([numericColumn('noise', noise), numericColumn('signal', signal)]));
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    // Squared loss from a zero start: gradient -y, hessian 1, so leaf values are the mean target of the leaf.
    const grad = Float64Array.from(y, (v) => -v);
    const hess = new Float64Array(n).fill(1);
    const { tree, leafNode, leafStart, leafEnd } = new TreeBuilder(binned, TREE).grow(rows, n, grad, hess, Int32Array.of(0, 1), new Random(0));
    expect(tree.numNodes).toBe(3);
    expect(tree.feature[0]).toBe(1);
    // Values 0, 0.1, ..., 0.9: the cut lies between 0.6 and 0.7.
    expect(tree.threshold[0]).toBeGreaterThanOrEqual(0.6);
    expect(tree.threshold[0]).toBeLessThan(0.7);
    expect(tree.defaultLeft[0]).toBe(0);
    const [l, r] = [tree.left[0], tree.right[0]];
    expect(tree.value[l]).toBeCloseTo(0, 12);
    expect(tree.value[r]).toBeCloseTo(1, 12);
    // Covers: 180 rows with a value, 7 of each 10 at or below 0.6 -> 126 left; the rest (54 + 20 missing) right.
    expect([tree.cover[0], tree.cover[l], tree.cover[r]]).toEqual([200, 126, 74]);
    const gain = score(0, 126) + score(-74, 74) - score(-74, 200);
    expect(tree.gain[0]).toBeCloseTo(gain, 9);
    // Every row ends in the leaf its target says, and the leaf ranges partition the rows.
    let covered = 0;
    for (let j = 0; j < leafNode.length; j++) {
      for (let i = leafStart[j]; i < leafEnd[j]; i++) expect(y[rows[i]]).toBe(leafNode[j] === r ? 1 : 0);
      covered += leafEnd[j] - leafStart[j];
    }
    expect(covered).toBe(n);
  });

  it('stops at numLeaves and never splits a pure node', () => {
    const n = 120;
    const x = Float64Array.from({ length: n }, (_, i) => i % 6);
    const y = Float64Array.from(x, (v) => (v < 2 ? 0 : v < 4 ? 1 : 2));
    const binned = binFrame(Frame.fromColumns([numericColumn('x', x)]));
    const grad = Float64Array.from(y, (v) => -v);
    const hess = new Float64Array(n).fill(1);
    const grow = (numLeaves: number) =>
      new TreeBuilder(binned, { ...TREE, numLeaves }).grow(Int32Array.from({ length: n }, (_, i) => i), n, grad, hess, Int32Array.of(0), new Random(0)).tree;
    // Three levels of y need exactly two splits; allowing more leaves changes nothing.
    const three = grow(3);
    const many = grow(16);
    expect(three.numNodes).toBe(5);
    expect(many.numNodes).toBe(5);
    const leaves = Array.from(many.value).filter((_, i) => many.feature[i] < 0).sort((a, b) => a - b);
    expect(leaves.map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([0, 1, 2]);
    expect(grow(2).numNodes).toBe(3);
  });
});
