import { describe, expect, it } from 'vitest';
import { alignToSchema } from '../src/frame/align.js';
import { numericColumn } from '../src/frame/column.js';
import { additiveShap, explainPipeline, evaluationData, permutationImportance, permutationShap, pipelineOutput } from '../src/explain/index.js';
import { type ExplainTree, goesLeft } from '../src/explain/treeshap.js';
import { featureMatrix } from '../src/models/tree/data.js';
import { Random } from '../src/util/random.js';
import { loadFixture, trainPipeline } from './serve-fixtures.js';

/** Shapley values of E[f | x_S] (features outside S integrated over covers) by enumerating all coalitions. */
function bruteForce(trees: readonly ExplainTree[], channels: Int32Array, dim: number, m: number, x: Float64Array, off: number, bias: Float64Array): Float64Array {
  const value = (mask: number): Float64Array => {
    const out = Float64Array.from(bias);
    trees.forEach((t, ti) => {
      const walk = (node: number, w: number): void => {
        if (t.left[node] < 0) {
          out[channels[ti]] += w * t.value[node];
          return;
        }
        const f = t.feature[node];
        if ((mask >> f) & 1) walk(goesLeft(t, node, x[off + f]) ? t.left[node] : t.right[node], w);
        else {
          walk(t.left[node], (w * t.cover[t.left[node]]) / t.cover[node]);
          walk(t.right[node], (w * t.cover[t.right[node]]) / t.cover[node]);
        }
      };
      walk(0, 1);
    });
    return out;
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const v = Array.from({ length: 1 << m }, (_, mask) => value(mask));
  const phi = new Float64Array(m * dim);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if ((mask >> i) & 1) continue;
      let size = 0;
      for (let f = 0; f < m; f++) size += (mask >> f) & 1;
      const w = (fact(size) * fact(m - size - 1)) / fact(m);
      for (let o = 0; o < dim; o++) phi[i * dim + o] += w * (v[mask | (1 << i)][o] - v[mask][o]);
    }
  }
  return phi;
}

