import { describe, expect, it } from 'vitest';
import { type ExplainTree, TreeShapExplainer, coverFraction, goesLeft, predictTrees } from '../src/explain/treeshap.js';
import { Random } from '../src/util/random.js';

const NUM_FEATURES = 6;
const CATEGORICAL = new Set([4, 5]);

/** A random tree with consistent covers, repeated features on paths, categorical splits and default directions. */
function randomTree(rng: Random, maxDepth: number, numOutputs: number): ExplainTree {
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const defaultLeft: number[] = [];
  const categorical: number[] = [];
  const catOffset: number[] = [];
  const catLength: number[] = [];
  const catWords: number[] = [];
  const cover: number[] = [];
  const value: number[] = [];
  const grow = (depth: number, c: number): number => {
    const node = left.length;
    left.push(-1); right.push(-1); feature.push(-1); threshold.push(0); defaultLeft.push(0); categorical.push(0); catOffset.push(0); catLength.push(0);
    cover.push(c);
    for (let o = 0; o < numOutputs; o++) value.push(rng.normal());
    if (depth < maxDepth && (depth < 2 || rng.next() < 0.7)) {
      const f = rng.int(NUM_FEATURES);
      feature[node] = f;
      defaultLeft[node] = rng.next() < 0.5 ? 1 : 0;
      if (CATEGORICAL.has(f)) {
        categorical[node] = 1;
        catOffset[node] = catWords.length;
        // Codes 0..5 are covered by the set; code 6 lies beyond it (an unseen category: default direction).
        catLength[node] = 1;
        catWords.push(rng.nextUint32() & 0x3f);
      } else {
        threshold[node] = rng.normal();
      }
      const share = 0.1 + 0.8 * rng.next();
      const l = grow(depth + 1, c * share);
      const r = grow(depth + 1, c * (1 - share));
      left[node] = l;
      right[node] = r;
    }
    return node;
  };
  grow(0, 100);
  return {
    left: Int32Array.from(left), right: Int32Array.from(right), feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold), defaultLeft: Uint8Array.from(defaultLeft),
    categorical: Uint8Array.from(categorical), catOffset: Int32Array.from(catOffset), catLength: Int32Array.from(catLength), catWords: Uint32Array.from(catWords),
    cover: Float64Array.from(cover), value: Float64Array.from(value), outputDim: numOutputs,
  };
}

function randomRows(rng: Random, n: number): Float64Array {
  const x = new Float64Array(n * NUM_FEATURES);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < NUM_FEATURES; f++) {
      const missing = rng.next() < 0.15;
      x[r * NUM_FEATURES + f] = missing ? NaN : CATEGORICAL.has(f) ? rng.int(40) : rng.normal();
    }
  }
  return x;
}

/** E[f(x) | x_S] with features outside S integrated out by cover (the path-dependent value function). */
function conditionalExpectation(tree: ExplainTree, x: Float64Array, off: number, inS: boolean[], out: Float64Array, scale: number): void {
  const walk = (node: number, weight: number): void => {
    if (tree.left[node] < 0) {
      for (let o = 0; o < tree.outputDim; o++) out[o] += weight * scale * tree.value[node * tree.outputDim + o];
      return;
    }
    const f = tree.feature[node];
    if (inS[f]) {
      walk(goesLeft(tree, node, x[off + f]) ? tree.left[node] : tree.right[node], weight);
    } else {
      const c = tree.cover[node];
      walk(tree.left[node], weight * coverFraction(tree.cover[tree.left[node]], c));
      walk(tree.right[node], weight * coverFraction(tree.cover[tree.right[node]], c));
    }
  };
  walk(0, 1);
}

/** Shapley values by enumerating all 2^M coalitions. */
function bruteForceShap(trees: ExplainTree[], x: Float64Array, off: number, k: number, scale: number, bias: Float64Array): Float64Array {
  const m = NUM_FEATURES;
  const value = (mask: number): Float64Array => {
    const out = Float64Array.from(bias);
    const inS = Array.from({ length: m }, (_, f) => ((mask >> f) & 1) === 1);
    for (const t of trees) conditionalExpectation(t, x, off, inS, out, scale);
    return out;
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const values = Array.from({ length: 1 << m }, (_, mask) => value(mask));
  const phi = new Float64Array((m + 1) * k);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if ((mask >> i) & 1) continue;
      let size = 0;
      for (let f = 0; f < m; f++) size += (mask >> f) & 1;
      const weight = (fact(size) * fact(m - size - 1)) / fact(m);
      for (let o = 0; o < k; o++) phi[i * k + o] += weight * (values[mask | (1 << i)][o] - values[mask][o]);
    }
  }
  for (let o = 0; o < k; o++) phi[m * k + o] = values[0][o];
  return phi;
}

