import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaOf } from '../src/frame/align.js';
import { categoricalFromStrings } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { MODEL_FILE, Pipeline, predictionFrame, validateArtifact } from '../src/pipeline/pipeline.js';
import { linearSpec } from '../src/models/linear/index.js';
import { Random } from '../src/util/random.js';

let votes: Frame;
let pipeline: Pipeline;
const dir = mkdtempSync(path.join(tmpdir(), 'tabpilot-artifact-'));

beforeAll(async () => {
  votes = (await readTable('fixtures/house_votes84.csv')).frame;
  const features = votes.columnNames.filter((c) => c !== 'Class');
  const model = await linearSpec.create().fit(votes, votes.column('Class'), { task: 'binary', rng: new Random(0) });
  pipeline = Pipeline.fromModel(model, { target: 'Class', features: schemaOf(votes, features), training: { algorithm: 'linear', seed: 0 } });
  await pipeline.save(dir);
});

describe('model directory', () => {
  it('holds one self-describing model.json', () => {
    const json = JSON.parse(readFileSync(path.join(dir, MODEL_FILE), 'utf8'));
    expect(json.format).toBe('tabpilot-model-dir');
    expect(json.formatVersion).toBe(1);
    expect(json.task).toBe('binary');
    expect(json.target).toBe('Class');
    expect(json.classes).toEqual(['democrat', 'republican']);
    expect(json.features).toHaveLength(16);
    expect(json.features[0]).toEqual({ name: 'V1', kind: 'categorical', dictionary: expect.arrayContaining(['y', 'n']) });
    expect(json.model.kind).toBe('linear');
    // The writing tabpilot's version comes from package.json at runtime.
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(json.training).toEqual({ algorithm: 'linear', seed: 0, tabpilotVersion: version });
  });

  it('loads back and predicts raw input identically, columns in any order, target ignored', async () => {
    const loaded = await Pipeline.load(dir);
    const reordered = votes.select([...votes.columnNames].reverse());
    const a = pipeline.predict(votes);
    const b = loaded.predict(reordered);
    expect(Array.from(b.probabilities!)).toEqual(Array.from(a.probabilities!));
    expect(b.labels!.slice(0, 5)).toEqual(a.labels!.slice(0, 5));
    for (let i = 0; i < votes.numRows; i++) expect(b.probability![i]).toBe(a.probabilities![2 * i + b.labelIndex![i]]);
  });

  it('treats an unseen category as missing and counts it', () => {
    const v1 = votes.column('V1') as { codes: Int32Array; dictionary: readonly string[] };
    const strings = Array.from(v1.codes, (c) => (c < 0 ? null : v1.dictionary[c]));
    const withUnseen = votes.withColumn(categoricalFromStrings('V1', strings.map((s, i) => (i < 3 ? 'abstain' : s))));
    const withMissing = votes.withColumn(categoricalFromStrings('V1', strings.map((s, i) => (i < 3 ? null : s))));
    const a = pipeline.predict(withUnseen);
    const b = pipeline.predict(withMissing);
    expect(a.unseen).toEqual({ V1: 3 });
    expect(Array.from(a.probabilities!)).toEqual(Array.from(b.probabilities!));
  });

  it('names a missing feature column', () => {
    expect(() => pipeline.predict(votes.drop(['V7']))).toThrow(/missing feature column "V7"/);
  });

  it('gives the batch-transform columns', () => {
    const out = predictionFrame(pipeline.predict(votes.head(4)));
    expect(out.columnNames).toEqual(['predicted_label', 'probability', 'probability_democrat', 'probability_republican']);
    expect(out.numRows).toBe(4);
  });

  it('rejects broken or foreign model files with clear errors', async () => {
    const good = JSON.parse(readFileSync(path.join(dir, MODEL_FILE), 'utf8'));
    const write = (name: string, content: string) => {
      const d = mkdtempSync(path.join(tmpdir(), `tabpilot-${name}-`));
      writeFileSync(path.join(d, MODEL_FILE), content);
      return d;
    };
    await expect(Pipeline.load(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(Pipeline.load(write('json', '{"format":'))).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
    await expect(Pipeline.load(write('newer', JSON.stringify({ ...good, formatVersion: 2 })))).rejects.toThrow(/newer than this build supports/);
    await expect(Pipeline.load(write('other', JSON.stringify({ ...good, format: 'sklearn-pickle' })))).rejects.toThrow(/not a tabpilot model/);
    await expect(Pipeline.load(write('kind', JSON.stringify({ ...good, model: { ...good.model, kind: 'xgboost' } })))).rejects.toThrow(/kind "xgboost" is not known/);
    await expect(Pipeline.load(write('classes', JSON.stringify({ ...good, classes: ['a'] })))).rejects.toThrow(/classes/);
    await expect(Pipeline.load(write('coef', JSON.stringify({ ...good, model: { ...good.model, coefficients: [1, 2] } })))).rejects.toThrow(/coefficients/);
    expect(() => validateArtifact({ ...good, features: [{ name: 'x', kind: 'tensor' }] })).toThrow(/features\[0\]\.kind: expected one of/);
  });

  it('validates model.json field by field: task, classes, features, target, flow, model (MODEL_FORMAT naming the field)', () => {
    const good = JSON.parse(readFileSync(path.join(dir, MODEL_FILE), 'utf8'));
    const bad = (artifact: unknown, field: RegExp) => {
      let caught: unknown;
      try {
        Pipeline.fromArtifact(artifact as never);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(field)).toMatchObject({ code: 'MODEL_FORMAT' });
      expect((caught as Error).message).toMatch(field);
    };
    expect(Pipeline.fromArtifact(good).predict(votes.head(3)).labels).toHaveLength(3);
    bad({ ...good, task: 'ranking' }, /(^|: )task: expected one of/);
    bad({ ...good, classes: ['democrat'] }, /(^|: )classes: a binary model needs exactly 2 classes, got 1/);
    bad({ ...good, task: 'regression' }, /(^|: )classes: a regression model has no classes/);
    bad({ ...good, classes: ['democrat', 7] }, /(^|: )classes\[1\]: expected a string, got 7/);
    bad({ ...good, target: ['Class'] }, /(^|: )target: expected a string/);
    bad({ ...good, features: 'all' }, /(^|: )features: expected an array/);
    bad({ ...good, features: [{ name: 3, kind: 'numeric' }] }, /(^|: )features\[0\]\.name: expected a string/);
    bad({ ...good, training: 'yesterday' }, /(^|: )training: expected an object/);
    bad({ ...good, model: { ...good.model, task: 'regression', classes: undefined } }, /(^|: )model\.task: model task "regression" does not match/);
    bad({ ...good, model: { ...good.model, coefficients: good.model.coefficients.map((c: number, i: number) => (i === 4 ? String(c) : c)) } }, /(^|: )model\.coefficients\[4\]: expected a number/);
    const flow = { format: 'tabpilot-inference-flow', version: 1, input_node: 'source', steps: [] as unknown[], skipped: [] };
    // A flow of no steps is fine; so is a row-wise step. A row-reordering one, or steps of the wrong type, are not.
    expect(Pipeline.fromArtifact({ ...good, flow }).predict(votes.head(2)).labels).toHaveLength(2);
    bad({ ...good, flow: { ...flow, steps: 5 } }, /(^|: )flow\.steps: expected an array, got 5/);
    bad({ ...good, flow: { ...flow, steps: [7] } }, /(^|: )flow\.steps\[0\]: expected an object/);
    const step = (parameters: Record<string, unknown>) => ({ node_id: 'n1', type: 'TRANSFORM', operator: 'tabpilot.manage_rows_0.1', parameters, inputs: [], outputs: [] });
    bad({ ...good, flow: { ...flow, steps: [step({ operator: 'Sort', sort_parameters: { sort_by: ['Class'] } })] } }, /(^|: )flow\.steps\[0\]\.operator: "Sort" is not a row-wise transform/);
    bad({ ...good, flow: { ...flow, steps: [{ ...step({}), operator: 'tabpilot.no_such_thing_0.1' }] } }, /(^|: )flow\.steps\[0\]: .*unknown transform/);
    bad({ ...good, flow: { ...flow, version: 2 } }, /(^|: )flow\.version: expected one of 1/);
  });

  it('rejects tree values stored as strings, a Sort step in the flow and `steps: 5` from Pipeline.load', async () => {
    const { gbdtSpec } = await import('../src/models/gbdt/index.js');
    const features = votes.columnNames.filter((c) => c !== 'Class');
    const gbdt = await gbdtSpec.create({ numRounds: 5 }).fit(votes, votes.column('Class'), { task: 'binary', rng: new Random(0) });
    const treeDir = mkdtempSync(path.join(tmpdir(), 'tabpilot-gbdt-artifact-'));
    await Pipeline.fromModel(gbdt, { target: 'Class', features: schemaOf(votes, features) }).save(treeDir);
    const good = JSON.parse(readFileSync(path.join(treeDir, MODEL_FILE), 'utf8'));
    expect((await Pipeline.load(treeDir)).predict(votes.head(5)).labels).toEqual(pipeline.predict(votes.head(5)).labels!.map(() => expect.any(String)));
    const load = async (artifact: unknown) => {
      const d = mkdtempSync(path.join(tmpdir(), 'tabpilot-bad-'));
      writeFileSync(path.join(d, MODEL_FILE), JSON.stringify(artifact));
      return Pipeline.load(d);
    };
    const trees = good.model.trees.map((t: Record<string, unknown[]>, i: number) => (i === 3 ? { ...t, threshold: t.threshold.map(String) } : t));
    const stringTree = load({ ...good, model: { ...good.model, trees } });
    await expect(stringTree).rejects.toMatchObject({ code: 'MODEL_FORMAT', file: expect.stringContaining(MODEL_FILE) });
    await expect(stringTree).rejects.toThrow(/(^|: )model\.trees\[3\]\.threshold\[0\]: expected a number, got "/);
    const sort = { node_id: 's', type: 'TRANSFORM', operator: 'tabpilot.manage_rows_0.1', parameters: { operator: 'Sort', sort_parameters: { sort_by: ['Class'] } }, inputs: [], outputs: [] };
    const flow = { format: 'tabpilot-inference-flow', version: 1, input_node: 'source', steps: [sort], skipped: [] };
    await expect(load({ ...good, flow })).rejects.toMatchObject({ code: 'MODEL_FORMAT', message: expect.stringMatching(/(^|: )flow\.steps\[0\]\.operator: "Sort" is not a row-wise/) });
    await expect(load({ ...good, flow: { ...flow, steps: 5 } })).rejects.toMatchObject({ code: 'MODEL_FORMAT', message: expect.stringMatching(/(^|: )flow\.steps: expected an array/) });
    // Tree structure: a child pointing back up (a cycle) and a feature index past the feature list.
    const cyclic = good.model.trees.map((t: Record<string, number[]>, i: number) => (i === 0 ? { ...t, left: t.left.map((c, j) => (j === 0 ? 0 : c)) } : t));
    await expect(load({ ...good, model: { ...good.model, trees: cyclic } })).rejects.toThrow(/(^|: )model\.trees\[0\]\.left\[0\]: expected a child node index/);
    const farFeature = good.model.trees.map((t: Record<string, number[]>, i: number) => (i === 1 ? { ...t, feature: t.feature.map((f) => (f >= 0 ? 999 : f)) } : t));
    await expect(load({ ...good, model: { ...good.model, trees: farFeature } })).rejects.toThrow(/(^|: )model\.trees\[1\]\.feature\[0\]: expected a number in \[-1, 15\]/);
  });
});