describe('explaining pipelines', () => {
  it('TreeSHAP of a trained multiclass GBDT (categoricals, missing values) matches brute force and sums to the raw score', async () => {
    const { pipeline, frame } = await trainPipeline('penguins.csv', 'species', 'multiclass', 'gbdt', { numRounds: 6, numLeaves: 8, minDataInLeaf: 5, earlyStoppingRounds: 0 });
    const rows = frame.take([0, 3, 50, 120, 200, 271, 300, 343]);
    const e = explainPipeline(pipeline, rows);
    expect(e.method).toBe('treeshap');
    const state = (pipeline.model as unknown as { state: { trees: ExplainTree[]; dim: number; initScore: Float64Array; features: { name: string; dictionary?: string[] }[] } }).state;
    const m = e.featureNames.length;
    const k = e.outputs.length;
    expect(k).toBe(3);
    const raw = (pipeline.model as unknown as { predictRaw(f: unknown): Float64Array }).predictRaw(pipeline.prepare(rows).frame);
    const x = featureMatrix(pipeline.prepare(rows).frame, state.features.map((f) => f.name), state.features.map((f) => f.dictionary ?? null));
    const channels = Int32Array.from(state.trees, (_, t) => t % state.dim);
    let missingSeen = 0;
    for (let r = 0; r < rows.numRows; r++) {
      for (let f = 0; f < m; f++) if (Number.isNaN(x[r * m + f])) missingSeen++;
      const expected = bruteForce(state.trees, channels, k, m, x, r * m, new Float64Array(k));
      for (let j = 0; j < m * k; j++) expect(e.values[r * m * k + j]).toBeCloseTo(expected[j], 9);
      for (let o = 0; o < k; o++) {
        let sum = e.expectedValue[o];
        for (let f = 0; f < m; f++) sum += e.values[(r * m + f) * k + o];
        expect(sum).toBeCloseTo(raw[r * k + o], 9);
      }
    }
    expect(missingSeen).toBeGreaterThan(0);
  });

  for (const kind of ['rf', 'extratrees']) {
    it(`${kind}: TreeSHAP matches brute force on a small forest and sums to the averaged probabilities`, async () => {
      const { pipeline, frame } = await trainPipeline('penguins.csv', 'species', 'multiclass', kind, { numTrees: 5, maxDepth: 5 });
      const rows = frame.take([0, 3, 50, 120, 200, 271, 300, 343]);
      const e = explainPipeline(pipeline, rows);
      expect(e.method).toBe('treeshap');
      const state = (pipeline.model as unknown as { state: { trees: ExplainTree[]; dim: number; features: { name: string; dictionary?: string[] }[] } }).state;
      const m = e.featureNames.length;
      const k = e.outputs.length;
      const proba = pipeline.predict(rows).probabilities!;
      const prepared = pipeline.prepare(rows).frame;
      const x = featureMatrix(prepared, state.features.map((f) => f.name), state.features.map((f) => f.dictionary ?? null));
      const scale = 1 / state.trees.length;
      const scaled = state.trees.map((t) => ({ ...t, value: t.value.map((v) => v * scale) }));
      for (let r = 0; r < rows.numRows; r++) {
        for (let o = 0; o < k; o++) {
          let sum = e.expectedValue[o];
          for (let f = 0; f < m; f++) sum += e.values[(r * m + f) * k + o];
          expect(sum).toBeCloseTo(proba[r * k + o], 9);
        }
        // Brute force over 2^7 coalitions, one output channel at a time.
        for (let o = 0; o < k; o++) {
          const single = scaled.map((t) => ({ ...t, outputDim: 1, value: t.value.filter((_, i) => i % k === o) }));
          const expected = bruteForce(single, new Int32Array(single.length), 1, m, x, r * m, new Float64Array(1));
          for (let f = 0; f < m; f++) expect(e.values[(r * m + f) * k + o]).toBeCloseTo(expected[f], 9);
        }
      }
    });
  }

  it('binary GBDT contributions sum to the log-odds on every row of a real file', async () => {
    const { pipeline, frame } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary', 'gbdt', { numRounds: 40, earlyStoppingRounds: 0 });
    const e = explainPipeline(pipeline, frame);
    const p = pipeline.predict(frame).probabilities!;
    const m = e.featureNames.length;
    for (let r = 0; r < frame.numRows; r++) {
      let sum = e.expectedValue[0];
      for (let f = 0; f < m; f++) sum += e.values[r * m + f];
      expect(1 / (1 + Math.exp(-sum))).toBeCloseTo(p[r * 2 + 1], 9);
    }
  });

  it('linear models get exact additive SHAP; permutation SHAP agrees with it on an additive model', async () => {
    const { pipeline, frame } = await trainPipeline('concrete.csv', 'compressive_strength', 'regression');
    const features = pipeline.artifact.features;
    const x = alignToSchema(frame.take([1, 10, 100, 500, 900]), features).frame;
    const bg = alignToSchema(frame.take([2, 20, 200, 300, 400, 600, 700, 800]), features).frame;
    const output = pipelineOutput(pipeline, 'margin');
    const exact = additiveShap(output, x, bg)!;
    expect(exact).not.toBeNull();
    // For an additive model every walk credits feature j with g_j(x_j) - g_j(b): the estimate is exact.
    const sampled = permutationShap(output, x, bg, { permutations: 8, rng: new Random(4) });
    for (let i = 0; i < exact.values.length; i++) expect(sampled.values[i]).toBeCloseTo(exact.values[i], 8);
    expect(sampled.expectedValue[0]).toBeCloseTo(exact.expectedValue[0], 8);
    const pred = pipeline.predict(x).prediction!;
    const m = exact.featureNames.length;
    for (let r = 0; r < x.numRows; r++) {
      let sum = exact.expectedValue[0];
      for (let f = 0; f < m; f++) sum += exact.values[r * m + f];
      expect(sum).toBeCloseTo(pred[r], 8);
    }
  });

  it('multinomial linear model: exact on centred log-probabilities with categoricals and missing values', async () => {
    const { pipeline, frame } = await trainPipeline('penguins.csv', 'species', 'multiclass');
    const e = explainPipeline(pipeline, frame.take([0, 3, 150, 300]), { background: frame, seed: 3 });
    expect(e.method).toBe('exact-additive');
    expect(e.outputs).toHaveLength(3);
  });

  it('permutation SHAP is seeded and additive for a non-additive output (probabilities)', async () => {
    const { pipeline, frame } = await trainPipeline('penguins.csv', 'species', 'multiclass');
    const features = pipeline.artifact.features;
    const x = alignToSchema(frame.take([5, 180]), features).frame;
    const bg = alignToSchema(frame.take([1, 60, 160, 250, 330]), features).frame;
    const out = pipelineOutput(pipeline, 'probability');
    const a = permutationShap(out, x, bg, { permutations: 10, rng: new Random(9) });
    const b = permutationShap(out, x, bg, { permutations: 10, rng: new Random(9) });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const p = out.evaluate(x);
    const m = a.featureNames.length;
    for (let r = 0; r < 2; r++) {
      for (let o = 0; o < 3; o++) {
        let sum = a.expectedValue[o];
        for (let f = 0; f < m; f++) sum += a.values[(r * m + f) * 3 + o];
        expect(sum).toBeCloseTo(p[r * 3 + o], 9);
      }
    }
  });

  it('ensembles are explained by permutation SHAP through the pipeline, additive in probability', async () => {
    const { pipeline, frame } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary', 'ensemble', { base: 'linear', bags: 2 });
    expect(pipeline.model.kind).toBe('ensemble');
    const rows = frame.take([0, 10, 20]);
    const e = explainPipeline(pipeline, rows, { background: frame, permutations: 8, seed: 1 });
    expect(e.method).toBe('permutation');
    expect(e.outputs).toEqual(['probability of pos']);
    const p = pipeline.predict(rows).probabilities!;
    const m = e.featureNames.length;
    for (let r = 0; r < 3; r++) {
      let sum = e.expectedValue[0];
      for (let f = 0; f < m; f++) sum += e.values[r * m + f];
      expect(sum).toBeCloseTo(p[r * 2 + 1], 9);
    }
    const imp = permutationImportance(pipeline, evaluationData(pipeline, frame), { repeats: 3, rng: new Random(0) });
    expect(imp.features[0].name).toBe('glucose');
  });

  it('permutation importance ranks a pure-noise column near zero with a confidence interval', async () => {
    const base = loadFixture('concrete.csv');
    const rng = new Random(2);
    const noise = Float64Array.from({ length: base.numRows }, () => rng.normal());
    const { pipeline } = await trainPipeline('concrete.csv', 'compressive_strength', 'regression', 'linear', {}, (f) => f.withColumn(numericColumn('noise', noise)));
    const data = evaluationData(pipeline, base.withColumn(numericColumn('noise', noise)));
    const imp = permutationImportance(pipeline, data, { repeats: 5, rng: new Random(1) });
    expect(imp.metric).toBe('R2');
    const byName = new Map(imp.features.map((f) => [f.name, f]));
    const top = imp.features[0];
    expect(['cement', 'age']).toContain(top.name);
    expect(top.ciLow).toBeGreaterThan(0.05);
    const n = byName.get('noise')!;
    expect(Math.abs(n.importance)).toBeLessThan(0.01);
    expect(n.ciLow).toBeLessThanOrEqual(n.importance);
    expect(n.ciHigh).toBeGreaterThanOrEqual(n.importance);
  });
});