describe('TreeSHAP', () => {
  it('matches brute-force Shapley values on a small boosted ensemble (missing values, categorical splits, repeated features)', () => {
    const rng = new Random(7);
    const trees = Array.from({ length: 5 }, () => randomTree(rng, 5, 1));
    const bias = Float64Array.of(0.3);
    const explainer = new TreeShapExplainer(trees, NUM_FEATURES, 1, 1, bias);
    const n = 40;
    const x = randomRows(rng, n);
    const phi = explainer.explain(x, n);
    for (let r = 0; r < n; r++) {
      const expected = bruteForceShap(trees, x, r * NUM_FEATURES, 1, 1, bias);
      for (let j = 0; j <= NUM_FEATURES; j++) expect(phi[r * (NUM_FEATURES + 1) + j]).toBeCloseTo(expected[j], 10);
    }
  });

  it('matches brute force for a multi-output averaged forest', () => {
    const rng = new Random(11);
    const k = 3;
    const trees = Array.from({ length: 4 }, () => randomTree(rng, 6, k));
    const explainer = new TreeShapExplainer(trees, NUM_FEATURES, k, 1 / trees.length);
    const n = 15;
    const x = randomRows(rng, n);
    const phi = explainer.explain(x, n);
    for (let r = 0; r < n; r++) {
      const expected = bruteForceShap(trees, x, r * NUM_FEATURES, k, 1 / trees.length, new Float64Array(k));
      for (let j = 0; j < (NUM_FEATURES + 1) * k; j++) expect(phi[r * (NUM_FEATURES + 1) * k + j]).toBeCloseTo(expected[j], 10);
    }
  });

  it('contributions plus expected value sum to the prediction (additivity) on deep trees', () => {
    const rng = new Random(3);
    const trees = Array.from({ length: 30 }, () => randomTree(rng, 12, 2));
    const bias = Float64Array.of(1, -1);
    const explainer = new TreeShapExplainer(trees, NUM_FEATURES, 2, 1, bias);
    const n = 50;
    const x = randomRows(rng, n);
    const phi = explainer.explain(x, n);
    for (let r = 0; r < n; r++) {
      const pred = predictTrees(trees, x, r * NUM_FEATURES, 1, bias);
      for (let o = 0; o < 2; o++) {
        let sum = 0;
        for (let j = 0; j <= NUM_FEATURES; j++) sum += phi[(r * (NUM_FEATURES + 1) + j) * 2 + o];
        expect(sum).toBeCloseTo(pred[o], 9);
      }
    }
  });

  it('routes one-output trees to their class channel (multiclass boosting layout)', () => {
    const rng = new Random(5);
    const k = 3;
    const trees = Array.from({ length: 9 }, () => randomTree(rng, 4, 1));
    const channel = Int32Array.from(trees, (_, i) => i % k);
    const bias = Float64Array.of(0.1, 0.2, 0.3);
    const explainer = new TreeShapExplainer(trees, NUM_FEATURES, k, 1, bias, channel);
    const n = 10;
    const x = randomRows(rng, n);
    const phi = explainer.explain(x, n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < k; c++) {
        const mine = trees.filter((_, i) => channel[i] === c);
        const expected = bruteForceShap(mine, x, r * NUM_FEATURES, 1, 1, bias.subarray(c, c + 1));
        for (let j = 0; j <= NUM_FEATURES; j++) expect(phi[(r * (NUM_FEATURES + 1) + j) * k + c]).toBeCloseTo(expected[j], 10);
      }
      const pred = predictTrees(trees, x, r * NUM_FEATURES, 1, bias, channel);
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (let j = 0; j <= NUM_FEATURES; j++) sum += phi[(r * (NUM_FEATURES + 1) + j) * k + c];
        expect(sum).toBeCloseTo(pred[c], 9);
      }
    }
  });

  it('stays finite and additive when a branch has zero cover', () => {
    const rng = new Random(21);
    const trees = Array.from({ length: 6 }, () => randomTree(rng, 5, 1));
    // Empty the right child of every root (its subtree keeps its values but no training weight).
    for (const t of trees) {
      const zero = (node: number): void => {
        (t.cover as Float64Array)[node] = 0;
        if (t.left[node] >= 0) {
          zero(t.left[node]);
          zero(t.right[node]);
        }
      };
      (t.cover as Float64Array)[t.left[0]] = t.cover[0];
      zero(t.right[0]);
    }
    const explainer = new TreeShapExplainer(trees, NUM_FEATURES, 1, 1);
    const n = 30;
    const x = randomRows(rng, n);
    const phi = explainer.explain(x, n);
    for (let r = 0; r < n; r++) {
      const expected = bruteForceShap(trees, x, r * NUM_FEATURES, 1, 1, new Float64Array(1));
      for (let j = 0; j <= NUM_FEATURES; j++) {
        expect(Number.isFinite(phi[r * (NUM_FEATURES + 1) + j])).toBe(true);
        expect(phi[r * (NUM_FEATURES + 1) + j]).toBeCloseTo(expected[j], 10);
      }
    }
  });
});
